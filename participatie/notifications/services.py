"""E-mail notifications: what a person wants (preferences, subscriptions), the one-click unsubscribe
links, and turning what happened (events) into mails.

How a mail comes about:
1. Something happens: a moderator hides or rejects input (`input_moderated`), a response or a public
   summary is published (`response_published`, `summary_published`), or the hourly check finds a
   round that opened or closed. An `NotificationEvent` row is added in the same transaction, so no
   mail is ever sent about a change that was rolled back.
2. After that transaction commits, one job is queued (`tasks.deliver_events`) for its events. The
   hourly check also delivers every event still waiting (e.g. when the queue was down).
3. Delivering an event mails each recipient separately (To: only them): a row in the sent-log
   (unique per event and person) is claimed and committed before the mail goes out, so two workers,
   a retried job or the check running twice never send the same mail twice.
"""
import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app, has_request_context, request, url_for
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import delete, event, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .. import jobs
from ..accounts.models import User, utcnow
from ..contributions.models import Contribution, Reply
from ..extensions import db
from ..mail import send_mail
from ..projects.models import Project
from ..rounds.errors import Refused, ValidationError
from ..rounds.models import Round
from .models import (
    MODERATED,
    RESPONSE,
    ROUND_CLOSED,
    ROUND_OPENED,
    SENDING,
    SENT,
    SUMMARY,
    NotificationDelivery,
    NotificationEvent,
    NotificationPreference,
    Subscription,
)

log = logging.getLogger(__name__)

JOB_KIND = "notification"
DELIVER_FUNCTION = "participatie.notifications.tasks.deliver_events"
# A round that opened or closed longer ago than this is not news any more (e.g. right after the
# feature is switched on): no mail about it.
ROUND_EVENT_WINDOW = timedelta(hours=48)
TOKEN_SALT = "participatie-unsubscribe"
# The preferences a person can switch off, in the order of the settings page.
PREFERENCES = ("input_moderated", "input_answered", "round_news")
PREFERENCE_LABELS = {
    "input_moderated": _l("e-mails als een moderator uw inbreng verbergt of afwijst"),
    "input_answered": _l("e-mails als de provincie op uw inbreng reageert"),
    "round_news": _l("nieuws over projecten en rondes die u volgt"),
}
SESSION_KEY = "participatie_notification_events"


# --- preferences ------------------------------------------------------------------------------------

def preferences(user) -> NotificationPreference:
    """The person's settings; a fresh (unsaved) row with everything on when they never chose."""
    found = db.session.get(NotificationPreference, user.id)
    if found is None:
        found = NotificationPreference(user_id=user.id, input_moderated=True, input_answered=True, round_news=True)
    return found


def save_preferences(user, **choices) -> NotificationPreference:
    """Store what the person wants (keys of PREFERENCES, booleans). The caller commits."""
    unknown = set(choices) - set(PREFERENCES)
    if unknown:
        raise ValidationError({sorted(unknown)[0]: _l("Onbekende keuze.")})
    found = db.session.get(NotificationPreference, user.id)
    if found is None:
        found = NotificationPreference(user_id=user.id, input_moderated=True, input_answered=True, round_news=True)
        db.session.add(found)
    for name, value in choices.items():
        setattr(found, name, bool(value))
    found.updated_at = utcnow()
    db.session.flush()
    return found


def wants(user_id: int, preference: str) -> bool:
    found = db.session.get(NotificationPreference, user_id)
    return True if found is None else bool(getattr(found, preference))


# --- subscriptions ----------------------------------------------------------------------------------

def _target(project: Project | None, round_: Round | None) -> dict:
    if (project is None) == (round_ is None):
        raise ValueError("subscribe to a project or a round")
    return {"project_id": project.id, "round_id": None} if project is not None else \
        {"project_id": None, "round_id": round_.id}


def _check_user(user) -> None:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        raise Refused(_l("Log in om een project of ronde te volgen."), code="login")


def subscription_of(user, project: Project | None = None, round_: Round | None = None) -> Subscription | None:
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    target = _target(project, round_)
    column, value = (Subscription.project_id, target["project_id"]) if project is not None else \
        (Subscription.round_id, target["round_id"])
    return db.session.scalar(select(Subscription).where(Subscription.user_id == user.id, column == value))


def subscribe(user, project: Project | None = None, round_: Round | None = None) -> Subscription:
    """Follow a project or a round (nothing changes when the person already does). The caller commits."""
    _check_user(user)
    found = subscription_of(user, project, round_)
    if found is not None:
        return found
    subscription = Subscription(user_id=user.id, created_at=utcnow(), **_target(project, round_))
    try:
        with db.session.begin_nested():
            db.session.add(subscription)
    except IntegrityError:
        # The same person pressed the button in two tabs at once: that subscription stands.
        return subscription_of(user, project, round_)
    return subscription


def unsubscribe(user, project: Project | None = None, round_: Round | None = None) -> bool:
    """Stop following; True when there was something to stop. The caller commits."""
    _check_user(user)
    found = subscription_of(user, project, round_)
    if found is None:
        return False
    db.session.delete(found)
    db.session.flush()
    return True


def subscriptions_of(user) -> list[tuple[Subscription, object]]:
    """(subscription, the project or round) of the person, for the settings page."""
    result = []
    for subscription in db.session.scalars(select(Subscription).where(Subscription.user_id == user.id)
                                           .order_by(Subscription.created_at, Subscription.id)):
        target = db.session.get(Project, subscription.project_id) if subscription.project_id else \
            db.session.get(Round, subscription.round_id)
        result.append((subscription, target))
    return result


def subscriber_ids(round_: Round) -> list[int]:
    """Everyone who follows the round or its project (each once)."""
    return sorted(set(db.session.scalars(select(Subscription.user_id).where(
        or_(Subscription.round_id == round_.id, Subscription.project_id == round_.project_id)))))


# --- unsubscribe links ------------------------------------------------------------------------------

def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=TOKEN_SALT)


def make_token(user_id: int, preference: str | None = None, round_id: int | None = None) -> str:
    """A signed link token: switch off one preference, or stop following a round (and its project).
    It does not expire: an unsubscribe link in an old mail must still work."""
    if preference is not None:
        return _serializer().dumps({"u": user_id, "p": preference})
    return _serializer().dumps({"u": user_id, "r": round_id})


class TokenError(Exception):
    """A tampered, unknown or no longer valid unsubscribe link."""


@dataclass
class Unsubscribe:
    """What an unsubscribe link will do, for the confirm page."""

    user: User
    preference: str | None
    round: Round | None

    @property
    def description(self) -> str:
        if self.preference:
            return _("U krijgt dan geen %(what)s meer.", what=PREFERENCE_LABELS[self.preference])
        return _("U volgt dan de ronde „%(round)s” en het project „%(project)s” niet meer.",
                 round=self.round.title, project=self.round.project.title)


def read_token(token: str) -> Unsubscribe:
    """The action behind a token; raises TokenError when the signature or its content is wrong."""
    try:
        data = _serializer().loads(token)
    except BadSignature as exc:
        raise TokenError() from exc
    if not isinstance(data, dict) or not isinstance(data.get("u"), int):
        raise TokenError()
    user = db.session.get(User, data["u"])
    if user is None:
        raise TokenError()
    preference = data.get("p")
    if preference is not None:
        if preference not in PREFERENCES:
            raise TokenError()
        return Unsubscribe(user, preference, None)
    round_id = data.get("r")
    round_ = db.session.get(Round, round_id) if isinstance(round_id, int) else None
    if round_ is None:
        raise TokenError()
    return Unsubscribe(user, None, round_)


def apply_unsubscribe(token: str) -> Unsubscribe:
    """Do what the link says (idempotent). The caller commits."""
    action = read_token(token)
    if action.preference:
        save_preferences(action.user, **{action.preference: False})
    else:
        db.session.execute(delete(Subscription).where(
            Subscription.user_id == action.user.id,
            or_(Subscription.round_id == action.round.id, Subscription.project_id == action.round.project_id)))
    return action


# --- events -----------------------------------------------------------------------------------------

def add_event(kind: str, key: str, *, round_id: int | None, object_type: str = "", object_id: int | None = None,
              action: str = "", reason: str = "", deliver_after_commit: bool = True) -> NotificationEvent | None:
    """Add an event in the current transaction; None when an event with this key exists already.
    With `deliver_after_commit`, a delivery job is queued once the transaction commits.

    Two transactions adding the same key at the same moment: the second fails on the unique key when
    it flushes or commits (`check_rounds` handles that; other keys are unique by construction)."""
    if db.session.scalar(select(NotificationEvent.id).where(NotificationEvent.key == key)) is not None:
        return None
    found = NotificationEvent(kind=kind, key=key[:200], round_id=round_id, object_type=object_type,
                              object_id=object_id, action=action[:20], reason=reason or "",
                              base_url=_request_base_url(), created_at=utcnow())
    db.session.add(found)
    db.session.flush()
    if deliver_after_commit:
        db.session.info.setdefault(SESSION_KEY, []).append(found.id)
    return found


def _request_base_url() -> str:
    return request.url_root[:200] if has_request_context() else ""


@event.listens_for(Session, "after_commit")
def _queue_after_commit(session) -> None:
    """Queue the delivery of the events of a transaction that just committed. SQL cannot run on the
    committing session here, so the job is queued from a fresh app context (its own session)."""
    ids = session.info.pop(SESSION_KEY, None)
    if not ids:
        return
    try:
        app = current_app._get_current_object()
    except RuntimeError:  # no app: the hourly check delivers them
        return
    with app.app_context():
        try:
            jobs.enqueue(DELIVER_FUNCTION, ids, kind=JOB_KIND)
        except jobs.QueueUnavailable:
            log.warning("queue unavailable: notification events %s wait for the hourly check", ids)
        except Exception:  # a mail must never break the action that caused it
            log.exception("could not queue notification events %s", ids)


@event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session) -> None:
    session.info.pop(SESSION_KEY, None)


# --- signal handlers --------------------------------------------------------------------------------

def on_input_moderated(sender, action: str = "", reason: str = "", actor=None, **_extra) -> None:
    """The author hears when a moderator hid or rejected their contribution or reply."""
    if action not in ("hidden", "rejected") or sender.author_id is None:
        return
    object_type = "reply" if isinstance(sender, Reply) else "contribution"
    round_id = sender.contribution.round_id if isinstance(sender, Reply) else sender.round_id
    add_event(MODERATED, f"moderated:{object_type}:{sender.id}:{action}:{uuid.uuid4().hex}", round_id=round_id,
              object_type=object_type, object_id=sender.id, action=action,
              reason=reason or sender.moderation_reason)


def on_response_published(sender, actor=None, **_extra) -> None:
    """The authors of the answered contributions, and the round's subscribers."""
    add_event(RESPONSE, f"response:{sender.id}", round_id=sender.round_id, object_type="response",
              object_id=sender.id)


def on_summary_published(sender, actor=None, **_extra) -> None:
    """The round's subscribers, when the summary is public (a summary for the team is not news)."""
    if not getattr(sender, "is_public", False):
        return
    add_event(SUMMARY, f"summary:{sender.id}", round_id=sender.round_id, object_type="summary", object_id=sender.id)


def connect_signals() -> None:
    from ..signals import input_moderated, response_published, summary_published

    input_moderated.connect(on_input_moderated, weak=False)
    response_published.connect(on_response_published, weak=False)
    summary_published.connect(on_summary_published, weak=False)


# --- the hourly check -------------------------------------------------------------------------------

def check_rounds(now: datetime | None = None) -> list[NotificationEvent]:
    """Add (and commit) an event for every round that opened or closed in the last 48 hours and has
    none yet. The event key holds the moment, so moving the dates makes new news; the unique key
    makes two workers running this at once add it once."""
    now = now or utcnow()
    since = now - ROUND_EVENT_WINDOW
    due = []
    for kind, column in ((ROUND_OPENED, Round.starts_at), (ROUND_CLOSED, Round.ends_at)):
        for round_ in db.session.scalars(select(Round).where(column > since, column <= now).order_by(column)):
            moment = round_.starts_at if kind == ROUND_OPENED else round_.ends_at
            due.append((kind, f"{kind}:{round_.id}:{moment:%Y%m%d%H%M}", round_.id))
    added = []
    for kind, key, round_id in due:
        try:
            found = add_event(kind, key, round_id=round_id, object_type="round", object_id=round_id,
                              deliver_after_commit=False)
            db.session.commit()
        except IntegrityError:
            db.session.rollback()  # another worker added it at the same moment: theirs stands
            continue
        if found is not None:
            added.append(found)
    return added


def pending_event_ids(limit: int = 500) -> list[int]:
    return list(db.session.scalars(select(NotificationEvent.id).where(NotificationEvent.processed_at.is_(None))
                                   .order_by(NotificationEvent.created_at, NotificationEvent.id).limit(limit)))


def run_check(now: datetime | None = None) -> int:
    """The hourly job's work: new round events, then every event still waiting. Returns mails sent."""
    check_rounds(now)
    return sum(deliver(event_id) for event_id in pending_event_ids())


# --- delivering -------------------------------------------------------------------------------------

@dataclass
class Mail:
    subject: str
    body: str
    unsubscribe_token: str


def _recipient(user_id: int | None) -> User | None:
    """A person who can get mail: an active account with a confirmed address."""
    user = db.session.get(User, user_id) if user_id else None
    if user is None or not user.is_active or user.confirmed_at is None:
        return None
    return user


def _news_recipients(round_: Round) -> list[User]:
    """Subscribers who want round news, of a round people can see."""
    if not round_.project.is_published:
        return []
    return [u for u in (_recipient(i) for i in subscriber_ids(round_)) if u is not None and wants(u.id, "round_news")]


def _plan(event_: NotificationEvent) -> list[tuple[User, str]]:
    """(person, what kind of mail) for the event: each person at most once."""
    round_ = db.session.get(Round, event_.round_id) if event_.round_id else None
    if round_ is None:
        return []
    plan: dict[int, tuple[User, str]] = {}
    if event_.kind == MODERATED:
        model = Reply if event_.object_type == "reply" else Contribution
        item = db.session.get(model, event_.object_id)
        user = _recipient(item.author_id) if item is not None else None
        # Only while the item is still hidden or rejected: a moderator may have undone it since.
        if user is not None and item.status == event_.action and wants(user.id, "input_moderated"):
            plan[user.id] = (user, "moderated")
    elif event_.kind == RESPONSE:
        from ..responses.models import Response

        response = db.session.get(Response, event_.object_id)
        if response is None or not response.is_published:
            return []
        for contribution in response.contributions:
            user = _recipient(contribution.author_id)
            if user is not None and contribution.status == "published" and wants(user.id, "input_answered"):
                plan.setdefault(user.id, (user, "answered"))
        for user in _news_recipients(round_):
            plan.setdefault(user.id, (user, "response_news"))
    elif event_.kind in (SUMMARY, ROUND_OPENED, ROUND_CLOSED):
        for user in _news_recipients(round_):
            plan.setdefault(user.id, (user, event_.kind))
    return list(plan.values())


def _base_url(event_: NotificationEvent) -> str:
    """The site's address for links: PUBLIC_URL, else the address the event happened on, else the
    local default."""
    return current_app.config["PUBLIC_URL"] or event_.base_url or "http://127.0.0.1:5000/"


def deliver(event_id: int) -> int:
    """Mail everyone the event concerns who did not get it yet; returns how many mails went out."""
    event_ = db.session.get(NotificationEvent, event_id)
    if event_ is None:
        return 0
    sent = 0
    with current_app.test_request_context("/", base_url=_base_url(event_)):
        for user, what in _plan(event_):
            sent += _deliver_one(event_, user, what)
    if event_.processed_at is None:
        event_.processed_at = utcnow()
        db.session.commit()
    return sent


def _deliver_one(event_: NotificationEvent, user: User, what: str) -> int:
    """Claim the (event, person) row, send, mark it sent. Two workers: the second claim fails."""
    claim = NotificationDelivery(event_id=event_.id, user_id=user.id, status=SENDING, created_at=utcnow())
    db.session.add(claim)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return 0
    try:
        mail = compose(event_, user, what)
        link = url_for("notifications.unsubscribe", token=mail.unsubscribe_token, _external=True)
        send_mail(user.email, mail.subject, mail.body + _footer(link),
                  headers={"List-Unsubscribe": f"<{link}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"})
    except Exception:
        # Not sent: free the claim so that the job's retry sends it.
        db.session.rollback()
        db.session.execute(delete(NotificationDelivery).where(NotificationDelivery.id == claim.id))
        db.session.commit()
        raise
    claim.status, claim.sent_at = SENT, utcnow()
    db.session.commit()
    return 1


def _footer(link: str) -> str:
    settings = url_for("notifications.settings", _external=True)
    return _("\n\n--\nWilt u deze e-mails niet meer krijgen? Meld u af met deze link:\n%(link)s\n\n"
             "Kies zelf welke e-mails u krijgt:\n%(settings)s\n", link=link, settings=settings)


def _short(text: str, limit: int = 300) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def compose(event_: NotificationEvent, user: User, what: str) -> Mail:
    """The subject and text of one mail, in plain Dutch (B1). Only the recipient's own name; never
    anyone's e-mail address."""
    round_ = db.session.get(Round, event_.round_id)
    round_url = url_for("rounds.detail", slug=round_.slug, _external=True)
    mine = url_for("responses.my_input", _external=True)
    hello = _("Beste %(name)s,", name=user.display_name)
    if what == "moderated":
        model = Reply if event_.object_type == "reply" else Contribution
        item = db.session.get(model, event_.object_id)
        reason = event_.reason or _("De moderator heeft geen reden gegeven.")
        if event_.action == "rejected":
            subject = _("Uw inbreng is afgewezen")
            what_happened = _("Een moderator heeft uw inbreng bij „%(round)s” afgewezen. Hij wordt niet gepubliceerd.",
                              round=round_.title)
        else:
            subject = _("Uw inbreng is verborgen")
            what_happened = _("Een moderator heeft uw inbreng bij „%(round)s” verborgen. Anderen zien hem niet meer.",
                              round=round_.title)
        body = "\n\n".join([
            hello, what_happened, _("De reden: %(reason)s", reason=reason),
            _("Uw tekst was: „%(text)s”", text=_short(item.text if item else "")),
            _("Op de pagina Mijn inbreng ziet u al uw inbreng en wat ermee is gebeurd:\n%(link)s", link=mine),
            _("Hebt u een vraag hierover? Bel de provincie op 030 258 9111."),
        ])
        return Mail(subject, body, make_token(user.id, preference="input_moderated"))
    if what in ("answered", "response_news"):
        from ..responses.models import Response

        response = db.session.get(Response, event_.object_id)
        phase = _(" (%(phase)s)", phase=response.phase_label) if response.phase_label else ""
        if what == "answered":
            subject = _("De provincie heeft gereageerd op uw inbreng")
            intro = _("De provincie heeft gereageerd op uw inbreng bij „%(round)s”%(phase)s. Dit is de reactie:",
                      round=round_.title, phase=phase)
            link = _("Lees de reactie bij uw inbreng op de pagina Mijn inbreng:\n%(link)s", link=mine)
            token = make_token(user.id, preference="input_answered")
        else:
            subject = _("Nieuwe reactie van de provincie: %(round)s", round=round_.title)
            intro = _("De provincie heeft een reactie gepubliceerd in de ronde „%(round)s”%(phase)s. Dit is de reactie:",
                      round=round_.title, phase=phase)
            link = _("Bekijk de ronde:\n%(link)s", link=round_url)
            token = make_token(user.id, round_id=round_.id)
        body = "\n\n".join([hello, intro, _short(response.text, 3000), link])
        return Mail(subject, body, token)
    token = make_token(user.id, round_id=round_.id)
    if what == SUMMARY:
        summary_url = url_for("summaries.detail", slug=round_.slug, summary_id=event_.object_id, _external=True)
        subject = _("Samenvatting gepubliceerd: %(round)s", round=round_.title)
        text = _("De provincie heeft een samenvatting gepubliceerd van alle inbreng in de ronde „%(round)s”. "
                 "U leest hem hier:\n%(link)s", round=round_.title, link=summary_url)
    elif what == ROUND_OPENED:
        subject = _("De ronde is open: %(round)s", round=round_.title)
        text = _("De ronde „%(round)s” is begonnen. U kunt meedoen tot %(end)s.\n\nDoe mee:\n%(link)s",
                 round=round_.title, end=format_datetime(round_.ends_at, "d MMMM yyyy, HH:mm"), link=round_url)
    else:
        subject = _("De ronde is gesloten: %(round)s", round=round_.title)
        text = _("De ronde „%(round)s” is gesloten. U kunt niet meer reageren, maar u kunt alle inbreng nog lezen. "
                 "De provincie verwerkt nu alle inbreng.\n\nBekijk de ronde:\n%(link)s",
                 round=round_.title, link=round_url)
    body = "\n\n".join([hello, text, _("U krijgt deze e-mail omdat u dit project of deze ronde volgt.")])
    return Mail(subject, body, token)
