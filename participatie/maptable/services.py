"""Map-table sessions: planning, joining (account or one-time code), input during the session, the
live feed, the integral overview with its conflicts, and session reports.

Everything a session shares between screens lives in the database (sessions, codes, contributions),
never in one process: any gunicorn worker can answer any request, and the live view is short polling
for "input with an id above the last one I have" (`feed`).

A participant's right to take part is a `Grant` (session, organisation, account or code). Views keep
it in the signed Flask session cookie and check it again with `check_grant` on every request, so a
session that is closed (afgerond) refuses input at once on every screen.
"""
import csv
import hashlib
import io
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from ..accounts.models import Organisation, User, utcnow
from ..audit import services as audit
from ..contributions import services as contributions
from ..contributions.models import EXCLUDE, OBJECTION, PENDING, PUBLISHED, STANCES, SUPPORT, Contribution, Vote
from ..extensions import db
from ..permissions import Role, has_role
from ..rounds import services as rounds
from ..rounds.errors import NotFound, Refused, ValidationError
from ..rounds.models import Round, Zone
from .models import (
    CLOSED,
    INTEGRAL,
    LIVE,
    PLANNED,
    STATUSES,
    MapTableSession,
    ParticipantCode,
)

CHANNEL = "kaarttafel"
# No letters or digits that look alike (0/O, 1/I/L, 2/Z, 5/S, 8/B).
CODE_ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"
SESSION_CODE_LENGTH = 6
PARTICIPANT_CODE_LENGTH = 12  # shown as XXXX-XXXX-XXXX; about 56 bits
CODE_VALID = timedelta(days=2)  # a one-time code works until two days after the session starts
MAX_CODES = 50
TITLE_MAX = 200
MINUTES_MAX = 20_000
FEED_LIMIT = 200
# Input the session's screens show: published, and pending in pre-moderated rounds (the people in the
# room said it out loud anyway); never hidden or rejected input.
FEED_STATUSES = (PUBLISHED, PENDING)

# The plan-layer category that means: no solar fields here (a proposal to it is an objection).
EXCLUDED_CATEGORY = "uitgesloten"
STATUS_LABELS = {PLANNED: _l("gepland"), LIVE: _l("live"), CLOSED: _l("afgerond")}
STANCE_LABELS = {SUPPORT: _l("steunt"), OBJECTION: _l("maakt bezwaar"), EXCLUDE: _l("stelt voor uit te sluiten")}


# --- codes ------------------------------------------------------------------------------------------

def new_code(length: int = SESSION_CODE_LENGTH) -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))


def normalise_code(value) -> str:
    """A code as typed, without spaces and dashes, in capitals."""
    if not isinstance(value, str):
        return ""
    return "".join(ch for ch in value.upper() if ch.isalnum())[:40]


def hash_code(code: str) -> str:
    return hashlib.sha256(normalise_code(code).encode()).hexdigest()


def format_participant_code(code: str) -> str:
    return "-".join(code[i:i + 4] for i in range(0, len(code), 4))


def _unique_session_code() -> str:
    for _ in range(20):
        code = new_code()
        if db.session.scalar(select(MapTableSession.id).where(MapTableSession.code == code)) is None:
            return code
    raise RuntimeError("no free session code")  # 25^6 codes: practically impossible


# --- planning ---------------------------------------------------------------------------------------

def theme_choices(round_: Round) -> list[str]:
    return list(round_.themes) + [INTEGRAL]


def staff_users() -> list[User]:
    """Accounts that may lead a session (facilitator and up)."""
    users = db.session.scalars(select(User).where(User.active.is_(True)).order_by(User.display_name)).all()
    return [u for u in users if has_role(u, Role.FACILITATOR)]


def stakeholder_users(organisation_ids) -> list[User]:
    """Active accounts that belong to one of the organisations."""
    if not organisation_ids:
        return []
    return list(db.session.scalars(select(User).where(
        User.organisation_id.in_(list(organisation_ids)), User.active.is_(True)).order_by(User.display_name)))


def all_organisations() -> list[Organisation]:
    return list(db.session.scalars(select(Organisation).order_by(Organisation.name)))


def _ids(values) -> list[int]:
    result = []
    for value in values or ():
        number = contributions._as_int(value)
        if number is not None and number not in result:
            result.append(number)
    return result


def _clean_session_fields(round_: Round, values: dict) -> dict:
    errors: dict = {}
    title = " ".join(str(values.get("title") or "").split())
    if not title:
        errors["title"] = _l("Geef de sessie een titel.")
    elif len(title) > TITLE_MAX:
        errors["title"] = _l("De titel is te lang (maximaal %(max)s tekens).", max=TITLE_MAX)
    theme = str(values.get("theme") or "").strip().lower()
    if theme not in theme_choices(round_):
        errors["theme"] = _l("Kies een thema van de ronde, of integraal.")
    starts_at = values.get("starts_at")
    if not isinstance(starts_at, datetime):
        errors["starts_at"] = _l("Geef datum en tijd van de sessie.")
    status = values.get("status") or PLANNED
    if status not in STATUSES:
        errors["status"] = _l("Kies een status.")
    minutes = contributions._CONTROL.sub(  # the text rules: control characters out (PostgreSQL refuses NUL)
        "", str(values.get("minutes") or "").replace("\r\n", "\n").replace("\r", "\n")).strip()
    if len(minutes) > MINUTES_MAX:
        errors["minutes"] = _l("Het verslag is te lang (maximaal %(max)s tekens).", max=MINUTES_MAX)
    facilitator_ids = _ids(values.get("facilitator_ids"))
    facilitators = [u for u in staff_users() if u.id in facilitator_ids]
    if len(facilitators) != len(facilitator_ids):
        errors["facilitator_ids"] = _l("Kies gespreksleiders uit de lijst.")
    organisation_ids = _ids(values.get("organisation_ids"))
    organisations = list(db.session.scalars(select(Organisation).where(Organisation.id.in_(organisation_ids)))
                         ) if organisation_ids else []
    if len(organisations) != len(organisation_ids):
        errors["organisation_ids"] = _l("Kies organisaties uit de lijst.")
    participant_ids = _ids(values.get("participant_ids"))
    participants = [u for u in stakeholder_users(organisation_ids) if u.id in participant_ids]
    if len(participants) != len(participant_ids):
        errors["participant_ids"] = _l("Kies deelnemers van de uitgenodigde organisaties.")
    if errors:
        raise ValidationError(errors)
    return {
        "title": title, "theme": theme, "starts_at": rounds.local_to_utc(starts_at), "status": status,
        "minutes": minutes, "facilitators": facilitators,
        "organisations": sorted(organisations, key=lambda o: o.name), "participants": participants,
    }


def create_session(round_: Round, actor=None, **values) -> MapTableSession:
    """Plan a session. `starts_at` is a naive Europe/Amsterdam date-time as entered; stored as UTC.
    Raises ValidationError. The caller commits."""
    fields = _clean_session_fields(round_, values)
    session = MapTableSession(round_id=round_.id, code=_unique_session_code(),
                              created_by_id=getattr(actor, "id", None), **fields)
    db.session.add(session)
    db.session.flush()
    audit.record("maptable.create", actor, object_type="map_table_session", object_id=session.id,
                 round_id=round_.id, theme=session.theme, status=session.status)
    return session


def update_session(session: MapTableSession, actor=None, **values) -> MapTableSession:
    """Change a session's plan, status or minutes. Raises ValidationError. The caller commits."""
    fields = _clean_session_fields(session.round, values)
    for name, value in fields.items():
        setattr(session, name, value)
    session.updated_at = utcnow()
    db.session.flush()
    audit.record("maptable.update", actor, object_type="map_table_session", object_id=session.id,
                 round_id=session.round_id, status=session.status)
    return session


def set_status(session: MapTableSession, status: str, actor=None) -> MapTableSession:
    if status not in STATUSES:
        raise ValidationError({"status": _l("Kies een status.")})
    if session.status != status:
        old, session.status, session.updated_at = session.status, status, utcnow()
        db.session.flush()
        audit.record("maptable.status", actor, object_type="map_table_session", object_id=session.id,
                     round_id=session.round_id, old=old, new=status)
    return session


def rounds_with_session_counts() -> list[tuple[Round, int]]:
    """Every round (newest first) with its number of sessions."""
    counts = (select(MapTableSession.round_id, func.count(MapTableSession.id).label("n"))
              .group_by(MapTableSession.round_id).subquery())
    rows = db.session.execute(select(Round, func.coalesce(counts.c.n, 0))
                              .outerjoin(counts, counts.c.round_id == Round.id)
                              .order_by(Round.starts_at.desc(), Round.id.desc()))
    return [(round_, n) for round_, n in rows]


def sessions_of_round(round_: Round) -> list[MapTableSession]:
    return list(db.session.scalars(select(MapTableSession).where(MapTableSession.round_id == round_.id)
                                   .order_by(MapTableSession.starts_at, MapTableSession.id)))


def get_session(session_id) -> MapTableSession | None:
    return db.session.get(MapTableSession, contributions._as_int(session_id) or 0)


def session_by_code(code) -> MapTableSession:
    """The session with this code; raises NotFound for a wrong code and Refused when it is over."""
    normal = normalise_code(code)
    session = db.session.scalar(select(MapTableSession).where(MapTableSession.code == normal)) if normal else None
    if session is None:
        raise NotFound(_l("Deze sessiecode kennen we niet. Controleer de code en probeer het opnieuw."))
    if session.status == CLOSED:
        raise Refused(_l("Deze sessie is afgerond. De sessiecode werkt niet meer."), code="closed")
    return session


def make_participant_codes(session: MapTableSession, organisation_id, count: int = 1, label: str = "",
                           actor=None, now: datetime | None = None) -> list[str]:
    """Make `count` one-time codes for people of an invited organisation. Returns the codes (formatted):
    they are shown once and only their hashes are kept. The caller commits."""
    now = now or utcnow()
    organisation_id = contributions._as_int(organisation_id)
    if organisation_id not in {o.id for o in session.organisations}:
        raise ValidationError({"organisation_id": _l("Kies een uitgenodigde organisatie.")})
    if not isinstance(count, int) or not 1 <= count <= MAX_CODES:
        raise ValidationError({"count": _l("Maak 1 tot %(max)s codes tegelijk.", max=MAX_CODES)})
    expires = max(session.starts_at, now) + CODE_VALID
    codes = []
    for _ in range(count):
        code = new_code(PARTICIPANT_CODE_LENGTH)
        db.session.add(ParticipantCode(session_id=session.id, organisation_id=organisation_id, code_hash=hash_code(code),
                                       label=str(label or "")[:120], expires_at=expires, created_at=now))
        codes.append(format_participant_code(code))
    db.session.flush()
    audit.record("maptable.codes", actor, object_type="map_table_session", object_id=session.id,
                 round_id=session.round_id, organisation_id=organisation_id, count=count)
    return codes


def code_counts(session: MapTableSession) -> dict:
    """{organisation_id: (made, used)} of the session's one-time codes."""
    rows = db.session.execute(
        select(ParticipantCode.organisation_id, func.count(ParticipantCode.id), func.count(ParticipantCode.used_at))
        .where(ParticipantCode.session_id == session.id).group_by(ParticipantCode.organisation_id))
    return {org: (made, used) for org, made, used in rows}


# --- joining ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Grant:
    """Someone's right to take part in one session, for one organisation."""

    session_id: int
    organisation_id: int
    user_id: int | None = None
    code_id: int | None = None

    def as_dict(self) -> dict:
        return {"s": self.session_id, "o": self.organisation_id, "u": self.user_id, "c": self.code_id}

    @classmethod
    def from_dict(cls, data) -> "Grant | None":
        try:
            return cls(int(data["s"]), int(data["o"]), data.get("u"), data.get("c"))
        except (TypeError, KeyError, ValueError):
            return None


def _is_invited(session: MapTableSession, organisation_id) -> bool:
    return organisation_id is not None and organisation_id in {o.id for o in session.organisations}


def join_with_account(session: MapTableSession, user) -> Grant:
    """A logged-in stakeholder joins for their own organisation, when it is invited."""
    if user is None or not getattr(user, "is_authenticated", False):
        raise Refused(_l("Log in met uw account, of gebruik uw persoonlijke deelnamecode."), code="login")
    if session.status == CLOSED:
        raise Refused(_l("Deze sessie is afgerond. U kunt niet meer meedoen."), code="closed")
    if not has_role(user, Role.STAKEHOLDER) or user.organisation_id is None:
        raise Refused(_l("Uw account hoort niet bij een organisatie. Gebruik de deelnamecode die u van de "
                         "provincie kreeg."), code="no_organisation")
    if not _is_invited(session, user.organisation_id):
        raise Refused(_l("Uw organisatie is niet uitgenodigd voor deze sessie."), code="not_invited")
    return Grant(session.id, user.organisation_id, user_id=user.id)


def join_with_code(session: MapTableSession, code, now: datetime | None = None) -> Grant:
    """Join with a one-time participant code. The code is used up at once (also against two people
    typing it at the same moment: only one UPDATE finds it unused)."""
    now = now or utcnow()
    if session.status == CLOSED:
        raise Refused(_l("Deze sessie is afgerond. U kunt niet meer meedoen."), code="closed")
    normal = normalise_code(code)
    if not normal:
        raise ValidationError({"code": _l("Vul uw persoonlijke deelnamecode in.")})
    row = db.session.scalar(select(ParticipantCode).where(ParticipantCode.code_hash == hash_code(normal),
                                                          ParticipantCode.session_id == session.id))
    if row is None:
        raise ValidationError({"code": _l("Deze deelnamecode klopt niet voor deze sessie.")})
    if row.expires_at < now:
        raise Refused(_l("Deze deelnamecode is verlopen. Vraag de gespreksleider om een nieuwe."), code="expired")
    if not _is_invited(session, row.organisation_id):
        raise Refused(_l("Uw organisatie is niet (meer) uitgenodigd voor deze sessie."), code="not_invited")
    used = db.session.execute(update(ParticipantCode).where(ParticipantCode.id == row.id,
                                                            ParticipantCode.used_at.is_(None))
                              .values(used_at=now))
    if used.rowcount != 1:
        raise Refused(_l("Deze deelnamecode is al gebruikt. Vraag de gespreksleider om een nieuwe."), code="used")
    return Grant(session.id, row.organisation_id, code_id=row.id)


def check_grant(session: MapTableSession, grant: Grant | None, user=None) -> Grant:
    """The grant again, checked against the session as it is now: it belongs to this session, the
    organisation is still invited, and an account grant is still that account."""
    if grant is None or grant.session_id != session.id:
        raise Refused(_l("U doet niet mee aan deze sessie. Meld u aan met de sessiecode."), code="no_grant")
    if not _is_invited(session, grant.organisation_id):
        raise Refused(_l("Uw organisatie is niet uitgenodigd voor deze sessie."), code="not_invited")
    if grant.user_id is not None and getattr(user, "id", None) != grant.user_id:
        raise Refused(_l("U doet niet mee aan deze sessie. Meld u aan met de sessiecode."), code="no_grant")
    return grant


# --- input ------------------------------------------------------------------------------------------

def _check_input_open(session: MapTableSession) -> None:
    if session.status == CLOSED:
        raise Refused(_l("Deze sessie is afgerond. Er kan geen inbreng meer bij. Uw tekst staat nog in het "
                         "formulier, zodat u hem kunt bewaren."), code="closed")
    if session.status == PLANNED:
        raise Refused(_l("Deze sessie is nog niet begonnen. De gespreksleider start de sessie; daarna kunt u "
                         "inbreng geven. Uw tekst staat nog in het formulier."), code="not_started")


def add_input(session: MapTableSession, *, organisation_id, theme: str, text: str, author=None, geometry=None,
              zone_id=None, place=None, stance=None, submission_key=None, now: datetime | None = None
              ) -> Contribution:
    """Input in a session for an invited organisation: by a participant (its grant's organisation) or
    by a facilitator on the organisation's behalf. Channel kaarttafel. Raises Refused (session not live,
    organisation not invited) or ValidationError. The caller commits."""
    _check_input_open(session)
    organisation_id = contributions._as_int(organisation_id)
    if not _is_invited(session, organisation_id):
        raise ValidationError({"organisation_id": _l("Kies een uitgenodigde organisatie.")})
    if stance in ("", None):
        stance = None
    elif stance not in STANCES:
        raise ValidationError({"stance": _l("Kies steun, bezwaar of uitsluiten, of geen standpunt.")})
    return contributions.create_contribution(
        session.round, author, theme=theme, text=text, geometry=geometry, zone_id=zone_id, place=place,
        channel=CHANNEL, now=now, session_id=session.id, organisation_id=organisation_id, stance=stance,
        submission_key=submission_key)


# --- the live feed ----------------------------------------------------------------------------------

def _feed_session_ids(session: MapTableSession) -> list[int]:
    """An integral session shows the input of every session of its round; a theme session its own."""
    if not session.is_integral:
        return [session.id]
    return list(db.session.scalars(select(MapTableSession.id).where(MapTableSession.round_id == session.round_id)))


def _item(contribution: Contribution, organisation: str | None, session_title: str | None, zone_name: str | None,
          zone_key: str | None) -> dict:
    local = rounds.utc_to_local(contribution.created_at)
    return {
        "id": contribution.id,
        "organisation": organisation or "",
        "organisation_id": contribution.organisation_id,
        "session": session_title or "",
        "session_id": contribution.session_id,
        "theme": contribution.theme,
        "text": contribution.text,
        "place": zone_name or contribution.place_label or "",
        "zone_key": zone_key,
        "kind": contribution.geometry_type,
        "stance": contribution.stance,
        "stance_label": str(STANCE_LABELS[contribution.stance]) if contribution.stance else "",
        "channel": contribution.channel,
        "time": local.strftime("%H:%M"),
        "date": local.strftime("%d-%m-%Y"),
    }


def _input_query(session_ids, *, theme=None, organisation_id=None):
    query = (select(Contribution, Organisation.name, MapTableSession.title, Zone.name, Zone.key)
             .outerjoin(Organisation, Organisation.id == Contribution.organisation_id)
             .outerjoin(MapTableSession, MapTableSession.id == Contribution.session_id)
             .outerjoin(Zone, Zone.id == Contribution.zone_id)
             .where(Contribution.session_id.in_(session_ids), Contribution.status.in_(FEED_STATUSES)))
    if theme:
        query = query.where(Contribution.theme == theme)
    if organisation_id:
        query = query.where(Contribution.organisation_id == organisation_id)
    return query


def feed(session: MapTableSession, after_id=0, limit: int = FEED_LIMIT) -> dict:
    """The session's input with an id above `after_id`, oldest first, at most `limit`; `last` is the
    id to ask after next time and `status` the session's status (screens stop the form when closed)."""
    after = contributions._as_int(after_id) or 0
    rows = db.session.execute(
        _input_query(_feed_session_ids(session)).where(Contribution.id > after)
        .order_by(Contribution.id).limit(limit)).all()
    items = [_item(*row) for row in rows]
    return {"items": items, "last": items[-1]["id"] if items else after, "status": session.status,
            "status_label": str(STATUS_LABELS[session.status]), "more": len(rows) == limit}


def session_inputs(session_ids, *, theme=None, organisation_id=None) -> list[dict]:
    """All input of these sessions (newest first), optionally of one theme or organisation."""
    if not session_ids:
        return []
    rows = db.session.execute(_input_query(session_ids, theme=theme, organisation_id=organisation_id)
                              .order_by(Contribution.created_at.desc(), Contribution.id.desc())).all()
    return [_item(*row) for row in rows]


# --- the integral view and its conflicts ------------------------------------------------------------

@dataclass
class Conflict:
    """A zone where organisations disagree: `supporters` and `opponents` are organisation names, each
    with the reasons (the texts of their input, or "stem: steun/bezwaar")."""

    zone: Zone
    supporters: dict = field(default_factory=dict)  # name → [reason]
    opponents: dict = field(default_factory=dict)  # name → [reason]


def conflicts(round_: Round) -> list[Conflict]:
    """Zones of the round's current plan layers where organisations disagree.

    Definition: an organisation SUPPORTS a zone when map-table input of that organisation about the
    zone is marked "steun", or a member account of the organisation voted support on the zone; it
    OPPOSES the zone when such input is marked "bezwaar" or "uitsluiten", a member voted objection, or
    it proposed (participatie.revisions, not rejected) to change the zone to "uitgesloten".
    A zone is a conflict when at least one organisation supports it and at least one *other*
    organisation opposes it. Input is about a zone when it lies in the zone (or was placed on it); the
    same zone in an older version of the layer counts (zones are matched on layer and key)."""
    zones = rounds.current_zones(round_)
    by_key = {(z.layer_id, z.key): z for z in zones}
    stances: dict = {}  # (layer_id, key) → {"support": {org: [reasons]}, "oppose": {...}}

    def note(key, side, organisation, reason):
        if key not in by_key or not organisation:
            return
        stances.setdefault(key, {"support": {}, "oppose": {}})[side].setdefault(organisation, []).append(reason)

    rows = db.session.execute(
        select(Zone.layer_id, Zone.key, Organisation.name, Contribution.stance, Contribution.text)
        .join(Zone, Zone.id == Contribution.zone_id)
        .join(Organisation, Organisation.id == Contribution.organisation_id)
        .where(Contribution.round_id == round_.id, Contribution.stance.is_not(None),
               Contribution.status.in_(FEED_STATUSES)))
    for layer_id, key, organisation, stance, text in rows:
        note((layer_id, key), "support" if stance == SUPPORT else "oppose", organisation,
             contributions._short(text))
    votes = db.session.execute(
        select(Vote.layer_id, Vote.zone_key, Organisation.name, Vote.value)
        .join(User, User.id == Vote.user_id).join(Organisation, Organisation.id == User.organisation_id)
        .where(Vote.round_id == round_.id, Vote.layer_id.is_not(None)))
    for layer_id, key, organisation, value in votes:
        note((layer_id, key), "support" if value == SUPPORT else "oppose", organisation,
             str(_l("stem: steun")) if value == SUPPORT else str(_l("stem: bezwaar")))
    from ..revisions.models import REJECTED, Proposal

    proposals = db.session.execute(
        select(Proposal.layer_id, Proposal.zone_key, Organisation.name, Proposal.reason)
        .join(Organisation, Organisation.id == Proposal.organisation_id)
        .where(Proposal.round_id == round_.id, Proposal.status != REJECTED,
               func.lower(Proposal.to_category) == EXCLUDED_CATEGORY))
    for layer_id, key, organisation, reason in proposals:
        note((layer_id, key), "oppose", organisation,
             str(_l("voorstel uitsluiten: %(reason)s", reason=contributions._short(reason or ""))))
    result = []
    for key, sides in stances.items():
        supporters, opponents = sides["support"], sides["oppose"]
        if any(o != s for s in supporters for o in opponents):
            result.append(Conflict(by_key[key], supporters, opponents))
    result.sort(key=lambda c: (c.zone.name, c.zone.key))
    return result


@dataclass
class IntegralView:
    round: Round
    sessions: list
    items: list
    conflicts: list
    organisations: list
    themes: list
    theme: str = ""
    organisation_id: int | None = None


def integral_view(round_: Round, *, theme=None, organisation_id=None) -> IntegralView:
    """The input of every session of the round together, filtered by theme and organisation."""
    sessions = sessions_of_round(round_)
    theme = theme if theme in round_.themes else ""
    organisation_id = contributions._as_int(organisation_id) if organisation_id not in (None, "") else None
    organisations = {}
    for s in sessions:
        for o in s.organisations:
            organisations[o.id] = o
    items = session_inputs([s.id for s in sessions], theme=theme or None, organisation_id=organisation_id)
    return IntegralView(round_, sessions, items, conflicts(round_),
                        sorted(organisations.values(), key=lambda o: o.name), list(round_.themes),
                        theme, organisation_id)


# --- reports ----------------------------------------------------------------------------------------

@dataclass
class Report:
    title: str
    round: Round
    sessions: list
    items: list
    by_theme: dict
    by_organisation: dict
    proposals: list  # [dict] from the revisions package, when it exists
    conflicts: list


DECISION_LABELS = {"proposed": _l("nog niet besloten"), "accepted": _l("aangenomen"), "rejected": _l("afgewezen")}


def _proposals(session_ids) -> list[dict]:
    """Zone change proposals made in these sessions (participatie.revisions) and what was decided."""
    from ..revisions.models import Proposal

    if not session_ids:
        return []
    rows = db.session.scalars(select(Proposal).where(Proposal.session_id.in_(session_ids)).order_by(Proposal.id))
    return [{
        "id": p.id, "zone": p.zone_name or p.zone_key, "old": p.from_category, "new": p.to_category,
        "reason": p.reason, "organisation": p.organisation.name if p.organisation else "",
        "status": str(DECISION_LABELS.get(p.status, p.status)),
        "note": p.decision_note or "",
        "version": p.applied_version.number if p.applied_version else None,
    } for p in rows]


def _report(title, round_, sessions, with_conflicts: bool) -> Report:
    items = session_inputs([s.id for s in sessions])
    by_theme: dict = {}
    by_organisation: dict = {}
    for item in items:
        by_theme[item["theme"]] = by_theme.get(item["theme"], 0) + 1
        by_organisation[item["organisation"] or ""] = by_organisation.get(item["organisation"] or "", 0) + 1
    return Report(title, round_, sessions, list(reversed(items)), dict(sorted(by_theme.items())),
                  dict(sorted(by_organisation.items())), _proposals([s.id for s in sessions]),
                  conflicts(round_) if with_conflicts else [])


def session_report(session: MapTableSession) -> Report:
    return _report(session.title, session.round, [session], session.is_integral)


def integral_report(round_: Round) -> Report:
    return _report(str(_l("Alle kaarttafelsessies: %(round)s", round=round_.title)), round_,
                   sessions_of_round(round_), True)


REPORT_COLUMNS = ["id", "sessie", "thema", "organisatie", "standpunt", "plek", "datum", "tijd", "kanaal", "tekst"]


def _cell(value) -> str:
    """A CSV cell that spreadsheet programs cannot run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def report_csv(report: Report) -> str:
    """The report's input as CSV text (the view adds the UTF-8 BOM), then the proposals."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(REPORT_COLUMNS)
    for item in report.items:
        writer.writerow([_cell(v) for v in (item["id"], item["session"], item["theme"], item["organisation"],
                                              item["stance_label"], item["place"], item["date"], item["time"],
                                              item["channel"], item["text"])])
    if report.proposals:
        writer.writerow([])
        writer.writerow(["voorstel", "zone", "van", "naar", "reden", "organisatie", "besluit", "toelichting",
                         "versie"])
        for p in report.proposals:
            writer.writerow([_cell(v) for v in (p["id"], p["zone"], p["old"], p["new"], p["reason"],
                                                  p["organisation"], p["status"], p["note"], p["version"])])
    return out.getvalue()


def session_counts_by_organisation(round_: Round) -> dict:
    """{organisation name: number of map-table inputs} of the round (published only)."""
    rows = db.session.execute(
        select(Organisation.name, func.count(Contribution.id))
        .join(Organisation, Organisation.id == Contribution.organisation_id)
        .where(Contribution.round_id == round_.id, Contribution.channel == CHANNEL,
               Contribution.status == PUBLISHED)
        .group_by(Organisation.name).order_by(Organisation.name))
    return dict(rows.all())
