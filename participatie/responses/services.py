"""Official responses: writing (draft), changing, publishing and reading them, and the "Mijn
inbreng" overview of a resident's own input with what became of it.

Rules: moderators and policy analysts (and admins) write responses; a response answers published
contributions only (never hidden, rejected or still pending ones: refused and audit-logged); only
published responses are shown to residents and in the contributions' JSON. The caller commits.
"""
import re
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, insert, select

from ..accounts.models import utcnow
from ..audit.services import record
from ..contributions import services as contributions
from ..contributions.models import PENDING, PUBLISHED, Contribution
from ..extensions import db
from ..permissions import Role, has_role
from ..rounds.errors import Refused, ValidationError
from ..rounds.models import Round, Zone
from ..signals import response_published
from .models import DRAFT, PUBLISHED as RESPONSE_PUBLISHED
from .models import Response, response_contribution

TEXT_MAX = 5000
PHASE_MAX = 100
# A group response may answer many contributions (all about one zone); more than this is a mistake.
MAX_TARGETS = 5000


def can_respond(user) -> bool:
    """Moderators, policy analysts and admins write the province's responses."""
    return has_role(user, Role.MODERATOR)


# --- checking input ---------------------------------------------------------------------------------

def parse_ids(value) -> list[int]:
    """Contribution numbers from "12, 15 17" (or a list), in order, without doubles.
    Raises ValidationError on `contributions` for anything that is not a number."""
    if isinstance(value, (list, tuple)):
        parts = [str(v) for v in value]
    else:
        parts = [p for p in re.split(r"[\s,;]+", str(value or "")) if p]
    ids: list[int] = []
    for part in parts:
        part = part.strip().lstrip("#")
        if not (part.isascii() and part.isdigit()) or int(part) >= 2**31:
            raise ValidationError({"contributions": _l("Geef de nummers van de inbreng als getallen, "
                                                       "gescheiden door komma's.")})
        if int(part) not in ids:
            ids.append(int(part))
    return ids


def _clean_text(value, errors: dict) -> str:
    try:
        return contributions.clean_text(value, TEXT_MAX)
    except ValidationError as exc:
        errors["text"] = exc.errors.get("text")
        return ""


def _clean_phase(value) -> str:
    return " ".join(str(value or "").split())[:PHASE_MAX]


def zone_contribution_ids(round_: Round, zone: Zone) -> list[int]:
    """The published contributions of the round in this zone (in any version of its layer)."""
    same_zone = select(Zone.id).where(Zone.layer_id == zone.layer_id, Zone.key == zone.key)
    return list(db.session.scalars(
        select(Contribution.id).where(Contribution.round_id == round_.id, Contribution.status == PUBLISHED,
                                      Contribution.zone_id.in_(same_zone)).order_by(Contribution.id)))


def _targets(round_: Round, user, ids: list[int], zone_id, errors: dict) -> tuple[list[Contribution], str]:
    """The contributions a response will answer and the zone's name (for a zone response).
    Refuses (and records in the audit log) any that is not published."""
    zone_name = ""
    if zone_id not in (None, "", 0, "0"):
        zone = db.session.get(Zone, int(zone_id)) if str(zone_id).isdigit() else None
        if zone is None or zone.layer.round_id != round_.id:
            errors["zone"] = _l("Kies een zone van deze ronde.")
            return [], ""
        zone_name = zone.name
        zone_ids = zone_contribution_ids(round_, zone)
        if not zone_ids and not ids:
            errors["zone"] = _l("Over deze zone is nog geen gepubliceerde inbreng.")
            return [], zone_name
        ids = ids + [i for i in zone_ids if i not in ids]
    if not ids:
        errors.setdefault("contributions", _l("Kies op welke inbreng u reageert: geef de nummers of kies een zone."))
        return [], zone_name
    if len(ids) > MAX_TARGETS:
        errors["contributions"] = _l("Kies hoogstens %(max)s inbrengen.", max=MAX_TARGETS)
        return [], zone_name
    found = {c.id: c for c in db.session.scalars(
        select(Contribution).where(Contribution.id.in_(ids), Contribution.round_id == round_.id))}
    missing = [i for i in ids if i not in found]
    if missing:
        errors["contributions"] = _l("Deze inbreng bestaat niet in deze ronde: %(ids)s.",
                                     ids=", ".join(str(i) for i in missing[:20]))
        return [], zone_name
    _refuse_unpublished(round_, user, [found[i] for i in ids])
    return [found[i] for i in ids], zone_name


def _refuse_unpublished(round_: Round, user, targets: list[Contribution], response_id=None) -> None:
    """Refuse a response on hidden, rejected or pending input. The refusal is written to the audit
    log in the session: nothing else has changed yet, so the caller commits it (views do)."""
    blocked = [c for c in targets if c.status != PUBLISHED]
    if not blocked:
        return
    record("response.refused", user, object_type="response", object_id=response_id or "", round_id=round_.id,
           contributions=[c.id for c in blocked], statuses=sorted({c.status for c in blocked}))
    numbers = ", ".join(str(c.id) for c in blocked[:20])
    if all(c.status == PENDING for c in blocked):
        message = _l("U kunt niet reageren op inbreng die nog op moderatie wacht (nummer %(ids)s).", ids=numbers)
    else:
        message = _l("U kunt niet reageren op inbreng die verborgen of afgewezen is (nummer %(ids)s).", ids=numbers)
    raise Refused(message, code="not_published")


# --- writing ----------------------------------------------------------------------------------------

def create_response(round_: Round, user, *, text: str, phase_label: str = "", contribution_ids=(),
                    zone_id=None) -> Response:
    """A draft response to the given contributions and/or every published contribution in a zone.
    Raises ValidationError (field errors) or Refused (not allowed, or input that is not published:
    audit-logged in the session, see `_refuse_unpublished`)."""
    if not can_respond(user):
        raise Refused(_l("Alleen moderatoren en beleidsmedewerkers schrijven reacties van de provincie."))
    errors: dict = {}
    try:
        ids = parse_ids(contribution_ids)
    except ValidationError as exc:
        errors.update(exc.errors)
        ids = []
    text = _clean_text(text, errors)
    targets, zone_name = _targets(round_, user, ids, zone_id, errors) if "contributions" not in errors else ([], "")
    if errors:
        raise ValidationError(errors)
    now = utcnow()
    response = Response(round_id=round_.id, text=text, phase_label=_clean_phase(phase_label), zone_name=zone_name,
                        status=DRAFT, created_by_id=user.id, created_at=now, updated_at=now)
    db.session.add(response)
    db.session.flush()
    db.session.execute(insert(response_contribution),
                       [{"response_id": response.id, "contribution_id": c.id} for c in targets])
    record("response.created", user, object_type="response", object_id=response.id, round_id=round_.id,
           contributions=[c.id for c in targets], zone=zone_name, phase=response.phase_label)
    return response


def update_response(response: Response, user, *, text: str, phase_label: str = "") -> Response:
    """Change a draft's text and phase; a published response stays as it was published."""
    if not can_respond(user):
        raise Refused(_l("Alleen moderatoren en beleidsmedewerkers schrijven reacties van de provincie."))
    if not response.is_draft:
        raise Refused(_l("Deze reactie is al gepubliceerd en kan niet meer worden gewijzigd."), code="published")
    errors: dict = {}
    text = _clean_text(text, errors)
    if errors:
        raise ValidationError(errors)
    before = {"text": response.text, "phase": response.phase_label}
    response.text, response.phase_label, response.updated_at = text, _clean_phase(phase_label), utcnow()
    db.session.flush()
    record("response.updated", user, object_type="response", object_id=response.id, round_id=response.round_id,
           before=before, after={"text": response.text, "phase": response.phase_label})
    return response


def publish_response(response: Response, user) -> Response:
    """Publish a draft: residents see it under the contributions, the authors and subscribers get
    mail (`response_published`). Refused when one of its contributions is no longer published."""
    if not can_respond(user):
        raise Refused(_l("Alleen moderatoren en beleidsmedewerkers schrijven reacties van de provincie."))
    if not response.is_draft:
        raise Refused(_l("Deze reactie is al gepubliceerd."), code="published")
    _refuse_unpublished(response.round, user, response.contributions, response.id)
    # Conditional update: two tabs publishing at once publish (and mail) once.
    now = utcnow()
    changed = db.session.execute(
        Response.__table__.update().where(Response.id == response.id, Response.status == DRAFT)
        .values(status=RESPONSE_PUBLISHED, published_at=now, published_by_id=user.id, updated_at=now)).rowcount
    if not changed:
        raise Refused(_l("Deze reactie is al gepubliceerd."), code="published")
    db.session.refresh(response)
    record("response.published", user, object_type="response", object_id=response.id, round_id=response.round_id,
           contributions=[c.id for c in response.contributions])
    response_published.send(response, actor=user)
    return response


def delete_draft(response: Response, user) -> None:
    """Throw a draft away; published responses stay."""
    if not can_respond(user):
        raise Refused(_l("Alleen moderatoren en beleidsmedewerkers schrijven reacties van de provincie."))
    if not response.is_draft:
        raise Refused(_l("Een gepubliceerde reactie kan niet worden verwijderd."), code="published")
    record("response.deleted", user, object_type="response", object_id=response.id, round_id=response.round_id,
           text=response.text, contributions=[c.id for c in response.contributions])
    db.session.delete(response)
    db.session.flush()


# --- reading ----------------------------------------------------------------------------------------

def chosen_contributions(round_: Round, value, limit: int = 50) -> list[Contribution]:
    """The contributions named in the form (at most `limit`), to show what the response answers."""
    try:
        ids = parse_ids(value)[:limit]
    except ValidationError:
        return []
    if not ids:
        return []
    found = {c.id: c for c in db.session.scalars(
        select(Contribution).where(Contribution.id.in_(ids), Contribution.round_id == round_.id))}
    return [found[i] for i in ids if i in found]


def get_response(round_: Round, response_id: int) -> Response | None:
    response = db.session.get(Response, response_id)
    return response if response is not None and response.round_id == round_.id else None


def responses_of_round(round_: Round) -> list[Response]:
    """Every response of the round (drafts and published), newest first: the staff list."""
    return list(db.session.scalars(
        select(Response).where(Response.round_id == round_.id)
        .order_by(Response.created_at.desc(), Response.id.desc())))


def published_of_round(round_: Round) -> list[Response]:
    """The round's published responses, oldest first: what the report of the round shows."""
    return list(db.session.scalars(
        select(Response).where(Response.round_id == round_.id, Response.status == RESPONSE_PUBLISHED)
        .order_by(Response.published_at, Response.id)))


def published_for(contribution_ids) -> dict[int, list[Response]]:
    """{contribution id: [published responses, oldest first]} for these contributions (two queries)."""
    ids = [i for i in contribution_ids if i is not None]
    if not ids:
        return {}
    rows = db.session.execute(
        select(response_contribution.c.contribution_id, Response)
        .join(Response, Response.id == response_contribution.c.response_id)
        .where(response_contribution.c.contribution_id.in_(ids), Response.status == RESPONSE_PUBLISHED)
        .order_by(Response.published_at, Response.id)).all()
    result: dict[int, list[Response]] = {}
    for contribution_id, response in rows:
        result.setdefault(contribution_id, []).append(response)
    return result


def as_json(response: Response) -> dict:
    """A published response as the contributions' JSON and GeoJSON carry it."""
    return {"id": response.id, "text": response.text, "phase": response.phase_label or None,
            "published": response.published_at.isoformat() + "Z" if response.published_at else None}


def add_to_features(collection: dict) -> dict:
    """Put the published responses into a FeatureCollection of contributions (`responses` property,
    only on features that have one)."""
    by_id = published_for([f.get("id") for f in collection.get("features", [])])
    for feature in collection.get("features", []):
        found = by_id.get(feature.get("id"))
        if found:
            feature["properties"]["responses"] = [as_json(r) for r in found]
    return collection


# --- "Mijn inbreng" ---------------------------------------------------------------------------------

RECEIVED = "received"
PUBLISHED_STATUS = "published"
HIDDEN = "hidden"
REJECTED = "rejected"
SUMMARISED = "summarised"
ANSWERED = "answered"

STATUS_LABELS = {
    RECEIVED: _l("ontvangen"),
    PUBLISHED_STATUS: _l("gepubliceerd"),
    HIDDEN: _l("verborgen"),
    REJECTED: _l("afgewezen"),
    SUMMARISED: _l("meegenomen in de samenvatting"),
    ANSWERED: _l("beantwoord"),
}
STATUS_EXPLAINED = {
    RECEIVED: _l("We hebben uw inbreng ontvangen. Een moderator bekijkt hem. Daarna is hij voor iedereen te zien."),
    PUBLISHED_STATUS: _l("Iedereen kan uw inbreng lezen."),
    HIDDEN: _l("Een moderator heeft uw inbreng verborgen. Alleen u en de moderatoren zien hem nog."),
    REJECTED: _l("Een moderator heeft uw inbreng afgewezen. Hij wordt niet gepubliceerd."),
    SUMMARISED: _l("Uw inbreng telt mee in de samenvatting van deze ronde."),
    ANSWERED: _l("De provincie heeft op uw inbreng gereageerd."),
}
_BY_ITEM_STATUS = {"pending": RECEIVED, "published": PUBLISHED_STATUS, "hidden": HIDDEN, "rejected": REJECTED}


@dataclass
class MyItem:
    """One contribution or reply of the person, with what became of it."""

    kind: str  # "contribution" or "reply"
    item: object  # Contribution or Reply
    contribution: Contribution  # the contribution itself, or the one the reply is under
    round: Round
    statuses: list = field(default_factory=list)  # status codes, main one first
    reason: str = ""  # why it was hidden or rejected
    responses: list = field(default_factory=list)  # published Responses
    summary: object | None = None  # the public Summary that includes it

    @property
    def labels(self) -> list:
        return [STATUS_LABELS[s] for s in self.statuses]


def _summaries_including(contribution_ids: set[int], round_ids: set[int]) -> dict:
    """{contribution id: the newest public summary whose input included it}. Summaries trace every
    figure to its inputs: the group "all" of a summary holds the ids of every contribution it read."""
    from ..summaries.models import PUBLIC, Summary, SummaryGroup

    if not contribution_ids or not round_ids:
        return {}
    rows = db.session.execute(
        select(Summary, SummaryGroup.ids_blob)
        .join(SummaryGroup, and_(SummaryGroup.summary_id == Summary.id, SummaryGroup.key == "all"))
        .where(Summary.round_id.in_(round_ids), Summary.status == "published", Summary.visibility == PUBLIC)
        .order_by(Summary.version.desc(), Summary.id.desc())).all()
    result: dict = {}
    for summary, blob in rows:
        for contribution_id in contribution_ids.intersection(SummaryGroup.decode(blob)):
            result.setdefault(contribution_id, summary)
    return result


def my_input(user) -> list[MyItem]:
    """Everything the person wrote (contributions and replies, every round), newest first, with its
    status in plain words. Only ever the person's own items."""
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    rows = contributions.contributions_of(user)
    replies = contributions.replies_of(user)
    contribution_ids = {row.contribution.id for row in rows}
    answered = published_for(contribution_ids)
    summarised = _summaries_including(contribution_ids, {row.contribution.round_id for row in rows})
    items = []
    for row in rows:
        c = row.contribution
        main = _BY_ITEM_STATUS.get(c.status, RECEIVED)
        statuses = [main]
        summary = summarised.get(c.id) if main == PUBLISHED_STATUS else None
        found = answered.get(c.id, []) if main == PUBLISHED_STATUS else []
        if summary is not None:
            statuses.append(SUMMARISED)
        if found:
            statuses.append(ANSWERED)
        items.append(MyItem("contribution", c, c, c.round, statuses,
                            c.moderation_reason if main in (HIDDEN, REJECTED) else "",
                            found, summary))
    for reply in replies:
        main = _BY_ITEM_STATUS.get(reply.status, RECEIVED)
        items.append(MyItem("reply", reply, reply.contribution, reply.contribution.round, [main],
                            reply.moderation_reason if main in (HIDDEN, REJECTED) else ""))
    items.sort(key=lambda i: (i.item.created_at, i.item.id), reverse=True)
    return items
