"""Contributions, replies and votes: the rules, and the read queries the pages and the map use.

Views stay thin: they parse the request, call one function here, and render its result or the
`ServiceError` it raises (see rounds.errors: `errors` per form field, `message`, `status`).

Visibility: published items are for everyone; pending, hidden and rejected ones only for their author
and moderators. Counts (support, objection, replies, totals) only ever count published things and
are computed in SQL when read, in a fixed number of queries however many contributions a round has.
"""
import json
import math
import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import shapely
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, null, or_, select, true
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from ..accounts.models import Organisation, User, utcnow
from ..extensions import db
from ..maptable.models import MapTableSession
from ..permissions import Role, has_role
from ..rounds import geo
from ..rounds import services as rounds
from ..rounds.errors import NotFound, Refused, ValidationError
from ..rounds.models import Layer, Round, Zone
from ..rounds.places import MUNICIPALITIES, Place, place_by_key
from .models import (
    CHANNELS,
    HIDDEN,
    OBJECTION,
    PENDING,
    PLACE_MAP,
    PLACE_MUNICIPALITY,
    PLACE_ZONE,
    PUBLISHED,
    SUPPORT,
    VOTE_VALUES,
    Contribution,
    ContributionPhoto,
    Reply,
    Vote,
)
from .photos import PhotoError, process_photo

TEXT_MAX = 2000
REPLY_MAX = 2000
EDIT_WINDOW = timedelta(minutes=30)
MAX_GEOMETRY_CHARS = 100_000
MAX_VERTICES = 1000
SHORT_TEXT = 140
PER_PAGE = 20
DEFAULT_LIMIT = 1000
MAX_LIMIT = 5000
SORTS = ("newest", "supported")
# The permalink of a contribution, for map popups; views may pass their own.
CONTRIBUTION_URL = "/rondes/{slug}/inbreng/{id}"

KIND_BY_TYPE = {"Point": "point", "LineString": "line", "Polygon": "area"}
# C0 control characters other than tab and newline: never meaningful in a text, and PostgreSQL
# refuses NUL outright.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


# How input arrived, as the interface names it (shown where input did not come from the website).
CHANNEL_LABELS = {
    "web": _l("website"),
    "kaarttafel": _l("kaarttafel"),
    "paper": _l("brief"),
    "phone": _l("telefoon"),
    "in_person": _l("persoonlijk"),
}


def channel_label(channel: str) -> str:
    """The Dutch (or translated) name of a channel, e.g. 'brief' for paper."""
    return str(CHANNEL_LABELS.get(channel, channel))


# --- who sees what ----------------------------------------------------------------------------------

def is_moderator(user) -> bool:
    return has_role(user, Role.MODERATOR)


def _viewer_id(viewer) -> int | None:
    return viewer.id if viewer is not None and getattr(viewer, "is_authenticated", False) else None


def visible_filter(model, viewer):
    """SQL condition: the rows of `model` (Contribution or Reply) that `viewer` may see."""
    if is_moderator(viewer):
        return true()
    viewer_id = _viewer_id(viewer)
    if viewer_id is not None:
        return or_(model.status == PUBLISHED, model.author_id == viewer_id)
    return model.status == PUBLISHED


def can_see(item, viewer) -> bool:
    """The same rule as visible_filter, for one loaded Contribution or Reply."""
    return item.status == PUBLISHED or is_moderator(viewer) or (
        item.author_id is not None and item.author_id == _viewer_id(viewer))


# --- input checks -----------------------------------------------------------------------------------

def clean_text(value, max_length: int = TEXT_MAX) -> str:
    """Text as typed, trimmed, with line endings normalised and control characters removed.
    HTML stays as typed: it is escaped when shown, never interpreted. Raises ValidationError."""
    if not isinstance(value, str):
        raise ValidationError({"text": _l("Schrijf uw reactie.")})
    text = _CONTROL.sub("", value.replace("\r\n", "\n").replace("\r", "\n")).strip()
    if not text:
        raise ValidationError({"text": _l("Schrijf uw reactie. Alleen spaties of witregels is niet genoeg.")})
    if len(text) > max_length:
        raise ValidationError({"text": _l("Uw tekst is %(count)s tekens lang; het maximum is %(max)s.",
                                          count=len(text), max=max_length)})
    return text


_GEOMETRY_MESSAGES = {
    "not_numbers": _l("De plek is niet goed doorgekomen: de coördinaten zijn geen getallen."),
    "line_points": _l("Een lijn heeft minstens twee verschillende punten nodig. Teken de lijn opnieuw."),
    "ring_points": _l("Een vlak heeft minstens drie verschillende hoekpunten nodig. Teken het vlak opnieuw."),
    "ring_open": _l("Het vlak is niet gesloten. Teken het vlak opnieuw."),
}
_KIND_NAMES = {"point": _l("een punt"), "line": _l("een lijn"), "area": _l("een vlak")}


def _geometry_error(message) -> ValidationError:
    return ValidationError({"geometry": message})


def check_geometry(round_: Round, raw) -> tuple[dict, str, object]:
    """Check a drawn place (GeoJSON geometry or Feature, as dict or JSON text) against the round.

    Returns (geometry as stored, kind point/line/area, shapely geometry); raises ValidationError on
    the `geometry` field: wrong type, not allowed in this round, broken, self-intersecting, outside
    the Netherlands or outside the round's area."""
    if isinstance(raw, (str, bytes)):
        if len(raw) > MAX_GEOMETRY_CHARS:
            raise _geometry_error(_l("De getekende plek is te groot of heeft te veel punten."))
        try:
            raw = json.loads(raw)
        except (ValueError, RecursionError):
            raise _geometry_error(_l("De plek is niet goed doorgekomen. Kies de plek opnieuw.")) from None
    if isinstance(raw, dict) and raw.get("type") == "Feature":
        raw = raw.get("geometry")
    if not isinstance(raw, dict) or raw.get("type") not in KIND_BY_TYPE:
        raise _geometry_error(_l("Kies een punt, lijn of vlak op de kaart."))
    kind = KIND_BY_TYPE[raw["type"]]
    if kind not in round_.allowed_geometries:
        raise _geometry_error(_l("In deze ronde kunt u geen %(kind)s tekenen.", kind=_KIND_NAMES[kind]))
    try:
        geo.check_geometry_structure(raw)
    except geo.GeoError as exc:
        raise _geometry_error(_GEOMETRY_MESSAGES.get(exc.code, exc.message)) from None
    positions = list(geo.iter_xy(raw))
    if len(positions) > MAX_VERTICES:
        raise _geometry_error(_l("De getekende plek heeft te veel punten (maximaal %(max)s).", max=MAX_VERTICES))
    if not all(geo.looks_like_lonlat(x, y) for x, y in positions):
        raise _geometry_error(_l("Deze plek ligt buiten Nederland."))
    geom = geo.to_shape(raw)
    if not geom.is_valid:
        if kind == "area":
            message = _l("Het vlak dat u tekende snijdt zichzelf of is niet goed gesloten (%(reason)s). "
                         "Teken het opnieuw zonder kruisende lijnen.", reason=geo.explain_invalid(geom))
        else:
            message = _l("De getekende plek is ongeldig: %(reason)s.", reason=geo.explain_invalid(geom))
        raise _geometry_error(message)
    if kind == "area" and geom.area <= 0:
        raise _geometry_error(_l("Het vlak heeft geen oppervlakte. Teken het opnieuw."))
    if not geo.in_netherlands(geom):
        raise _geometry_error(_l("Deze plek ligt buiten Nederland."))
    area = rounds.round_area_shape(round_)
    if area is not None and not area.covers(geom):
        raise _geometry_error(_l("Deze plek ligt (deels) buiten het gebied van deze ronde. Kies een plek binnen "
                                 "het gemarkeerde gebied."))
    return geo.to_geojson(geom), kind, geom


def nearest_place(geom, limit_degrees: float = 0.15) -> Place | None:
    """The municipality whose centre is nearest (about 10 km at most), as an approximate place name."""
    point = geom.representative_point() if geom.geom_type != "Point" else geom
    best, best_distance = None, limit_degrees
    for place in MUNICIPALITIES:
        # Degrees of longitude are shorter at 52° north: scale them to compare distances fairly.
        distance = math.hypot((place.lon - point.x) * 0.615, place.lat - point.y)
        if distance < best_distance:
            best, best_distance = place, distance
    return best


@dataclass
class _Place:
    geometry: dict | None
    kind: str | None
    shape: object | None
    source: str | None
    zone: Zone | None
    label: str


def _resolve_place(round_: Round, geometry, zone_id, place, required: bool, errors: dict) -> _Place | None:
    """The contribution's place from (in this order) a drawn geometry, a chosen zone or a chosen
    municipality. Problems go into `errors`."""
    if geometry not in (None, "", {}):
        try:
            geojson, kind, shape = check_geometry(round_, geometry)
        except ValidationError as exc:
            errors.update(exc.errors)
            return None
        zone = rounds.zone_at(round_, shape)
        nearby = nearest_place(shape)
        return _Place(geojson, kind, shape, PLACE_MAP, zone, zone.name if zone else (nearby.name if nearby else ""))
    if zone_id not in (None, ""):
        zone = rounds.get_zone(_as_int(zone_id) or 0)
        if zone is None or zone.layer.round_id != round_.id or not rounds.is_current_zone(zone):
            errors["zone"] = _l("Kies een zone uit de lijst.")
            return None
        point = shapely.geometry.shape(zone.geometry).representative_point()
        point = shapely.Point(round(point.x, geo.DECIMALS), round(point.y, geo.DECIMALS))
        return _Place(geo.to_geojson(point), "point", point, PLACE_ZONE, zone, zone.name)
    if place not in (None, ""):
        chosen = place if isinstance(place, Place) else place_by_key(str(place))
        if chosen is None or chosen not in rounds.place_choices(round_):
            errors["place"] = _l("Kies een gemeente uit de lijst.")
            return None
        point = shapely.Point(chosen.lon, chosen.lat)
        zone = rounds.zone_at(round_, point)
        return _Place(geo.to_geojson(point), "point", point, PLACE_MUNICIPALITY, zone, chosen.name)
    if required:
        errors["geometry"] = _l("Kies een plek op de kaart, of kies een zone of gemeente uit de lijst.")
    return _Place(None, None, None, None, None, "")


def _as_int(value) -> int | None:
    """A whole number from form or address input, else None. Ids are 32-bit integers in the database:
    a bigger number matches nothing and must not reach the driver (an overflow error there)."""
    try:
        number = int(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return number if -2**31 <= number < 2**31 else None


def _check_round_open(round_: Round, now: datetime | None) -> None:
    state = rounds.round_state(round_, now)
    if state == rounds.UPCOMING:
        raise Refused(_l("Deze ronde is nog niet begonnen. U kunt nog niet reageren."), code="not_open")
    if state == rounds.CLOSED:
        raise Refused(_l("Deze ronde is gesloten. U kunt niet meer reageren."), code="closed")


def _check_user(user) -> None:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        raise Refused(_l("Log in om mee te doen."), code="login")


def _apply_place(contribution: Contribution, place: _Place) -> None:
    contribution.geometry = place.geometry
    contribution.geometry_type = place.kind
    contribution.place_source = place.source
    contribution.zone_id = place.zone.id if place.zone else None
    contribution.place_label = place.label[:200]
    if place.shape is not None:
        contribution.min_lon, contribution.min_lat, contribution.max_lon, contribution.max_lat = geo.bbox(place.shape)
    else:
        contribution.min_lon = contribution.min_lat = contribution.max_lon = contribution.max_lat = None


def _check_theme(round_: Round, theme, errors: dict) -> str:
    theme = (theme or "").strip().lower() if isinstance(theme, str) else ""
    if theme not in round_.themes:
        errors["theme"] = _l("Kies een thema.")
    return theme


def _check_text_into(value, errors: dict, max_length: int = TEXT_MAX) -> str:
    try:
        return clean_text(value, max_length)
    except ValidationError as exc:
        errors.update(exc.errors)
        return ""


def _check_photo_into(photo, errors: dict):
    if photo is None or photo == b"":
        return None
    try:
        return process_photo(photo)
    except PhotoError as exc:
        errors["photo"] = exc.message
        return None


# --- contributions ----------------------------------------------------------------------------------

def create_contribution(round_: Round, author: User | None, *, theme: str, text: str, geometry=None,
                        zone_id=None, place=None, photo: bytes | None = None, channel: str = "web",
                        now: datetime | None = None, session_id: int | None = None,
                        organisation_id: int | None = None, stance: str | None = None, submission_key: str | None = None,
                        held_reasons: list | None = None, entered_by: User | None = None,
                        received_at=None, contact_name: str | None = None,
                        contact_details: str | None = None) -> Contribution:
    """Check and store a contribution; the caller commits.

    The place is a drawn `geometry` (GeoJSON dict or text), else `zone_id` (a zone of the current
    plan layer), else `place` (a municipality key or Place). `photo` is the uploaded bytes.
    Raises Refused (round not open, not logged in) or ValidationError with every field's problem.
    Pre-moderated rounds store it as pending, others publish it at once.

    Map-table input (channel "kaarttafel") names its `session_id` and `organisation_id`; whether it
    may be given is the session's rule (maptable.services checks it), not the round's dates.

    `submission_key` is the form's random key (see `submission_key_of`): when the author already made a
    contribution with it (the form sent twice, even at the same moment), that one is returned.

    Moderation: `held_reasons` (codes of moderation.checks) store it as pending for the queue. Input a
    moderator enters for someone (`entered_by`, channel paper/phone/in_person, `received_at`, optional
    `contact_name`/`contact_details`) is published at once and may be entered after the round closed."""
    if channel not in CHANNELS:
        raise ValueError(f"unknown channel {channel!r}")
    now = now or utcnow()
    staff_entry = entered_by is not None and channel in ("paper", "phone", "in_person")
    if channel != "kaarttafel" and not staff_entry:
        _check_round_open(round_, now)
    if channel == "web":
        _check_user(author)
    key = submission_key_of(submission_key, author)
    if key is not None:
        earlier = _submitted_with(key)
        if earlier is not None and earlier.author_id == author.id:
            return earlier
        if earlier is not None:  # someone else's key: never theirs to return, so make a new one
            key = None
    errors: dict = {}
    theme = _check_theme(round_, theme, errors)
    text = _check_text_into(text, errors)
    place_ = _resolve_place(round_, geometry, zone_id, place, required=channel == "web", errors=errors)
    processed = _check_photo_into(photo, errors)
    if errors:
        raise ValidationError(errors)
    contribution = Contribution(
        round_id=round_.id, author_id=author.id if author else None, theme=theme, text=text,
        status=PENDING if round_.is_pre_moderated else PUBLISHED, channel=channel,
        created_at=now, updated_at=now, session_id=session_id, organisation_id=organisation_id, stance=stance or None,
    )
    if staff_entry:
        contribution.status = PUBLISHED
        contribution.entered_by_id = entered_by.id
        contribution.received_at = received_at
        contribution.contact_name = contact_name or None
        contribution.contact_details = contact_details or None
    if held_reasons:
        contribution.status = PENDING
        contribution.held_reasons = list(held_reasons)
    _apply_place(contribution, place_)
    if processed:
        contribution.has_photo = True
        contribution.photo = ContributionPhoto(media_type=processed.media_type, width=processed.width,
                                               height=processed.height, data=processed.data)
    if key is None:
        db.session.add(contribution)
        db.session.flush()
        return contribution
    contribution.submission_key = key
    try:
        with db.session.begin_nested():
            db.session.add(contribution)
    except IntegrityError:
        # The same form arrived twice at the same moment: the other request stored it first.
        earlier = _submitted_with(key)
        if earlier is None or earlier.author_id != author.id:
            raise
        return earlier
    return contribution


_SUBMISSION_KEY = re.compile(r"[A-Za-z0-9_-]{16,64}")


def new_submission_key() -> str:
    """A random key for one contribution form, sent back in a hidden field."""
    return secrets.token_urlsafe(32)


def submission_key_of(value, author) -> str | None:
    """The form's submission key when it is well-formed and the author is known, else None."""
    if author is None or _viewer_id(author) is None or not isinstance(value, str):
        return None
    return value if _SUBMISSION_KEY.fullmatch(value) else None


def _submitted_with(key: str) -> Contribution | None:
    return db.session.scalar(select(Contribution).where(Contribution.submission_key == key))


def can_edit(contribution: Contribution, user, now: datetime | None = None) -> bool:
    """Authors may change or delete their contribution for 30 minutes, while the round is open."""
    now = now or utcnow()
    return (
        _viewer_id(user) is not None and contribution.author_id == user.id
        and now - contribution.created_at <= EDIT_WINDOW
        and rounds.is_open(contribution.round, now)
    )


def check_can_edit(contribution: Contribution, user, now: datetime | None = None) -> None:
    """Raise Refused (not the author, round closed, too late) when the user may not change or
    delete the contribution now; views use it to explain why before showing the edit form."""
    _check_can_edit(contribution, user, now or utcnow())


def _check_can_edit(contribution: Contribution, user, now: datetime) -> None:
    if _viewer_id(user) is None or contribution.author_id != user.id:
        raise Refused(_l("U kunt alleen uw eigen inbreng wijzigen."), code="not_author")
    _check_round_open(contribution.round, now)
    if now - contribution.created_at > EDIT_WINDOW:
        raise Refused(_l("U kunt uw inbreng alleen in de eerste 30 minuten wijzigen of verwijderen."),
                      code="too_late")


def update_contribution(contribution: Contribution, user: User, *, theme: str, text: str, geometry=None,
                        zone_id=None, place=None, photo: bytes | None = None, remove_photo: bool = False,
                        now: datetime | None = None, held_reasons: list | None = None) -> Contribution:
    """The author changes theme, text, place or photo within 30 minutes. Without a new place the old
    one stays. In a pre-moderated round the change goes back to moderation. The caller commits."""
    now = now or utcnow()
    _check_can_edit(contribution, user, now)
    round_ = contribution.round
    errors: dict = {}
    theme = _check_theme(round_, theme, errors)
    text = _check_text_into(text, errors)
    place_ = _resolve_place(round_, geometry, zone_id, place, required=False, errors=errors)
    processed = _check_photo_into(photo, errors)
    if errors:
        raise ValidationError(errors)
    contribution.theme, contribution.text, contribution.updated_at = theme, text, now
    if place_ is not None and place_.source is not None:
        _apply_place(contribution, place_)
    if processed:
        contribution.photo = ContributionPhoto(media_type=processed.media_type, width=processed.width,
                                               height=processed.height, data=processed.data)
        contribution.has_photo = True
    elif remove_photo:
        contribution.photo = None
        contribution.has_photo = False
    if round_.is_pre_moderated and contribution.status == PUBLISHED:
        contribution.status = PENDING
    if held_reasons:  # the automatic checks found something: back to the moderation queue
        contribution.status = PENDING
        contribution.held_reasons = list(held_reasons)
    db.session.flush()
    return contribution


def delete_contribution(contribution: Contribution, user: User, now: datetime | None = None) -> None:
    """The author deletes their contribution within 30 minutes, with its replies, votes and photo."""
    _check_can_edit(contribution, user, now or utcnow())
    db.session.delete(contribution)
    db.session.flush()


def get_contribution(round_: Round, contribution_id, viewer=None) -> Contribution | None:
    """A contribution of this round that the viewer may see, else None (404 in views)."""
    contribution = db.session.get(Contribution, _as_int(contribution_id) or 0)
    if contribution is None or contribution.round_id != round_.id or not can_see(contribution, viewer):
        return None
    return contribution


def get_photo(round_: Round, contribution_id, viewer=None) -> ContributionPhoto | None:
    contribution = get_contribution(round_, contribution_id, viewer)
    if contribution is None or not contribution.has_photo:
        return None
    return db.session.get(ContributionPhoto, contribution.id)


# --- counting ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Counts:
    support: int = 0
    objection: int = 0
    replies: int = 0


def _vote_count(value: str):
    return (select(func.count(Vote.id))
            .where(Vote.contribution_id == Contribution.id, Vote.value == value)
            .correlate(Contribution).scalar_subquery())


def _reply_count():
    return (select(func.count(Reply.id))
            .where(Reply.contribution_id == Contribution.id, Reply.status == PUBLISHED)
            .correlate(Contribution).scalar_subquery())


def _my_vote(viewer_id: int):
    return (select(Vote.value).where(Vote.contribution_id == Contribution.id, Vote.user_id == viewer_id)
            .correlate(Contribution).scalar_subquery())


@dataclass(frozen=True)
class Totals:
    total: int
    by_theme: dict  # theme → count, in the round's theme order


def round_totals(round_: Round) -> Totals:
    """Published contributions of the round, in total and per theme (one query)."""
    rows = dict(db.session.execute(
        select(Contribution.theme, func.count(Contribution.id))
        .where(Contribution.round_id == round_.id, Contribution.status == PUBLISHED)
        .group_by(Contribution.theme)).all())
    by_theme = {theme: rows.pop(theme, 0) for theme in round_.themes}
    by_theme.update(rows)  # themes that were removed from the round later
    return Totals(total=sum(by_theme.values()), by_theme=by_theme)


def zone_vote_counts(round_: Round) -> dict:
    """{(layer_id, zone_key): (support, objection)} for every zone of the round that has votes."""
    counts: dict = {}
    rows = db.session.execute(
        select(Vote.layer_id, Vote.zone_key, Vote.value, func.count(Vote.id))
        .where(Vote.round_id == round_.id, Vote.layer_id.is_not(None))
        .group_by(Vote.layer_id, Vote.zone_key, Vote.value))
    for layer_id, key, value, count in rows:
        support, objection = counts.get((layer_id, key), (0, 0))
        counts[(layer_id, key)] = (support + count, objection) if value == SUPPORT else (support, objection + count)
    return counts


def my_zone_votes(round_: Round, user) -> dict:
    """{(layer_id, zone_key): value} of the user's zone votes in this round."""
    user_id = _viewer_id(user)
    if user_id is None:
        return {}
    rows = db.session.execute(select(Vote.layer_id, Vote.zone_key, Vote.value).where(
        Vote.round_id == round_.id, Vote.user_id == user_id, Vote.layer_id.is_not(None)))
    return {(layer_id, key): value for layer_id, key, value in rows}


# --- reading lists and map data ---------------------------------------------------------------------

@dataclass
class ContributionRow:
    """One contribution as lists, pages and popups show it."""

    contribution: Contribution
    author_name: str | None
    zone_name: str | None
    counts: Counts
    my_vote: str | None = None

    @property
    def is_published(self) -> bool:
        return self.contribution.status == PUBLISHED


@dataclass
class ContributionPage:
    rows: list[ContributionRow]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def has_prev(self) -> bool:
        return self.page > 1


def _row_query(round_: Round, viewer):
    """The query for ContributionRows of a round that the viewer may see, and its support column.
    Counts are correlated subqueries: cheap for a page of rows."""
    viewer_id = _viewer_id(viewer)
    support = _vote_count(SUPPORT).label("support")
    columns = [Contribution, User.display_name, Zone.name, support, _vote_count(OBJECTION).label("objection"),
               _reply_count().label("replies")]
    columns.append(_my_vote(viewer_id).label("my_vote") if viewer_id else null().label("my_vote"))
    query = (select(*columns)
             .outerjoin(User, User.id == Contribution.author_id)
             .outerjoin(Zone, Zone.id == Contribution.zone_id)
             .where(Contribution.round_id == round_.id, visible_filter(Contribution, viewer)))
    return query, support


def _most_supported_ids(round_: Round, viewer, conditions: list, limit: int, offset: int):
    """Subquery: the ids of one page of contributions sorted by support. Sorting a whole round needs
    every contribution's support: one GROUP BY over the round's votes (served by ix_vote_round),
    joined to narrow rows, so that texts and geometries are only read for the page itself."""
    totals = (select(Vote.contribution_id, func.count(Vote.id).label("n"))
              .where(Vote.round_id == round_.id, Vote.value == SUPPORT, Vote.contribution_id.is_not(None))
              .group_by(Vote.contribution_id).subquery())
    return (select(Contribution.id)
            .outerjoin(totals, totals.c.contribution_id == Contribution.id)
            .where(Contribution.round_id == round_.id, visible_filter(Contribution, viewer), *conditions)
            .order_by(func.coalesce(totals.c.n, 0).desc(), Contribution.created_at.desc(), Contribution.id.desc())
            .limit(limit).offset(offset))


def _to_row(record) -> ContributionRow:
    contribution, author_name, zone_name, support, objection, replies, my_vote = record
    return ContributionRow(contribution, author_name, zone_name, Counts(support, objection, replies), my_vote)


def _zone_filter(zone_id):
    """Contributions in the zone with this id, or in the same zone (layer + key) of any version."""
    chosen = aliased(Zone)
    same = aliased(Zone)
    return Contribution.zone_id.in_(
        select(same.id).join(chosen, and_(chosen.layer_id == same.layer_id, chosen.key == same.key))
        .where(chosen.id == zone_id))


def list_contributions(round_: Round, viewer=None, *, theme: str | None = None, zone_id=None,
                       sort: str = "newest", page: int = 1, per_page: int = PER_PAGE) -> ContributionPage:
    """A page of the contributions the viewer may see, filtered by theme and zone, sorted newest first
    or most supported first. Two queries, whatever the number of contributions."""
    query, support = _row_query(round_, viewer)
    conditions = []
    if theme:
        conditions.append(Contribution.theme == theme)
    zone_id = _as_int(zone_id) if zone_id not in (None, "") else None
    if zone_id is not None:
        conditions.append(_zone_filter(zone_id))
    per_page = max(1, min(int(per_page or PER_PAGE), 100))
    total = db.session.scalar(
        select(func.count(Contribution.id))
        .where(Contribution.round_id == round_.id, visible_filter(Contribution, viewer), *conditions))
    pages = max(1, math.ceil(total / per_page))
    page = min(max(1, _as_int(page) or 1), pages)
    offset = (page - 1) * per_page
    if sort == "supported":
        query = (query.where(Contribution.id.in_(_most_supported_ids(round_, viewer, conditions, per_page, offset)))
                 .order_by(support.desc(), Contribution.created_at.desc(), Contribution.id.desc()))
    else:
        query = (query.where(*conditions)
                 .order_by(Contribution.created_at.desc(), Contribution.id.desc()).limit(per_page).offset(offset))
    records = db.session.execute(query).all()
    return ContributionPage([_to_row(r) for r in records], total, page, per_page)


def contributions_of(user, limit: int = 200) -> list[ContributionRow]:
    """The user's own contributions in every round, newest first (for 'my input')."""
    if _viewer_id(user) is None:
        return []
    support = _vote_count(SUPPORT).label("support")
    query = (select(Contribution, User.display_name, Zone.name, support, _vote_count(OBJECTION).label("objection"),
                    _reply_count().label("replies"), _my_vote(user.id).label("my_vote"))
             .outerjoin(User, User.id == Contribution.author_id)
             .outerjoin(Zone, Zone.id == Contribution.zone_id)
             .where(Contribution.author_id == user.id)
             .order_by(Contribution.created_at.desc(), Contribution.id.desc()).limit(limit))
    return [_to_row(r) for r in db.session.execute(query)]


def replies_of(user, limit: int = 200) -> list[Reply]:
    """The user's own replies in every round, newest first, with their contribution and round loaded
    (for 'my input')."""
    if _viewer_id(user) is None:
        return []
    from sqlalchemy.orm import selectinload

    return list(db.session.scalars(
        select(Reply).where(Reply.author_id == user.id)
        .options(selectinload(Reply.contribution).selectinload(Contribution.round))
        .order_by(Reply.created_at.desc(), Reply.id.desc()).limit(limit)))


def parse_bbox(value) -> tuple[float, float, float, float]:
    """'minLon,minLat,maxLon,maxLat' (or four numbers) as floats; raises ValidationError on `bbox`."""
    parts = value.split(",") if isinstance(value, str) else list(value or [])
    try:
        numbers = tuple(float(p) for p in parts)
    except (TypeError, ValueError):
        numbers = ()
    if len(numbers) != 4 or not all(math.isfinite(n) for n in numbers):
        raise ValidationError({"bbox": _l("Geef het kaartbeeld als vier getallen: west,zuid,oost,noord.")})
    west, south, east, north = numbers
    if not (-180 <= west <= east <= 180 and -90 <= south <= north <= 90):
        raise ValidationError({"bbox": _l("Het kaartbeeld klopt niet: west moet kleiner zijn dan oost en zuid "
                                          "kleiner dan noord.")})
    return numbers


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= SHORT_TEXT else text[: SHORT_TEXT - 1].rstrip() + "…"


def contributions_geojson(round_: Round, bbox, viewer=None, limit: int = DEFAULT_LIMIT,
                          url_template: str = CONTRIBUTION_URL) -> dict:
    """The contributions the viewer may see whose bounding box meets `bbox`, newest first, at most
    `limit`, as a GeoJSON FeatureCollection for the map. One query, served by ix_contribution_bbox.

    Properties: id, theme, text (short), place, zone, support, objection, replies, url, and status
    when it is not published (the author's own pending input). `truncated` says more were there."""
    west, south, east, north = parse_bbox(bbox)
    limit = max(1, min(int(limit or DEFAULT_LIMIT), MAX_LIMIT))
    query = (
        select(Contribution.id, Contribution.theme, func.substr(Contribution.text, 1, SHORT_TEXT * 2),
               Contribution.geometry, Contribution.geometry_type, Contribution.status, Contribution.place_label,
               Zone.name, _vote_count(SUPPORT), _vote_count(OBJECTION), _reply_count(), Contribution.channel,
               Organisation.name, MapTableSession.title)
        .outerjoin(Zone, Zone.id == Contribution.zone_id)
        .outerjoin(Organisation, Organisation.id == Contribution.organisation_id)
        .outerjoin(MapTableSession, MapTableSession.id == Contribution.session_id)
        .where(Contribution.round_id == round_.id, visible_filter(Contribution, viewer),
               Contribution.min_lon.is_not(None),
               Contribution.max_lon >= west, Contribution.min_lon <= east,
               Contribution.max_lat >= south, Contribution.min_lat <= north)
        .order_by(Contribution.created_at.desc(), Contribution.id.desc())
        .limit(limit + 1)
    )
    features = []
    rows = db.session.execute(query).all()
    for (id_, theme, text, geometry, kind, status, place, zone_name, support, objection, replies,
         channel, organisation, session_title) in rows[:limit]:
        properties = {
            "id": id_, "theme": theme, "text": _short(text or ""), "kind": kind, "place": place,
            "zone": zone_name, "support": support, "objection": objection, "replies": replies,
            "url": url_template.format(slug=round_.slug, id=id_),
        }
        if status != PUBLISHED:
            properties["status"] = status
        if channel != "web":  # input that came in another way says how (the popup shows it)
            properties["channel"] = str(_l("Kanaal: %(channel)s", channel=channel_label(channel)))
        if organisation:  # map-table input: the organisation it speaks for, and the session
            properties["organisation"] = str(_l("Organisatie: %(name)s", name=organisation))
        if session_title:
            properties["session"] = str(_l("Sessie: %(title)s", title=session_title))
        features.append({"type": "Feature", "id": id_, "geometry": geometry, "properties": properties})
    return {"type": "FeatureCollection", "features": features, "numberReturned": len(features),
            "truncated": len(rows) > limit}


# --- one contribution with its replies --------------------------------------------------------------

@dataclass
class ReplyRow:
    reply: Reply
    author_name: str | None
    # A reply the moderator hid, shown to others only as "hidden by the moderator" with the rule.
    masked: bool = False


@dataclass
class ContributionDetail:
    row: ContributionRow
    replies: list[ReplyRow]
    can_edit: bool
    can_reply: bool
    can_vote: bool

    @property
    def contribution(self) -> Contribution:
        return self.row.contribution


def contribution_detail(round_: Round, contribution_id, viewer=None, now: datetime | None = None
                        ) -> ContributionDetail | None:
    """Everything a contribution's own page shows, or None when the viewer may not see it.
    Two queries (the contribution with counts, its replies)."""
    now = now or utcnow()
    query, _support = _row_query(round_, viewer)
    record = db.session.execute(query.where(Contribution.id == (_as_int(contribution_id) or 0))).first()
    if record is None:
        return None
    row = _to_row(record)
    contribution = row.contribution
    reply_rows = db.session.execute(
        select(Reply, User.display_name).outerjoin(User, User.id == Reply.author_id)
        .where(Reply.contribution_id == contribution.id,
               or_(visible_filter(Reply, viewer), Reply.status == HIDDEN))
        .order_by(Reply.created_at, Reply.id)).all()
    open_ = rounds.is_open(round_, now)
    logged_in = _viewer_id(viewer) is not None
    published = contribution.status == PUBLISHED
    return ContributionDetail(
        row=row,
        replies=[ReplyRow(reply, name, masked=not can_see(reply, viewer)) for reply, name in reply_rows],
        can_edit=logged_in and contribution.author_id == viewer.id and open_
        and now - contribution.created_at <= EDIT_WINDOW,
        can_reply=logged_in and open_ and published,
        can_vote=logged_in and open_ and published and round_.votes_enabled,
    )


# --- replies ----------------------------------------------------------------------------------------

def add_reply(contribution: Contribution, author: User, text: str, now: datetime | None = None,
              held_reasons: list | None = None) -> Reply:
    """A reply under a published contribution while the round is open; pending first in a
    pre-moderated round. The caller commits."""
    now = now or utcnow()
    round_ = contribution.round
    _check_round_open(round_, now)
    _check_user(author)
    if contribution.status != PUBLISHED:
        raise Refused(_l("U kunt alleen reageren op gepubliceerde inbreng."), code="not_published")
    text = clean_text(text, REPLY_MAX)
    reply = Reply(contribution_id=contribution.id, author_id=author.id, text=text,
                  status=PENDING if round_.is_pre_moderated or held_reasons else PUBLISHED, created_at=now,
                  updated_at=now, held_reasons=list(held_reasons) if held_reasons else None)
    db.session.add(reply)
    db.session.flush()
    return reply


# --- votes ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class VoteState:
    """The person's vote on a target after a change (None: no vote) and the target's counts."""

    value: str | None
    support: int
    objection: int


def _check_can_vote(round_: Round, user, now: datetime | None) -> None:
    _check_user(user)
    if rounds.round_state(round_, now) != rounds.OPEN:
        raise Refused(_l("Deze ronde is gesloten. U kunt niet meer stemmen."), code="closed")
    if not round_.votes_enabled:
        raise Refused(_l("In deze ronde kunt u niet stemmen."), code="votes_off")


def _vote_target(round_: Round, contribution_id, zone_id) -> dict:
    """The vote's target columns, after checking it exists, is votable and belongs to this round."""
    if (contribution_id in (None, "")) == (zone_id in (None, "")):
        raise ValidationError({"target": _l("Kies waarop u stemt.")})
    if contribution_id not in (None, ""):
        contribution = db.session.get(Contribution, _as_int(contribution_id) or 0)
        if contribution is None or contribution.round_id != round_.id:
            raise NotFound(_l("Deze inbreng bestaat niet in deze ronde."))
        if contribution.status != PUBLISHED:
            raise Refused(_l("U kunt alleen stemmen op gepubliceerde inbreng."), code="not_published")
        return {"contribution_id": contribution.id, "layer_id": None, "zone_key": None}
    zone = db.session.get(Zone, _as_int(zone_id) or 0)
    if zone is None:
        raise NotFound(_l("Deze zone bestaat niet."))
    layer = db.session.get(Layer, zone.layer_id)
    if layer.round_id != round_.id:
        raise Refused(_l("Deze zone hoort niet bij deze ronde."), code="other_round")
    if not layer.votable:
        raise Refused(_l("Op deze kaartlaag kunt u niet stemmen."), code="layer_not_votable")
    return {"contribution_id": None, "layer_id": layer.id, "zone_key": zone.key}


def _target_condition(target: dict):
    if target["contribution_id"] is not None:
        return Vote.contribution_id == target["contribution_id"]
    return and_(Vote.layer_id == target["layer_id"], Vote.zone_key == target["zone_key"])


def _find_vote(user, target: dict) -> Vote | None:
    return db.session.scalar(select(Vote).where(Vote.user_id == user.id, _target_condition(target)))


def _vote_state(target: dict, value: str | None) -> VoteState:
    rows = dict(db.session.execute(
        select(Vote.value, func.count(Vote.id)).where(_target_condition(target)).group_by(Vote.value)).all())
    return VoteState(value, rows.get(SUPPORT, 0), rows.get(OBJECTION, 0))


def cast_vote(round_: Round, user: User, value: str, *, contribution_id=None, zone_id=None,
              now: datetime | None = None) -> VoteState:
    """Vote support or objection on a contribution or a zone of this round, or change the vote.
    One vote per person per target, guaranteed by unique constraints. The caller commits."""
    now = now or utcnow()
    _check_can_vote(round_, user, now)
    if value not in VOTE_VALUES:
        raise ValidationError({"value": _l("Kies steun of bezwaar.")})
    target = _vote_target(round_, contribution_id, zone_id)
    vote = _find_vote(user, target)
    if vote is None:
        try:
            with db.session.begin_nested():
                db.session.add(Vote(round_id=round_.id, user_id=user.id, value=value, created_at=now,
                                    updated_at=now, **target))
        except IntegrityError:
            # The same person voted at the same moment from another tab: that row won; change it.
            vote = _find_vote(user, target)
    if vote is not None and vote.value != value:
        vote.value, vote.updated_at = value, now
    db.session.flush()
    return _vote_state(target, value)


def withdraw_vote(round_: Round, user: User, *, contribution_id=None, zone_id=None,
                  now: datetime | None = None) -> VoteState:
    """Remove the person's vote on the target (nothing happens when there is none)."""
    _check_can_vote(round_, user, now or utcnow())
    target = _vote_target(round_, contribution_id, zone_id)
    vote = _find_vote(user, target)
    if vote is not None:
        db.session.delete(vote)
        db.session.flush()
    return _vote_state(target, None)


# --- the round page ---------------------------------------------------------------------------------

@dataclass
class RoundPage:
    """Everything the round page needs besides the list and the map data (which have their own calls)."""

    round: Round
    state: str
    can_contribute: bool
    can_vote: bool
    layers: list  # [rounds.LayerView]
    zones: list  # current zones, for the list path and zone votes
    zone_votes: dict  # (layer_id, key) → (support, objection)
    my_zone_votes: dict  # (layer_id, key) → value
    totals: Totals
    places: list  # [Place] municipalities inside the area
    view: tuple  # (lat, lon, zoom)
    area: dict | None
    now: datetime = field(default_factory=utcnow)

    @property
    def is_open(self) -> bool:
        return self.state == rounds.OPEN

    @property
    def status_text(self) -> str:
        return rounds.status_text(self.round, self.now)

    def zone_counts_for(self, zone: Zone) -> tuple[int, int]:
        return self.zone_votes.get((zone.layer_id, zone.key), (0, 0))

    def layer_geojson(self, view) -> dict | None:
        """A layer's current FeatureCollection with zone vote counts in the properties."""
        if view.version is None:
            return None
        counts = {key: c for (layer_id, key), c in self.zone_votes.items() if layer_id == view.layer.id}
        return rounds.layer_feature_collection(view.version, counts)


def round_page(round_: Round, viewer=None, now: datetime | None = None) -> RoundPage:
    """The round page's data in a fixed number of queries (about six), however big the round."""
    now = now or utcnow()
    state = rounds.round_state(round_, now)
    logged_in = _viewer_id(viewer) is not None
    return RoundPage(
        round=round_,
        state=state,
        can_contribute=state == rounds.OPEN and logged_in,
        can_vote=state == rounds.OPEN and logged_in and round_.votes_enabled,
        layers=rounds.current_layers(round_),
        zones=rounds.current_zones(round_),
        zone_votes=zone_vote_counts(round_),
        my_zone_votes=my_zone_votes(round_, viewer),
        totals=round_totals(round_),
        places=rounds.place_choices(round_),
        view=rounds.map_view(round_),
        area=rounds.round_area(round_),
        now=now,
    )
