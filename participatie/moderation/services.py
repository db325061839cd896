"""Moderation: screening input on submit, the queue, moderators' decisions, flags, and input that
arrived on paper, by phone or in person.

Decisions are conditional updates (`... WHERE status = <the status the moderator saw>`): when two
moderators act on one item from two tabs, the second finds nothing to update and gets a `Conflict`
that says what happened; nothing is applied twice. Every decision is written to the audit log and
announced with the `input_moderated` signal (notifications mail the author). The caller commits.

The audit log keeps statuses and reasons, never the redacted text itself: a redaction removes
personal data, and the log must not keep a second copy of it.
"""
import math
from dataclasses import dataclass, field
from datetime import date, datetime

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import String, cast, exists, func, literal, or_, select, union_all, update
from sqlalchemy.exc import IntegrityError

from ..accounts.models import User, utcnow
from ..audit import services as audit
from ..audit.models import AuditEntry
from ..contributions import services as contributions
from ..contributions.models import HIDDEN, PENDING, PUBLISHED, REJECTED, STATUSES, Contribution, Reply
from ..extensions import db
from ..permissions import Role, has_role
from ..projects.models import Project
from ..rounds.errors import NotFound, Refused, ServiceError, ValidationError
from ..rounds.models import Round
from ..signals import input_moderated
from . import checks
from .models import FLAG_REASONS, Flag

PER_PAGE = 25
CONTRIBUTION = "contribution"
REPLY = "reply"
KINDS = (CONTRIBUTION, REPLY)
STAFF_CHANNELS = ("paper", "phone", "in_person")

# The house rules a moderator can point to when hiding something; the label is what the public sees.
RULES = {
    "respect": _l("Wees respectvol: geen beledigingen, discriminatie of bedreigingen."),
    "privacy": _l("Geen persoonsgegevens van uzelf of van anderen."),
    "on_topic": _l("Blijf bij het onderwerp van deze ronde."),
    "no_spam": _l("Geen reclame, spam of dezelfde tekst steeds opnieuw."),
    "duplicate": _l("Geen dubbele inbreng: dezelfde inbreng staat er al."),
    "lawful": _l("Niets wat tegen de wet is."),
}
FLAG_REASON_LABELS = {
    "insulting": _l("Beledigend"),
    "personal_data": _l("Bevat persoonsgegevens"),
    "off_topic": _l("Niet over het onderwerp"),
    "spam": _l("Spam of reclame"),
}
HELD_REASON_LABELS = {
    checks.EMAIL: _l("e-mailadres"),
    checks.PHONE: _l("telefoonnummer"),
    checks.POSTCODE: _l("postcode met huisnummer"),
    checks.IBAN: _l("bankrekeningnummer (IBAN)"),
    checks.BSN: _l("burgerservicenummer (BSN)"),
    checks.LINKS: _l("veel links"),
    checks.REPEATED: _l("dezelfde tekst opnieuw"),
    checks.BURST: _l("veel berichten kort na elkaar"),
    checks.FLAGS: _l("gemeld door meerdere mensen"),
}
STATUS_LABELS = {
    PENDING: _l("wacht op moderatie"),
    PUBLISHED: _l("gepubliceerd"),
    HIDDEN: _l("verborgen"),
    REJECTED: _l("afgewezen"),
}
ACTION_LABELS = {
    "approved": _l("goedgekeurd"),
    "rejected": _l("afgewezen"),
    "hidden": _l("verborgen"),
    "redacted": _l("bewerkt (persoonsgegevens weggehaald)"),
    "duplicate": _l("gemarkeerd als dubbel"),
}
ACTIONS = ("approve", "reject", "hide", "redact", "duplicate")
BULK_ACTIONS = ("approve", "reject", "hide")


class Conflict(ServiceError):
    """Another moderator (or the author) changed the item since the moderator looked at it."""

    status = 409

    def __init__(self, message):
        super().__init__(message=message)


class PersonalDataWarning(ServiceError):
    """The text holds personal data and the resident has not yet said to send it anyway."""

    status = 400

    def __init__(self, findings: list):
        self.findings = findings
        kinds = ", ".join(str(HELD_REASON_LABELS[code]) for code in _codes(findings))
        super().__init__(errors={"text": _l(
            "Uw tekst lijkt persoonsgegevens te bevatten: %(kinds)s. Haal ze weg als dat kan. Wilt u het toch "
            "zo versturen? Vink dan 'Toch versturen' aan. Een moderator bekijkt uw tekst dan eerst en haalt "
            "de persoonsgegevens weg voordat hij openbaar wordt.", kinds=kinds)})


def _codes(findings) -> list[str]:
    seen = {f.code for f in findings}
    return [code for code in checks.PERSONAL_DATA if code in seen]


def rule_label(code: str) -> str:
    return str(RULES.get(code, code))


# --- screening on submit ----------------------------------------------------------------------------

@dataclass
class Screening:
    """What the automatic checks found in a new or changed text."""

    findings: list = field(default_factory=list)  # [checks.Finding] personal data
    spam: list = field(default_factory=list)  # spam codes

    @property
    def codes(self) -> list[str]:
        return _codes(self.findings) + list(self.spam)


def screen(text: str, author=None, round_: Round | None = None, now: datetime | None = None,
           exclude: Contribution | Reply | None = None) -> Screening:
    """Run the automatic checks on `text` written by `author` in `round_`: personal data, links,
    repeats (by the author anywhere, or by others in the round) and bursts. Three small queries."""
    now = now or utcnow()
    config = current_app.config
    try:
        text = contributions.clean_text(text, max(contributions.TEXT_MAX, contributions.REPLY_MAX))
    except ValidationError:
        return Screening()  # the service itself reports the empty or too long text
    author_id = getattr(author, "id", None) if getattr(author, "is_authenticated", False) else None
    author_texts, author_times, round_texts = [], [], []
    if author_id is not None:
        recent = list(db.session.execute(
            select(Contribution.text, Contribution.created_at, Contribution.id)
            .where(Contribution.author_id == author_id).order_by(Contribution.created_at.desc()).limit(100)))
        recent += list(db.session.execute(
            select(Reply.text, Reply.created_at, -Reply.id)
            .where(Reply.author_id == author_id).order_by(Reply.created_at.desc()).limit(100)))
        skip = _exclude_key(exclude)
        author_texts = [t for t, _at, key in recent if key != skip]
        author_times = [at for _t, at, key in recent if key != skip]
    if round_ is not None:
        round_texts = list(db.session.scalars(
            select(Contribution.text).where(Contribution.round_id == round_.id,
                                            Contribution.author_id.is_distinct_from(author_id),
                                            func.length(Contribution.text) == len(text))
            .limit(200)))
    spam = checks.spam_codes(
        text, author_texts=author_texts, round_texts=round_texts, author_times=author_times, now=now,
        max_links=config["SPAM_MAX_LINKS"], burst_count=config["SPAM_BURST_COUNT"],
        burst_minutes=config["SPAM_BURST_MINUTES"])
    return Screening(checks.find_personal_data(text), spam)


def _exclude_key(item) -> int | None:
    if isinstance(item, Contribution):
        return item.id
    if isinstance(item, Reply):
        return -item.id
    return None


def _screened(text, author, round_, confirmed: bool, exclude=None) -> list[str]:
    result = screen(text, author, round_, exclude=exclude)
    if result.findings and not confirmed:
        raise PersonalDataWarning(result.findings)
    return result.codes


def submit_contribution(round_: Round, author, *, confirmed: bool = False, **kwargs) -> Contribution:
    """A resident's new contribution, after the automatic checks. Personal data without `confirmed`
    raises PersonalDataWarning (nothing stored); with it, or with signs of spam, the contribution is
    stored as pending with its held_reasons, for the queue. The caller commits."""
    codes = _screened(kwargs.get("text"), author, round_, confirmed)
    return contributions.create_contribution(round_, author, held_reasons=codes or None, **kwargs)


def submit_update(contribution: Contribution, author, *, confirmed: bool = False, **kwargs) -> Contribution:
    """The author's change to a contribution, after the same checks as a new one."""
    codes = _screened(kwargs.get("text"), author, contribution.round, confirmed, exclude=contribution)
    return contributions.update_contribution(contribution, author, held_reasons=codes or None, **kwargs)


def submit_reply(contribution: Contribution, author, text: str, *, confirmed: bool = False) -> Reply:
    """A reply, after the same checks (spam signs hold it too)."""
    codes = _screened(text, author, contribution.round, confirmed)
    return contributions.add_reply(contribution, author, text, held_reasons=codes or None)


# --- the queue --------------------------------------------------------------------------------------

@dataclass
class QueueFilter:
    """Empty values: no filter. `status`: 'queue' (pending or flagged, the default), 'pending',
    'flagged', or a status (published, hidden, rejected)."""

    project_id: int | None = None
    round_id: int | None = None
    theme: str = ""
    status: str = "queue"
    reason: str = ""


QUEUE_STATUSES = ("queue", "pending", "flagged", PUBLISHED, HIDDEN, REJECTED)


@dataclass
class QueueItem:
    kind: str  # CONTRIBUTION or REPLY
    item: Contribution | Reply
    contribution: Contribution  # the item itself, or the reply's contribution
    round: Round
    author_name: str | None
    flags: list  # [(reason, count)] of unresolved flags
    flag_notes: list  # [str] notes with the unresolved flags

    @property
    def key(self) -> str:
        """The item's value in the bulk form: kind:id:seen status."""
        return f"{self.kind}:{self.item.id}:{self.item.status}"

    @property
    def flag_count(self) -> int:
        return sum(count for _reason, count in self.flags)


@dataclass
class QueuePage:
    items: list[QueueItem]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))


def _open_flags(kind: str):
    column = Flag.contribution_id if kind == CONTRIBUTION else Flag.reply_id
    model = Contribution if kind == CONTRIBUTION else Reply
    return exists().where(column == model.id, Flag.resolved_at.is_(None))


def _held_like(model, code: str):
    # JSON lists are stored as text like ["phone", "links"] on both databases.
    return cast(model.held_reasons, String).like(f'%"{code}"%')


def _conditions(kind: str, f: QueueFilter) -> list:
    model = Contribution if kind == CONTRIBUTION else Reply
    flagged = _open_flags(kind)
    conditions = []
    if f.status == "queue":
        conditions.append(or_(model.status == PENDING, flagged))
    elif f.status == "pending":
        conditions.append(model.status == PENDING)
    elif f.status == "flagged":
        conditions.append(flagged)
    elif f.status in STATUSES:
        conditions.append(model.status == f.status)
    if f.round_id:
        conditions.append(Contribution.round_id == f.round_id)
    if f.project_id:
        conditions.append(Contribution.round_id.in_(select(Round.id).where(Round.project_id == f.project_id)))
    if f.theme:
        conditions.append(Contribution.theme == f.theme)
    if f.reason == checks.FLAGS:
        conditions.append(or_(flagged, _held_like(model, checks.FLAGS)))
    elif f.reason in checks.HELD_REASONS:
        conditions.append(_held_like(model, f.reason))
    return conditions


def _kind_query(kind: str, f: QueueFilter):
    if kind == CONTRIBUTION:
        return (select(literal(CONTRIBUTION).label("kind"), Contribution.id.label("id"),
                       Contribution.created_at.label("created_at"))
                .where(*_conditions(kind, f)))
    return (select(literal(REPLY).label("kind"), Reply.id.label("id"), Reply.created_at.label("created_at"))
            .join(Contribution, Contribution.id == Reply.contribution_id)
            .where(*_conditions(kind, f)))


def queue(f: QueueFilter, page: int = 1, per_page: int = PER_PAGE) -> QueuePage:
    """A page of the queue, oldest first: contributions and replies together (a UNION in SQL), with
    their rounds, authors and unresolved flags. A fixed number of queries per page."""
    both = union_all(_kind_query(CONTRIBUTION, f), _kind_query(REPLY, f)).subquery()
    total = db.session.scalar(select(func.count()).select_from(both))
    pages = max(1, math.ceil(total / per_page))
    page = min(max(1, page), pages)
    keys = db.session.execute(select(both.c.kind, both.c.id).order_by(both.c.created_at, both.c.kind, both.c.id)
                              .limit(per_page).offset((page - 1) * per_page)).all()
    contribution_ids = [id_ for kind, id_ in keys if kind == CONTRIBUTION]
    reply_ids = [id_ for kind, id_ in keys if kind == REPLY]
    replies = {r.id: r for r in db.session.scalars(select(Reply).where(Reply.id.in_(reply_ids)))} if reply_ids else {}
    parent_ids = set(contribution_ids) | {r.contribution_id for r in replies.values()}
    found = {c.id: c for c in db.session.scalars(select(Contribution).where(Contribution.id.in_(parent_ids)))} \
        if parent_ids else {}
    round_ids = {c.round_id for c in found.values()}
    round_by_id = {r.id: r for r in db.session.scalars(select(Round).where(Round.id.in_(round_ids)))} \
        if round_ids else {}
    author_ids = {x.author_id for x in list(found.values()) + list(replies.values()) if x.author_id}
    names = dict(db.session.execute(select(User.id, User.display_name).where(User.id.in_(author_ids))).all()) \
        if author_ids else {}
    flag_rows = db.session.execute(
        select(Flag.contribution_id, Flag.reply_id, Flag.reason, Flag.note)
        .where(Flag.resolved_at.is_(None),
               or_(Flag.contribution_id.in_(contribution_ids or [0]), Flag.reply_id.in_(reply_ids or [0])))
        .order_by(Flag.created_at)).all()
    items = []
    for kind, id_ in keys:
        item = found[id_] if kind == CONTRIBUTION else replies[id_]
        parent = item if kind == CONTRIBUTION else found[item.contribution_id]
        mine = [(reason, note) for c_id, r_id, reason, note in flag_rows
                if (kind == CONTRIBUTION and c_id == id_) or (kind == REPLY and r_id == id_)]
        counts: dict = {}
        for reason, _note in mine:
            counts[reason] = counts.get(reason, 0) + 1
        items.append(QueueItem(kind, item, parent, round_by_id[parent.round_id], names.get(item.author_id),
                               sorted(counts.items()), [note for _r, note in mine if note]))
    return QueuePage(items, total, page, per_page)


def filter_choices() -> dict:
    """Projects, rounds and themes for the queue's filter lists."""
    projects = list(db.session.execute(select(Project.id, Project.title).order_by(Project.title)))
    rounds_ = list(db.session.scalars(select(Round).order_by(Round.title)))
    themes = sorted({theme for r in rounds_ for theme in r.themes})
    return {"projects": projects, "rounds": [(r.id, r.title) for r in rounds_], "themes": themes}


# --- decisions --------------------------------------------------------------------------------------

def get_item(kind: str, item_id) -> Contribution | Reply:
    model = Contribution if kind == CONTRIBUTION else Reply if kind == REPLY else None
    item = db.session.get(model, contributions._as_int(item_id) or 0) if model is not None else None
    if item is None:
        raise NotFound(_l("Deze inbreng bestaat niet (meer)."))
    return item


def _round_id(item) -> int:
    return item.round_id if isinstance(item, Contribution) else item.contribution.round_id


def _kind(item) -> str:
    return CONTRIBUTION if isinstance(item, Contribution) else REPLY


def _check_moderator(actor) -> None:
    if not has_role(actor, Role.MODERATOR):
        raise Refused(_l("Alleen moderatoren kunnen dit doen."), code="not_moderator")


def _conflict(item, seen_status: str) -> Conflict:
    """Explain what happened to an item since the moderator saw it."""
    db.session.refresh(item)
    last = db.session.execute(
        select(AuditEntry, User.display_name).outerjoin(User, User.id == AuditEntry.actor_id)
        .where(AuditEntry.object_type == _kind(item), AuditEntry.object_id == str(item.id),
               AuditEntry.action.like("moderation.%"))
        .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc()).limit(1)).first()
    now_status = str(STATUS_LABELS.get(item.status, item.status))
    seen = str(STATUS_LABELS.get(seen_status, seen_status))
    if last is not None:
        entry, name = last
        action = str(ACTION_LABELS.get(entry.action.removeprefix("moderation."), entry.action))
        return Conflict(_l("Dit is intussen al afgehandeld: %(name)s heeft het %(action)s. U zag de status "
                           "'%(seen)s'; nu is het '%(now)s'. Er is niets veranderd door uw actie.",
                           name=name or _l("iemand"), action=action, seen=seen, now=now_status))
    return Conflict(_l("Dit is intussen veranderd: u zag de status '%(seen)s', nu is het '%(now)s'. Er is niets "
                       "veranderd door uw actie.", seen=seen, now=now_status))


def _conditional_update(item, seen_status: str, values: dict) -> None:
    """UPDATE the item only while it still has the status the moderator saw; else raise Conflict."""
    model = type(item)
    if seen_status not in STATUSES:
        raise ValidationError({"seen": _l("De status van het formulier klopt niet. Laad de pagina opnieuw.")})
    result = db.session.execute(
        update(model).where(model.id == item.id, model.status == seen_status)
        .values(**values, updated_at=utcnow()).execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise _conflict(item, seen_status)
    db.session.refresh(item)


def _resolve_flags(item, now: datetime) -> None:
    column = Flag.contribution_id if isinstance(item, Contribution) else Flag.reply_id
    db.session.execute(update(Flag).where(column == item.id, Flag.resolved_at.is_(None))
                       .values(resolved_at=now).execution_options(synchronize_session=False))


def _finish(item, actor, action: str, before: str, reason: str = "", **details) -> None:
    audit.record(f"moderation.{action}", actor, object_type=_kind(item), object_id=item.id,
                 round_id=_round_id(item), before={"status": before}, after={"status": item.status},
                 reason=reason, **details)
    db.session.flush()
    input_moderated.send(item, action=action, reason=reason, actor=actor)


def approve(item, actor, seen_status: str) -> None:
    """Publish the item (also one the checks held: a false positive) and close its flags."""
    _check_moderator(actor)
    _conditional_update(item, seen_status, {"status": PUBLISHED, "moderation_reason": ""})
    _resolve_flags(item, utcnow())
    _finish(item, actor, "approved", seen_status)


def reject(item, actor, seen_status: str, reason: str) -> None:
    """Reject the item; the reason goes to the author."""
    _check_moderator(actor)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _l("Schrijf de reden van de afwijzing. De schrijver krijgt die te zien.")})
    _conditional_update(item, seen_status, {"status": REJECTED, "moderation_reason": reason[:1000]})
    _resolve_flags(item, utcnow())
    _finish(item, actor, "rejected", seen_status, reason[:1000])


def hide(item, actor, seen_status: str, rule: str, note: str = "") -> None:
    """Hide the item: the public sees 'Verborgen door de moderator' and the rule it broke."""
    _check_moderator(actor)
    if rule not in RULES:
        raise ValidationError({"rule": _l("Kies de regel die is overtreden.")})
    reason = str(RULES[rule])
    _conditional_update(item, seen_status, {"status": HIDDEN, "moderation_reason": reason})
    _resolve_flags(item, utcnow())
    _finish(item, actor, "hidden", seen_status, reason, rule=rule, note=(note or "").strip()[:1000])


def redact(item, actor, seen_status: str, new_text: str) -> None:
    """Replace the text (personal data or abuse taken out). The first original is kept in
    original_text, for moderators only; the status stays as it was."""
    _check_moderator(actor)
    limit = contributions.TEXT_MAX if isinstance(item, Contribution) else contributions.REPLY_MAX
    text = contributions.clean_text(new_text, limit)
    if text == item.text:
        raise ValidationError({"text": _l("De tekst is niet veranderd. Pas de tekst aan om iets weg te halen.")})
    values = {"text": text}
    if item.original_text is None:
        values["original_text"] = item.text
    _conditional_update(item, seen_status, values)
    _finish(item, actor, "redacted", seen_status, characters_before=len(item.original_text or ""),
            characters_after=len(text))


def mark_duplicate(item: Contribution, actor, seen_status: str, duplicate_of_id) -> None:
    """Mark a contribution as a duplicate of another in the same round: it is hidden with the rule
    'duplicate' and points to the original."""
    _check_moderator(actor)
    if not isinstance(item, Contribution):
        raise ValidationError({"duplicate_of": _l("Alleen inbreng kan dubbel zijn, geen antwoorden.")})
    original = db.session.get(Contribution, contributions._as_int(duplicate_of_id) or 0)
    if original is None or original.round_id != item.round_id or original.id == item.id:
        raise ValidationError({"duplicate_of": _l("Geef het nummer van andere inbreng in dezelfde ronde.")})
    reason = str(RULES["duplicate"])
    _conditional_update(item, seen_status, {"status": HIDDEN, "moderation_reason": reason,
                                            "duplicate_of_id": original.id})
    _resolve_flags(item, utcnow())
    _finish(item, actor, "duplicate", seen_status, reason, duplicate_of=original.id)


def apply(action: str, item, actor, seen_status: str, *, reason: str = "", rule: str = "", note: str = "",
          text: str = "", duplicate_of=None) -> None:
    """One decision by name (the views' and the bulk form's entry point)."""
    if action == "approve":
        approve(item, actor, seen_status)
    elif action == "reject":
        reject(item, actor, seen_status, reason)
    elif action == "hide":
        hide(item, actor, seen_status, rule, note)
    elif action == "redact":
        redact(item, actor, seen_status, text)
    elif action == "duplicate":
        mark_duplicate(item, actor, seen_status, duplicate_of)
    else:
        raise ValidationError({"action": _l("Kies wat u wilt doen.")})


@dataclass
class BulkResult:
    done: int = 0
    conflicts: list = field(default_factory=list)  # [str] messages
    missing: int = 0


def apply_bulk(action: str, keys: list[str], actor, *, reason: str = "", rule: str = "") -> BulkResult:
    """One decision on many items (keys 'kind:id:seen status'). Each item stands alone: one that
    another moderator just handled is reported and skipped, the others are done. Invalid input for
    the action (no reason, no rule) refuses the whole batch before anything changes."""
    _check_moderator(actor)
    if action not in BULK_ACTIONS:
        raise ValidationError({"action": _l("Kies wat u met de gekozen inbreng wilt doen.")})
    if action == "reject" and not (reason or "").strip():
        raise ValidationError({"reason": _l("Schrijf de reden van de afwijzing. De schrijvers krijgen die te zien.")})
    if action == "hide" and rule not in RULES:
        raise ValidationError({"rule": _l("Kies de regel die is overtreden.")})
    if not keys:
        raise ValidationError({"items": _l("Kies eerst de inbreng waarop u de actie wilt toepassen.")})
    result = BulkResult()
    for key in dict.fromkeys(keys):  # the same key twice is one item
        kind, _sep, rest = str(key).partition(":")
        item_id, _sep, seen = rest.partition(":")
        try:
            item = get_item(kind, item_id)
            with db.session.begin_nested():
                apply(action, item, actor, seen, reason=reason, rule=rule)
        except Conflict as error:
            result.conflicts.append(f"#{item_id}: {error.message}")
        except ServiceError:
            result.missing += 1
        else:
            result.done += 1
    return result


# --- flags ------------------------------------------------------------------------------------------

def flag(item, user, reason: str, note: str = "", now: datetime | None = None) -> Flag:
    """A person reports a published contribution or reply. Refused (and logged) for the author's own
    input and for a second flag by the same person. When FLAG_THRESHOLD different people flagged it,
    the item goes back to pending (held reason 'flags') until a moderator decides. The caller commits."""
    now = now or utcnow()
    if user is None or not getattr(user, "is_authenticated", False):
        raise Refused(_l("Log in om iets te melden."), code="login")
    kind = _kind(item)
    if reason not in FLAG_REASONS:
        raise ValidationError({"reason": _l("Kies waarom u dit meldt.")})
    if item.status != PUBLISHED:
        raise Refused(_l("U kunt alleen openbare inbreng melden."), code="not_published")
    if item.author_id is not None and item.author_id == user.id:
        _refused_flag(item, user, "own")
        raise Refused(_l("U kunt uw eigen inbreng niet melden. U kunt hem wel wijzigen of verwijderen."), code="own")
    target = {"contribution_id": item.id} if kind == CONTRIBUTION else {"reply_id": item.id}
    try:
        with db.session.begin_nested():
            added = Flag(user_id=user.id, reason=reason, note=_clean_note(note), created_at=now, **target)
            db.session.add(added)
    except IntegrityError:
        _refused_flag(item, user, "repeated")
        raise Refused(_l("U hebt dit al gemeld. Een moderator bekijkt het."), code="repeated") from None
    audit.record("moderation.flagged", user, object_type=kind, object_id=item.id, round_id=_round_id(item),
                 reason=reason)
    _hold_when_flagged(item, now)
    return added


def _clean_note(note) -> str:
    """A flag's note by the text rules: line endings normalised, control characters out (PostgreSQL
    refuses NUL), trimmed; at most 500 characters."""
    text = str(note or "").replace("\r\n", "\n").replace("\r", "\n")
    return contributions._CONTROL.sub("", text).strip()[:500]


def _refused_flag(item, user, why: str) -> None:
    """Log a refused flag in its own transaction: the caller rolls back the request's work."""
    audit.record("moderation.flag_refused", user, object_type=_kind(item), object_id=item.id,
                 round_id=_round_id(item), why=why)
    db.session.commit()


def _hold_when_flagged(item, now: datetime) -> None:
    column = Flag.contribution_id if isinstance(item, Contribution) else Flag.reply_id
    people = db.session.scalar(select(func.count(func.distinct(Flag.user_id)))
                               .where(column == item.id, Flag.resolved_at.is_(None)))
    if people < current_app.config["FLAG_THRESHOLD"]:
        return
    model = type(item)
    held = list(item.held_reasons or [])
    if checks.FLAGS not in held:
        held.append(checks.FLAGS)
    result = db.session.execute(
        update(model).where(model.id == item.id, model.status == PUBLISHED)
        .values(status=PENDING, held_reasons=held, updated_at=now).execution_options(synchronize_session=False))
    if result.rowcount == 1:
        db.session.refresh(item)
        audit.record("moderation.held_by_flags", None, object_type=_kind(item), object_id=item.id,
                     round_id=_round_id(item), before={"status": PUBLISHED}, after={"status": PENDING},
                     flags=people)


# --- input on paper, by phone, in person ------------------------------------------------------------

def enter_input(round_: Round, actor, *, channel: str, received_at: date | None, theme: str, text: str,
                contact_name: str = "", contact_details: str = "", zone_id=None, place=None,
                lat=None, lon=None, now: datetime | None = None) -> Contribution:
    """A moderator enters input that came in on paper, by phone or in person. It is published at once,
    counts like web input and carries its channel. The place is a zone, a municipality or coordinates
    (WGS84). Audit-logged; the caller commits."""
    _check_moderator(actor)
    now = now or utcnow()
    errors: dict = {}
    if channel not in STAFF_CHANNELS:
        errors["channel"] = _l("Kies hoe de inbreng binnenkwam: brief, telefoon of persoonlijk.")
    if not isinstance(received_at, date):
        errors["received_at"] = _l("Vul de datum in waarop de inbreng binnenkwam.")
    elif received_at > now.date():
        errors["received_at"] = _l("De datum van ontvangst kan niet in de toekomst liggen.")
    geometry = None
    if lat not in (None, "") or lon not in (None, ""):
        try:
            lat_value, lon_value = float(lat), float(lon)
            if not (math.isfinite(lat_value) and math.isfinite(lon_value)):
                raise ValueError
        except (TypeError, ValueError):
            errors["coordinates"] = _l("Vul de coördinaten in als twee getallen, bijvoorbeeld 52.09 en 5.12.")
        else:
            geometry = {"type": "Point", "coordinates": [lon_value, lat_value]}
    try:
        contribution = contributions.create_contribution(
            round_, None, theme=theme, text=text, geometry=geometry, zone_id=zone_id, place=place,
            channel=channel if channel in STAFF_CHANNELS else "paper", now=now, entered_by=actor,
            received_at=received_at if isinstance(received_at, date) else None,
            contact_name=(contact_name or "").strip()[:200], contact_details=(contact_details or "").strip()[:500])
    except ValidationError as error:
        errors.update(error.errors)
        raise ValidationError(errors) from None
    if errors:
        raise ValidationError(errors)
    audit.record("moderation.entered", actor, object_type=CONTRIBUTION, object_id=contribution.id,
                 round_id=round_.id, channel=channel, received_at=received_at.isoformat(),
                 with_contact=bool(contribution.contact_name or contribution.contact_details))
    return contribution


# --- what the public sees of hidden input -----------------------------------------------------------

def hidden_contribution(round_: Round, contribution_id) -> Contribution | None:
    """A hidden contribution of the round (for its 'Verborgen door de moderator' page), else None."""
    item = db.session.get(Contribution, contributions._as_int(contribution_id) or 0)
    if item is None or item.round_id != round_.id or item.status != HIDDEN:
        return None
    return item
