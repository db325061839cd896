"""Open data as OGC API – Features (Part 1: Core, GeoJSON, HTML, OpenAPI 3.0).

What is open: rounds of published projects; in them, published contributions (hidden, pending and
rejected never) without any author data, and the current published version of each plan layer.
Collections: `<round-slug>-inbreng` per round, `<round-slug>-<layer-slug>` per plan layer.

Every items page answers in a fixed number of queries whatever its size: the collections (two or
three queries), one count for `numberMatched`, one for the page (counts are correlated subqueries
served by indexes), and one for zone votes on layer pages.
"""
import math
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone

from flask_babel import gettext as _
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import contains_eager

from ..accounts.models import Organisation, User
from ..contributions.models import OBJECTION, PUBLISHED, SUPPORT, Contribution, Reply, Vote
from ..exports.services import layer_slug, local_time
from ..extensions import db
from ..projects.models import PUBLISHED as PROJECT_PUBLISHED
from ..projects.models import Project
from ..rounds.models import Layer, LayerVersion, Round, Zone

CONTRIBUTIONS_SUFFIX = "inbreng"
DEFAULT_LIMIT = 100
MAX_LIMIT = 10_000
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
GREGORIAN = "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian"
CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
]
LICENSE_URLS = {
    "CC-BY-4.0": "https://creativecommons.org/licenses/by/4.0/",
    "CC0-1.0": "https://creativecommons.org/publicdomain/zero/1.0/",
}
# Query parameters each kind of resource accepts; anything else is refused (OGC /req/core/query-param-unknown).
ITEMS_PARAMETERS = frozenset({"f", "bbox", "limit", "offset", "datetime"})
OTHER_PARAMETERS = frozenset({"f"})


class ApiError(Exception):
    """An OGC-style error: HTTP status, an exception code and a description for people."""

    def __init__(self, status: int, code: str, description: str):
        super().__init__(description)
        self.status, self.code, self.description = status, code, description


def bad_parameter(description: str) -> ApiError:
    return ApiError(400, "InvalidParameterValue", description)


def not_found(description: str) -> ApiError:
    return ApiError(404, "NotFound", description)


# --- collections ------------------------------------------------------------------------------------

@dataclass
class Collection:
    """One open data collection: a round's contributions, or the current version of one plan layer."""

    id: str
    kind: str  # "contributions" or "layer"
    round: Round
    layer: Layer | None = None
    version: LayerVersion | None = None
    bbox: tuple | None = None
    interval: tuple | None = None  # (first, last) naive UTC
    count: int | None = None

    @property
    def title(self) -> str:
        if self.kind == "contributions":
            return _("Inbreng: %(title)s", title=self.round.title)
        return _("Kaartlaag: %(name)s (%(title)s)", name=self.layer.name, title=self.round.title)

    @property
    def description(self) -> str:
        if self.kind == "contributions":
            return _("Gepubliceerde inbreng van inwoners en organisaties in de participatieronde \"%(title)s\" "
                     "van het project \"%(project)s\". Zonder namen of andere persoonsgegevens.",
                     title=self.round.title, project=self.round.project.title)
        text = _("Versie %(number)s van de kaartlaag \"%(name)s\" in de participatieronde \"%(title)s\".",
                 number=self.version.number, name=self.layer.name, title=self.round.title)
        return f"{text} {self.layer.description}".strip()


def _public_rounds() -> list[Round]:
    return list(db.session.scalars(
        select(Round).join(Project, Project.id == Round.project_id).options(contains_eager(Round.project))
        .where(Project.status == PROJECT_PUBLISHED).order_by(Round.starts_at, Round.id)))


def _current_versions(round_ids: list[int]) -> list[tuple[Layer, LayerVersion]]:
    """(layer, its highest published version) for the layers of these rounds that have one."""
    latest = (select(LayerVersion.layer_id, func.max(LayerVersion.number).label("number"))
              .where(LayerVersion.published.is_(True)).group_by(LayerVersion.layer_id).subquery())
    rows = db.session.execute(
        select(Layer, LayerVersion)
        .join(latest, latest.c.layer_id == Layer.id)
        .join(LayerVersion, and_(LayerVersion.layer_id == Layer.id, LayerVersion.number == latest.c.number))
        .where(Layer.round_id.in_(round_ids)).order_by(Layer.position, Layer.id))
    return [(layer, version) for layer, version in rows]


def _contribution_extents(round_ids: list[int]) -> dict:
    """round id → (bbox, (first, last), count) of its published contributions, in one query."""
    rows = db.session.execute(
        select(Contribution.round_id, func.min(Contribution.min_lon), func.min(Contribution.min_lat),
               func.max(Contribution.max_lon), func.max(Contribution.max_lat),
               func.min(Contribution.created_at), func.max(Contribution.created_at), func.count(Contribution.id))
        .where(Contribution.round_id.in_(round_ids), Contribution.status == PUBLISHED)
        .group_by(Contribution.round_id))
    out = {}
    for round_id, west, south, east, north, first, last, count in rows:
        bbox = (west, south, east, north) if west is not None else None
        out[round_id] = (bbox, (first, last) if first else None, count)
    return out


def collections(with_extents: bool = True) -> list[Collection]:
    """Every open collection, rounds in the order they started, each round's layers after it."""
    rounds_ = _public_rounds()
    ids = [r.id for r in rounds_]
    extents = _contribution_extents(ids) if with_extents and ids else {}
    layers: dict = {}
    for layer, version in (_current_versions(ids) if ids else []):
        layers.setdefault(layer.round_id, []).append((layer, version))
    out = []
    for round_ in rounds_:
        bbox, interval, count = extents.get(round_.id, (None, None, 0))
        contributions_id = f"{round_.slug}-{CONTRIBUTIONS_SUFFIX}"
        out.append(Collection(contributions_id, "contributions", round_, bbox=bbox, interval=interval, count=count))
        taken = {contributions_id}
        for layer, version in layers.get(round_.id, []):
            collection_id = f"{round_.slug}-{layer_slug(layer)}"
            if collection_id in taken:  # two layers with the same name, or one called "inbreng"
                collection_id = f"{collection_id}-{layer.id}"
            taken.add(collection_id)
            out.append(Collection(
                collection_id, "layer", round_, layer, version,
                bbox=(version.min_lon, version.min_lat, version.max_lon, version.max_lat)
                if version.min_lon is not None else None,
                interval=(version.created_at, version.created_at), count=version.feature_count))
    return out


def get_collection(collection_id: str, with_extents: bool = False) -> Collection:
    for collection in collections(with_extents):
        if collection.id == collection_id:
            return collection
    raise not_found(_("De collectie \"%(id)s\" bestaat niet.", id=collection_id))


# --- query parameters -------------------------------------------------------------------------------

def check_parameters(args, allowed: frozenset) -> None:
    unknown = sorted(set(args) - allowed)
    if unknown:
        raise bad_parameter(_("Onbekende parameter: %(names)s. Toegestaan: %(allowed)s.",
                              names=", ".join(unknown), allowed=", ".join(sorted(allowed))))


def _single(args, name: str) -> str | None:
    values = args.getlist(name)
    if len(values) > 1:
        raise bad_parameter(_("Geef de parameter %(name)s maar één keer.", name=name))
    return values[0] if values else None


def parse_limit(value: str | None) -> int:
    """1 … MAX_LIMIT; larger values are lowered to the maximum, as the standard asks."""
    if value is None or value == "":
        return DEFAULT_LIMIT
    if not re.fullmatch(r"\+?\d{1,30}", value.strip()):
        raise bad_parameter(_("limit moet een geheel getal van 1 tot %(max)s zijn.", max=MAX_LIMIT))
    limit = int(value)
    if limit < 1:
        raise bad_parameter(_("limit moet een geheel getal van 1 tot %(max)s zijn.", max=MAX_LIMIT))
    return min(limit, MAX_LIMIT)


def parse_offset(value: str | None) -> int:
    if value is None or value == "":
        return 0
    if not re.fullmatch(r"\+?\d{1,30}", value.strip()):
        raise bad_parameter(_("offset moet een geheel getal van 0 of meer zijn."))
    return int(value)


def parse_bbox(value: str | None) -> tuple | None:
    """minLon,minLat,maxLon,maxLat (or six numbers with heights, which are ignored) in CRS84.
    A west edge east of the east edge crosses the antimeridian, as the standard defines."""
    if value is None or value == "":
        return None
    parts = value.split(",")
    try:
        numbers = [float(p) for p in parts]
    except ValueError:
        numbers = []
    if len(numbers) not in (4, 6) or not all(math.isfinite(n) for n in numbers):
        raise bad_parameter(_("bbox moet vier getallen zijn: minLon,minLat,maxLon,maxLat (WGS84)."))
    if len(numbers) == 6:
        numbers = [numbers[0], numbers[1], numbers[3], numbers[4]]
    west, south, east, north = numbers
    if not (-180 <= west <= 180 and -180 <= east <= 180 and -90 <= south <= 90 and -90 <= north <= 90):
        raise bad_parameter(_("bbox valt buiten de wereld: lengte -180 tot 180, breedte -90 tot 90."))
    if south > north:
        raise bad_parameter(_("In bbox moet de zuidgrens (2e getal) kleiner zijn dan de noordgrens (4e getal)."))
    return west, south, east, north


_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _moment(text: str, end: bool) -> datetime | None:
    """An RFC 3339 date-time (or a date: the whole day) as naive UTC; None for an open end."""
    text = text.strip()
    if text in ("", ".."):
        return None
    try:
        if _DATE.match(text):
            day = date.fromisoformat(text)
            moment = datetime.combine(day + timedelta(days=1) if end else day, time.min)
            return moment
        value = datetime.fromisoformat(text.replace("z", "Z").replace("Z", "+00:00").replace("t", "T"))
    except ValueError:
        raise bad_parameter(_("datetime \"%(value)s\" is geen geldige RFC 3339-tijd, zoals 2026-11-24T10:00:00Z.",
                              value=text)) from None
    if value.tzinfo is not None:
        value = value.astimezone(timezone.utc).replace(tzinfo=None)
    return value


def parse_datetime(value: str | None) -> tuple | None:
    """An instant or an interval (start/end, either end open with ".." or empty) as
    (start, end, end_inclusive) in naive UTC; dates mean whole days."""
    if value is None or value == "":
        return None
    if "/" in value:
        parts = value.split("/")
        if len(parts) != 2 or all(p.strip() in ("", "..") for p in parts):
            raise bad_parameter(_("datetime is een tijdstip of een interval begin/einde, zoals "
                                  "2026-11-01T00:00:00Z/.."))
        start, end = _moment(parts[0], end=False), _moment(parts[1], end=True)
        if start and end and start > end:
            raise bad_parameter(_("In datetime ligt het begin na het einde."))
        return start, end, not _DATE.match(parts[1].strip())
    if _DATE.match(value.strip()):
        return _moment(value, end=False), _moment(value, end=True), False
    moment = _moment(value, end=False)
    if moment is None:
        raise bad_parameter(_("datetime is een tijdstip of een interval begin/einde."))
    return moment, moment, True


@dataclass
class ItemsQuery:
    bbox: tuple | None = None
    limit: int = DEFAULT_LIMIT
    offset: int = 0
    datetime: tuple | None = None
    raw: dict = field(default_factory=dict)  # the parameters as given, for paging links


def parse_items_query(args) -> ItemsQuery:
    """Check the items parameters; raises ApiError (400) on anything wrong."""
    check_parameters(args, ITEMS_PARAMETERS)
    raw = {name: _single(args, name) for name in ("bbox", "limit", "offset", "datetime")}
    return ItemsQuery(parse_bbox(raw["bbox"]), parse_limit(raw["limit"]), parse_offset(raw["offset"]),
                      parse_datetime(raw["datetime"]), {k: v for k, v in raw.items() if v not in (None, "")})


# --- items ------------------------------------------------------------------------------------------

def _bbox_conditions(model, bbox) -> list:
    if bbox is None:
        return []
    west, south, east, north = bbox
    latitude = [model.max_lat >= south, model.min_lat <= north]
    if west <= east:
        return [model.max_lon >= west, model.min_lon <= east, *latitude]
    # Across the antimeridian: east of `west` or west of `east`.
    return [or_(model.max_lon >= west, model.min_lon <= east), *latitude]


def _time_conditions(column, interval) -> list:
    if interval is None:
        return []
    start, end, end_inclusive = interval
    conditions = []
    if start is not None:
        conditions.append(column >= start)
    if end is not None:
        conditions.append(column <= end if end_inclusive else column < end)
    return conditions


def _in_interval(moment: datetime, interval) -> bool:
    if interval is None:
        return True
    start, end, end_inclusive = interval
    if start is not None and moment < start:
        return False
    if end is not None and (moment > end if end_inclusive else moment >= end):
        return False
    return True


def _vote_count(value: str):
    return (select(func.count(Vote.id)).where(Vote.contribution_id == Contribution.id, Vote.value == value)
            .correlate(Contribution).scalar_subquery())


def _iso(value: datetime | None) -> str | None:
    return local_time(value).isoformat(timespec="seconds") if value else None


@dataclass
class ItemsPage:
    features: list
    number_matched: int
    number_returned: int


def _contribution_columns():
    replies = (select(func.count(Reply.id))
               .where(Reply.contribution_id == Contribution.id, Reply.status == PUBLISHED)
               .correlate(Contribution).scalar_subquery())
    return (Contribution.id, Contribution.theme, Contribution.channel, Organisation.name, Zone.name, Zone.key,
            Contribution.place_label, Contribution.geometry_type, Contribution.geometry, Contribution.text,
            _vote_count(SUPPORT), _vote_count(OBJECTION), replies, Contribution.created_at)


def _contribution_feature(round_: Round, row) -> dict:
    (id_, theme, channel, organisation, zone, zone_key, place, kind, geometry, text, support, objection, replies,
     created_at) = row
    return {"type": "Feature", "id": id_, "geometry": geometry, "properties": {
        "id": id_, "round": round_.slug, "theme": theme, "channel": channel, "organisation": organisation or "",
        "zone": zone or "", "zone_key": zone_key or "", "place": place or "", "geometry_type": kind or "",
        "text": text, "support": support, "objection": objection, "replies": replies,
        "created_at": _iso(created_at)}}


def _contributions_select(round_: Round):
    # Only the organisation's name is read from the author's account.
    return (select(*_contribution_columns())
            .outerjoin(User, User.id == Contribution.author_id)
            .outerjoin(Organisation, Organisation.id == User.organisation_id)
            .outerjoin(Zone, Zone.id == Contribution.zone_id)
            .where(Contribution.round_id == round_.id, Contribution.status == PUBLISHED))


def contribution_items(collection: Collection, query: ItemsQuery) -> ItemsPage:
    """One page of a contributions collection: a count and a page query."""
    conditions = [*_bbox_conditions(Contribution, query.bbox), *_time_conditions(Contribution.created_at, query.datetime)]
    if query.bbox is not None:
        conditions.append(Contribution.min_lon.is_not(None))
    in_collection = (Contribution.round_id == collection.round.id, Contribution.status == PUBLISHED, *conditions)
    matched = db.session.scalar(select(func.count(Contribution.id)).where(*in_collection))
    # The page's ids first (narrow rows, served by the indexes), so that skipped rows never have their
    # counts computed: deep pages (GDAL reads all pages) cost the same as the first.
    page_ids = (select(Contribution.id).where(*in_collection).order_by(Contribution.id)
                .limit(query.limit).offset(query.offset))
    rows = db.session.execute(_contributions_select(collection.round).where(Contribution.id.in_(page_ids))
                              .order_by(Contribution.id)).all()
    features = [_contribution_feature(collection.round, row) for row in rows]
    return ItemsPage(features, matched, len(features))


def _zone_votes(layer: Layer, keys: list[str]) -> dict:
    if not keys:
        return {}
    counts: dict = {}
    rows = db.session.execute(
        select(Vote.zone_key, Vote.value, func.count(Vote.id))
        .where(Vote.layer_id == layer.id, Vote.zone_key.in_(keys)).group_by(Vote.zone_key, Vote.value))
    for key, value, n in rows:
        support, objection = counts.get(key, (0, 0))
        counts[key] = (support + n, objection) if value == SUPPORT else (support, objection + n)
    return counts


def _zone_feature(collection: Collection, zone: Zone, votes: dict) -> dict:
    support, objection = votes.get(zone.key, (0, 0))
    properties = {key: value for key, value in (zone.properties or {}).items() if not str(key).startswith("_")}
    properties.update({
        "key": zone.key, "name": zone.name, "category": zone.category, "layer": collection.layer.name,
        "version": collection.version.number, "support": support, "objection": objection,
    })
    return {"type": "Feature", "id": zone.key, "geometry": zone.geometry, "properties": properties}


def zone_items(collection: Collection, query: ItemsQuery) -> ItemsPage:
    """One page of a plan layer's current version: a count, a page and its zone votes. A layer has
    no time per zone: `datetime` matches the version's upload time."""
    if not _in_interval(collection.version.created_at, query.datetime):
        return ItemsPage([], 0, 0)
    conditions = [Zone.layer_version_id == collection.version.id, *_bbox_conditions(Zone, query.bbox)]
    matched = db.session.scalar(select(func.count(Zone.id)).where(*conditions))
    zones = db.session.scalars(select(Zone).where(*conditions).order_by(Zone.feature_index)
                               .limit(query.limit).offset(query.offset)).all()
    votes = _zone_votes(collection.layer, [z.key for z in zones]) if collection.layer.votable else {}
    features = [_zone_feature(collection, zone, votes) for zone in zones]
    return ItemsPage(features, matched, len(features))


def items(collection: Collection, query: ItemsQuery) -> ItemsPage:
    if collection.kind == "contributions":
        return contribution_items(collection, query)
    return zone_items(collection, query)


def item(collection: Collection, feature_id: str) -> dict:
    """One feature, or ApiError 404."""
    if collection.kind == "contributions":
        row = None
        if re.fullmatch(r"\d{1,18}", feature_id):
            row = db.session.execute(_contributions_select(collection.round)
                                     .where(Contribution.id == int(feature_id))).first()
        if row is None:
            raise not_found(_("Inbreng %(id)s bestaat niet in deze collectie.", id=feature_id))
        return _contribution_feature(collection.round, row)
    zone = db.session.scalar(select(Zone).where(Zone.layer_version_id == collection.version.id,
                                                Zone.key == feature_id))
    if zone is None:
        raise not_found(_("Zone %(id)s bestaat niet in deze collectie.", id=feature_id))
    votes = _zone_votes(collection.layer, [zone.key]) if collection.layer.votable else {}
    return _zone_feature(collection, zone, votes)


def license_url(license_id: str) -> str | None:
    return LICENSE_URLS.get(license_id)

