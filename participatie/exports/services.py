"""Exports of a round for policy teams (CSV, XLSX, GeoJSON, plan-layer versions, report) and open
data downloads, plus the admin's contact export.

Personal data stays out: rows carry a pseudonymous participant id (an HMAC of the round and the
account, so stable within a round and unlinkable across rounds), the organisation and the channel —
never e-mail addresses or account names. Only `contact_rows()` returns e-mail addresses, and only the
admin's contact export (with a recorded purpose) uses it.

Rows are read in batches (`yield_per`: a server-side cursor on PostgreSQL) and written out as they
come, so that a round of 100,000 contributions streams with flat memory. Column names are stable
identifiers (the same in every language); the export page explains them in Dutch.
"""
import csv
import hashlib
import hmac
import io
import json
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import lru_cache

import numpy as np
import shapely
from pyproj import Transformer
from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import aliased, undefer

from ..accounts.models import Organisation, User
from ..contributions.models import OBJECTION, PUBLISHED, STATUSES, SUPPORT, Contribution, Reply, Vote
from ..contributions.services import zone_vote_counts
from ..extensions import db
from ..rounds import services as rounds
from ..rounds.models import Layer, LayerVersion, Round, Zone

BATCH = 1000
WKT_DECIMALS = 7
RD_DECIMALS = 2
# Cells starting with these are formulas to a spreadsheet program (CSV injection): prefix a quote.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

CONTRIBUTION_COLUMNS = [
    "id", "round", "theme", "channel", "organisation", "zone", "zone_key", "place", "geometry_type",
    "geometry_wkt", "lon", "lat", "rd_x", "rd_y", "text", "status", "support", "objection", "replies",
    "created_at", "participant",
]
# Open data leaves out the status (always published) and the pseudonymous participant id.
OPEN_DATA_COLUMNS = [c for c in CONTRIBUTION_COLUMNS if c not in ("status", "participant")]
# Columns that are not repeated as GeoJSON properties (the geometry says it).
GEOMETRY_COLUMNS = ("geometry_wkt", "lon", "lat", "rd_x", "rd_y")
REPLY_COLUMNS = ["id", "contribution_id", "participant", "text", "status", "created_at"]
ZONE_VOTE_COLUMNS = ["layer", "layer_version", "zone_key", "zone", "category", "support", "objection"]
SESSION_COLUMNS = ["id", "title", "theme", "organisations", "starts_at", "ends_at", "contributions"]
SUMMARY_COLUMNS = ["figure", "value", "method"]
FIGURE_COLUMNS = ["figure", "key", "value"]
CONTACT_COLUMNS = ["participant", "name", "email", "contributions", "replies"]

FORMATS = ("csv", "xlsx", "geojson", "layers", "report_html", "report_pdf")


# --- pseudonyms and coordinates ---------------------------------------------------------------------

def participant_id(secret: str, round_id: int, user_id: int | None) -> str:
    """The pseudonymous participant id: HMAC-SHA256(secret, "round_id:user_id"), 16 hex digits.
    Stable within a round, different across rounds; "" for input without an account."""
    if user_id is None:
        return ""
    digest = hmac.new(secret.encode(), f"{round_id}:{user_id}".encode(), hashlib.sha256).hexdigest()
    return digest[:16]


@lru_cache(maxsize=1)
def _to_rd() -> Transformer:
    return Transformer.from_crs("EPSG:4326", "EPSG:28992", always_xy=True)


def to_rd(lon, lat):
    """WGS84 lon/lat (numbers or arrays) to RD New x/y in metres."""
    return _to_rd().transform(lon, lat)


def safe_cell(value):
    """A text cell that a spreadsheet program will never run as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def local_time(value: datetime | None) -> datetime | None:
    """A stored naive UTC moment as an aware Europe/Amsterdam one."""
    return rounds.utc_to_local(value) if value else None


# --- reading contributions --------------------------------------------------------------------------

@dataclass
class ExportRow:
    """One contribution as every export writes it."""

    id: int
    round: str
    theme: str
    channel: str
    organisation: str
    zone: str
    zone_key: str
    place: str
    geometry_type: str
    geometry: dict | None
    geometry_wkt: str
    lon: float | None
    lat: float | None
    rd_x: float | None
    rd_y: float | None
    text: str
    status: str
    support: int
    objection: int
    replies: int
    created_at: datetime
    participant: str

    def values(self, columns: list[str]) -> list:
        return [getattr(self, name) for name in columns]


def _statuses(include_all: bool) -> tuple:
    return STATUSES if include_all else (PUBLISHED,)


def _vote_totals(round_id: int):
    return (select(Vote.contribution_id,
                   func.sum(case((Vote.value == SUPPORT, 1), else_=0)).label("support"),
                   func.sum(case((Vote.value == OBJECTION, 1), else_=0)).label("objection"))
            .where(Vote.round_id == round_id, Vote.contribution_id.is_not(None))
            .group_by(Vote.contribution_id).subquery())


def _reply_totals(round_id: int):
    return (select(Reply.contribution_id, func.count(Reply.id).label("replies"))
            .join(Contribution, Contribution.id == Reply.contribution_id)
            .where(Contribution.round_id == round_id, Reply.status == PUBLISHED)
            .group_by(Reply.contribution_id).subquery())


def contribution_query(round_: Round, include_all: bool = False):
    """One query for a round's export rows with their counts: votes and replies are grouped once
    and joined, so the cost does not grow per row. The organisation is the one the input speaks for
    (map-table input), else the one of the author's account; only its name is read, never an address
    or a name."""
    votes, replies = _vote_totals(round_.id), _reply_totals(round_.id)
    own_organisation = aliased(Organisation)
    return (
        select(Contribution.id, Contribution.theme, Contribution.channel,
               func.coalesce(own_organisation.name, Organisation.name), Zone.name, Zone.key,
               Contribution.place_label, Contribution.geometry_type, Contribution.geometry, Contribution.text,
               Contribution.status, func.coalesce(votes.c.support, 0), func.coalesce(votes.c.objection, 0),
               func.coalesce(replies.c.replies, 0), Contribution.created_at, Contribution.author_id)
        .outerjoin(User, User.id == Contribution.author_id)
        .outerjoin(Organisation, Organisation.id == User.organisation_id)
        .outerjoin(own_organisation, own_organisation.id == Contribution.organisation_id)
        .outerjoin(Zone, Zone.id == Contribution.zone_id)
        .outerjoin(votes, votes.c.contribution_id == Contribution.id)
        .outerjoin(replies, replies.c.contribution_id == Contribution.id)
        .where(Contribution.round_id == round_.id, Contribution.status.in_(_statuses(include_all)))
        .order_by(Contribution.id)
    )


def count_contributions(round_: Round, include_all: bool = False) -> int:
    return db.session.scalar(select(func.count(Contribution.id)).where(
        Contribution.round_id == round_.id, Contribution.status.in_(_statuses(include_all))))


def _rows_from_batch(round_: Round, batch: list, secret: str) -> list[ExportRow]:
    """Geometry work for a batch at once: centroids, WKT and RD New in vectorised calls."""
    shapes = np.array([shapely.geometry.shape(r[8]) if r[8] else None for r in batch], dtype=object)
    present = np.array([s is not None for s in shapes], dtype=bool)
    lon = np.full(len(batch), np.nan)
    lat = np.full(len(batch), np.nan)
    wkt = np.full(len(batch), "", dtype=object)
    if present.any():
        centroids = shapely.centroid(shapes[present])
        lon[present], lat[present] = shapely.get_x(centroids), shapely.get_y(centroids)
        wkt[present] = shapely.to_wkt(shapes[present], rounding_precision=WKT_DECIMALS, trim=True)
    rd_x, rd_y = to_rd(lon, lat)
    rows = []
    for i, (id_, theme, channel, organisation, zone, zone_key, place, kind, geometry, text, status, support,
            objection, replies, created_at, author_id) in enumerate(batch):
        has = bool(present[i])
        rows.append(ExportRow(
            id=id_, round=round_.slug, theme=theme, channel=channel, organisation=organisation or "",
            zone=zone or "", zone_key=zone_key or "", place=place or "", geometry_type=kind or "",
            geometry=geometry, geometry_wkt=wkt[i] if has else "",
            lon=round(float(lon[i]), WKT_DECIMALS) if has else None,
            lat=round(float(lat[i]), WKT_DECIMALS) if has else None,
            rd_x=round(float(rd_x[i]), RD_DECIMALS) if has else None,
            rd_y=round(float(rd_y[i]), RD_DECIMALS) if has else None,
            text=text, status=status, support=int(support), objection=int(objection), replies=int(replies),
            created_at=created_at, participant=participant_id(secret, round_.id, author_id),
        ))
    return rows


def iter_contribution_batches(round_: Round, secret: str, include_all: bool = False, batch: int = BATCH):
    """Lists of ExportRows, `batch` at a time, read with a server-side cursor where there is one."""
    result = db.session.execute(contribution_query(round_, include_all).execution_options(yield_per=batch))
    for rows in result.partitions():
        yield _rows_from_batch(round_, rows, secret)


# --- CSV and GeoJSON, streamed ----------------------------------------------------------------------

def _csv_value(value):
    if value is None:
        return ""
    if isinstance(value, datetime):
        return local_time(value).isoformat(timespec="seconds")
    return safe_cell(value)


def iter_csv(batches, columns: list[str], delimiter: str = ","):
    """CSV as UTF-8 bytes with a BOM (so Excel shows ë and é), one chunk per batch."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(columns)
    yield ("\ufeff" + buffer.getvalue()).encode()
    for batch in batches:
        buffer.seek(0)
        buffer.truncate()
        for row in batch:
            writer.writerow([_csv_value(v) for v in row.values(columns)])
        yield buffer.getvalue().encode()


def _json_value(value):
    if isinstance(value, datetime):
        return local_time(value).isoformat(timespec="seconds")
    return value


def row_feature(row: ExportRow, columns: list[str]) -> dict:
    properties = {name: _json_value(getattr(row, name)) for name in columns if name not in GEOMETRY_COLUMNS}
    return {"type": "Feature", "id": row.id, "geometry": row.geometry, "properties": properties}


def iter_geojson(batches, columns: list[str], name: str, metadata: dict | None = None):
    """An RFC 7946 FeatureCollection (WGS84, no `crs` member), written feature by feature."""
    head = {"type": "FeatureCollection", "name": name, **(metadata or {})}
    opening = json.dumps(head, ensure_ascii=False)[:-1] + ', "features": ['
    yield opening.encode()
    first = True
    for batch in batches:
        parts = [json.dumps(row_feature(row, columns), ensure_ascii=False, separators=(",", ":")) for row in batch]
        if parts:
            yield (("" if first else ",\n") + ",\n".join(parts)).encode()
            first = False
    yield b"]}\n"


# --- plan layers ------------------------------------------------------------------------------------

def layer_slug(layer: Layer) -> str:
    """A readable, URL-safe name for a layer, from its name."""
    text = unicodedata.normalize("NFKD", layer.name).encode("ascii", "ignore").decode().lower()
    slug = re.sub(r"[^a-z0-9]+", "-", text).strip("-")[:60].strip("-")
    return slug or f"laag-{layer.id}"


def layer_versions_of(round_: Round, published_only: bool = False) -> list[tuple[Layer, LayerVersion]]:
    """(layer, version) for every version of every layer of the round, GeoJSON included."""
    query = (select(Layer, LayerVersion).join(LayerVersion, LayerVersion.layer_id == Layer.id)
             .where(Layer.round_id == round_.id)
             .options(undefer(LayerVersion.geojson))
             .order_by(Layer.position, Layer.id, LayerVersion.number))
    if published_only:
        query = query.where(LayerVersion.published.is_(True))
    return [(layer, version) for layer, version in db.session.execute(query)]


def version_geojson(layer: Layer, version: LayerVersion) -> dict:
    """A layer version as an RFC 7946 FeatureCollection with the version's facts as foreign members."""
    collection = version.geojson or {"type": "FeatureCollection", "features": []}
    return {
        "type": "FeatureCollection",
        "name": f"{layer_slug(layer)}-v{version.number}",
        "layer": layer.name,
        "version": version.number,
        "published": version.published,
        "created_at": local_time(version.created_at).isoformat(timespec="seconds"),
        "note": version.note,
        "features": collection.get("features", []),
    }


def layers_zip(round_: Round) -> tuple[bytes, int]:
    """A ZIP with one GeoJSON file per plan-layer version; returns (bytes, number of zones)."""
    buffer = io.BytesIO()
    zones = 0
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for layer, version in layer_versions_of(round_):
            data = version_geojson(layer, version)
            zones += len(data["features"])
            archive.writestr(f"{round_.slug}-{data['name']}.geojson",
                             json.dumps(data, ensure_ascii=False, indent=1))
    return buffer.getvalue(), zones


# --- replies, zone votes, figures -------------------------------------------------------------------

def iter_replies(round_: Round, secret: str, include_all: bool = False, batch: int = BATCH):
    """(id, contribution id, participant, text, status, created_at) of the exported contributions'
    replies: published ones, or all with `include_all`."""
    statuses = _statuses(include_all)
    query = (select(Reply.id, Reply.contribution_id, Reply.author_id, Reply.text, Reply.status, Reply.created_at)
             .join(Contribution, Contribution.id == Reply.contribution_id)
             .where(Contribution.round_id == round_.id, Contribution.status.in_(statuses), Reply.status.in_(statuses))
             .order_by(Reply.id).execution_options(yield_per=batch))
    for id_, contribution_id, author_id, text, status, created_at in db.session.execute(query):
        yield [id_, contribution_id, participant_id(secret, round_.id, author_id), text, status, created_at]


def session_rows(round_: Round, include_all: bool = False) -> list[list]:
    """The round's map-table sessions (SESSION_COLUMNS): invited organisations, start (UTC) and the
    number of contributions given in each. Sessions have no planned end: `ends_at` stays empty."""
    from ..maptable.models import MapTableSession

    sessions = db.session.scalars(select(MapTableSession).where(MapTableSession.round_id == round_.id)
                                  .order_by(MapTableSession.starts_at, MapTableSession.id)).all()
    counts = dict(db.session.execute(
        select(Contribution.session_id, func.count(Contribution.id))
        .where(Contribution.round_id == round_.id, Contribution.session_id.is_not(None),
               Contribution.status.in_(_statuses(include_all)))
        .group_by(Contribution.session_id)).all())
    return [[s.id, s.title, s.theme, "; ".join(o.name for o in s.organisations), s.starts_at, None,
             counts.get(s.id, 0)] for s in sessions]


def zone_vote_rows(round_: Round) -> list[list]:
    """Support and objection per zone of the current plan-layer versions."""
    counts = zone_vote_counts(round_)
    views = {view.layer.id: view for view in rounds.current_layers(round_, with_geojson=False)}
    rows = []
    for zone in rounds.current_zones(round_):
        view = views.get(zone.layer_id)
        support, objection = counts.get((zone.layer_id, zone.key), (0, 0))
        rows.append([view.layer.name if view else "", view.version.number if view and view.version else None,
                     zone.key, zone.name, zone.category, support, objection])
    return rows


@dataclass
class Figures:
    """The round's figures for the report and the `figures` sheet (all from published input, except
    `by_status`)."""

    contributions: int = 0
    participants: int = 0
    support: int = 0
    objection: int = 0
    replies: int = 0
    zone_support: int = 0
    zone_objection: int = 0
    first: datetime | None = None
    last: datetime | None = None
    by_theme: dict = field(default_factory=dict)
    by_channel: dict = field(default_factory=dict)
    by_kind: dict = field(default_factory=dict)
    by_status: dict = field(default_factory=dict)
    by_week: dict = field(default_factory=dict)
    top_zones: list = field(default_factory=list)  # zone vote rows, most support first
    top_contributions: list = field(default_factory=list)  # (id, theme, text, support, objection)

    def rows(self) -> list[list]:
        """The figures as (figure, key, value) rows."""
        out = [["contributions", "", self.contributions], ["participants", "", self.participants],
               ["support", "", self.support], ["objection", "", self.objection], ["replies", "", self.replies],
               ["zone_support", "", self.zone_support], ["zone_objection", "", self.zone_objection],
               ["first_contribution", "", self.first], ["last_contribution", "", self.last]]
        for name, mapping in (("theme", self.by_theme), ("channel", self.by_channel),
                              ("geometry_type", self.by_kind), ("status", self.by_status), ("week", self.by_week)):
            out += [[name, key, value] for key, value in mapping.items()]
        return out


def _grouped(column, round_id: int, published: bool = True) -> dict:
    query = select(column, func.count(Contribution.id)).where(Contribution.round_id == round_id)
    if published:
        query = query.where(Contribution.status == PUBLISHED)
    return {key if key is not None else "": n for key, n in db.session.execute(query.group_by(column).order_by(column))}


def round_figures(round_: Round, top: int = 10) -> Figures:
    """Counts for the report, in a fixed number of grouped queries."""
    published = (Contribution.round_id == round_.id, Contribution.status == PUBLISHED)
    total, participants, first, last = db.session.execute(
        select(func.count(Contribution.id), func.count(func.distinct(Contribution.author_id)),
               func.min(Contribution.created_at), func.max(Contribution.created_at)).where(*published)).one()
    votes = dict(db.session.execute(
        select(Vote.value, func.count(Vote.id)).join(Contribution, Contribution.id == Vote.contribution_id)
        .where(*published).group_by(Vote.value)).all())
    zone_votes = dict(db.session.execute(
        select(Vote.value, func.count(Vote.id)).where(Vote.round_id == round_.id, Vote.layer_id.is_not(None))
        .group_by(Vote.value)).all())
    replies = db.session.scalar(select(func.count(Reply.id)).join(Contribution, Contribution.id == Reply.contribution_id)
                                .where(*published, Reply.status == PUBLISHED))
    by_theme = _grouped(Contribution.theme, round_.id)
    ordered_themes = {theme: by_theme.pop(theme, 0) for theme in round_.themes}
    ordered_themes.update(by_theme)
    weeks: dict = {}
    for (created,) in db.session.execute(select(Contribution.created_at).where(*published)
                                         .execution_options(yield_per=5000)):
        year, week, _day = local_time(created).isocalendar()
        key = f"{year}-W{week:02d}"
        weeks[key] = weeks.get(key, 0) + 1
    zone_rows = sorted(zone_vote_rows(round_), key=lambda r: (-r[5], r[6], r[3]))
    votes_sq = _vote_totals(round_.id)
    top_rows = db.session.execute(
        select(Contribution.id, Contribution.theme, Contribution.text, func.coalesce(votes_sq.c.support, 0),
               func.coalesce(votes_sq.c.objection, 0))
        .outerjoin(votes_sq, votes_sq.c.contribution_id == Contribution.id).where(*published)
        .order_by(func.coalesce(votes_sq.c.support, 0).desc(), Contribution.id).limit(top)).all()
    return Figures(
        contributions=total, participants=participants, support=votes.get(SUPPORT, 0),
        objection=votes.get(OBJECTION, 0), replies=replies or 0, zone_support=zone_votes.get(SUPPORT, 0),
        zone_objection=zone_votes.get(OBJECTION, 0), first=first, last=last, by_theme=ordered_themes,
        by_channel=_grouped(Contribution.channel, round_.id), by_kind=_grouped(Contribution.geometry_type, round_.id),
        by_status=_grouped(Contribution.status, round_.id, published=False), by_week=dict(sorted(weeks.items())),
        top_zones=zone_rows[:top], top_contributions=[tuple(r) for r in top_rows],
    )


# --- the map extract --------------------------------------------------------------------------------

@dataclass
class MapExtract:
    """A static map in RD New metres, ready to draw in SVG (HTML report) or reportlab (PDF):
    zone outlines by category, and contributions counted per grid cell (never one dot per person)."""

    width: float
    height: float
    zones: list  # (category, [[(x, y), ...] rings in drawing units])
    cells: list  # (x, y, count) in drawing units
    categories: list  # categories in order of first appearance
    max_count: int = 0

    def svg_path(self, rings) -> str:
        return " ".join("M" + " L".join(f"{x:.1f},{y:.1f}" for x, y in ring) + " Z" for ring in rings)


def _rings(geom) -> list:
    if geom.geom_type == "Polygon":
        return [list(geom.exterior.coords)]
    if geom.geom_type == "MultiPolygon":
        return [list(p.exterior.coords) for p in geom.geoms]
    if geom.geom_type in ("LineString", "MultiLineString"):
        return [list(line.coords) for line in getattr(geom, "geoms", [geom])]
    return []


def map_extract(round_: Round, width: float = 600, grid: int = 48) -> MapExtract | None:
    """The round's area, its current zones and a grid of published contributions, in RD New and
    scaled to `width` drawing units (y downwards, as SVG wants). None without any place to show."""
    area = rounds.round_area(round_)
    zones = rounds.current_zones(round_)
    shapes = [shapely.geometry.shape(z.geometry) for z in zones]
    bounds_source = [shapely.geometry.shape(area)] if area else shapes
    centres = db.session.execute(
        select((Contribution.min_lon + Contribution.max_lon) / 2, (Contribution.min_lat + Contribution.max_lat) / 2)
        .where(Contribution.round_id == round_.id, Contribution.status == PUBLISHED, Contribution.min_lon.is_not(None))
        .execution_options(yield_per=5000)).all()
    if not bounds_source and not centres:
        return None
    if bounds_source:
        min_lon, min_lat, max_lon, max_lat = shapely.unary_union(bounds_source).bounds
    else:
        lons, lats = [c[0] for c in centres], [c[1] for c in centres]
        min_lon, min_lat, max_lon, max_lat = min(lons), min(lats), max(lons), max(lats)
    (x0, x1), (y0, y1) = to_rd([min_lon, max_lon], [min_lat, max_lat])
    span_x, span_y = max(x1 - x0, 1.0), max(y1 - y0, 1.0)
    scale = width / span_x
    height = span_y * scale

    def project(coords):
        xs, ys = to_rd([c[0] for c in coords], [c[1] for c in coords])
        return [((x - x0) * scale, (y1 - y) * scale) for x, y in zip(xs, ys)]

    drawn, categories = [], []
    for zone, geom in zip(zones, shapes):
        if zone.category not in categories:
            categories.append(zone.category)
        drawn.append((zone.category, [project(ring) for ring in _rings(geom)]))
    cells: dict = {}
    if centres:
        xs, ys = to_rd(np.array([c[0] for c in centres]), np.array([c[1] for c in centres]))
        size = max(span_x, span_y) / grid
        for x, y in zip(xs, ys):
            key = (int((x - x0) // size), int((y1 - y) // size))
            cells[key] = cells.get(key, 0) + 1
        cell_list = [((i + 0.5) * size * scale, (j + 0.5) * size * scale, n) for (i, j), n in sorted(cells.items())]
    else:
        cell_list = []
    return MapExtract(width, height, drawn, cell_list, categories, max((c[2] for c in cell_list), default=0))


# --- the summary sheet ------------------------------------------------------------------------------

# How each round figure is counted, for the `method` column of the summary sheet.
FIGURE_METHODS = {
    "contributions": "Aantal gepubliceerde inbreng in de ronde, geteld in de database bij het exporteren.",
    "participants": "Aantal verschillende accounts met gepubliceerde inbreng (inbreng zonder account niet meegeteld).",
    "support": "Aantal keer steun op gepubliceerde inbreng.",
    "objection": "Aantal keer bezwaar op gepubliceerde inbreng.",
    "replies": "Aantal gepubliceerde antwoorden onder gepubliceerde inbreng.",
    "zone_support": "Aantal keer steun op zones van de kaartlaag.",
    "zone_objection": "Aantal keer bezwaar op zones van de kaartlaag.",
    "first_contribution": "Moment van de eerste gepubliceerde inbreng (Nederlandse tijd).",
    "last_contribution": "Moment van de laatste gepubliceerde inbreng (Nederlandse tijd).",
}
SUMMARY_KEYWORDS = 10


def latest_published_summary(round_: Round):
    """The round's newest published summary of all themes (for the team or for everyone), or None."""
    from ..summaries.models import PUBLISHED as SUMMARY_PUBLISHED
    from ..summaries.models import Summary

    return db.session.scalar(
        select(Summary).where(Summary.round_id == round_.id, Summary.status == SUMMARY_PUBLISHED,
                              Summary.theme.is_(None))
        .order_by(Summary.version.desc(), Summary.id.desc()).limit(1))


def summary_rows(round_: Round, figures: Figures | None = None) -> list[list]:
    """The `summary` sheet: the round's figures as counted now, each with how it is counted, and
    then the newest published summary of the round (its version, totals and top keywords), if any.
    Rows are (figure, value, method)."""
    figures = figures or round_figures(round_)
    rows = [
        ["contributions", figures.contributions], ["participants", figures.participants],
        ["support", figures.support], ["objection", figures.objection], ["replies", figures.replies],
        ["zone_support", figures.zone_support], ["zone_objection", figures.zone_objection],
        ["first_contribution", figures.first], ["last_contribution", figures.last],
    ]
    rows = [[name, value, FIGURE_METHODS[name]] for name, value in rows]
    summary = latest_published_summary(round_)
    if summary is None:
        rows.append(["summary.version", None, "Er is nog geen gepubliceerde samenvatting van deze ronde."])
        return rows
    content = summary.content or {}
    method = (f"Gepubliceerde samenvatting versie {summary.version} (algoritme {summary.algorithm_version}), "
              f"berekend uit de inbreng van dat moment.")
    rows += [
        ["summary.version", summary.version, method],
        ["summary.visibility", summary.visibility, "public: voor iedereen; team: alleen voor medewerkers."],
        ["summary.computed_at", summary.computed_at, "Wanneer de samenvatting is berekend (Nederlandse tijd)."],
        ["summary.published_at", summary.published_at, "Wanneer de samenvatting is gepubliceerd (Nederlandse tijd)."],
        ["summary.contributions", summary.contribution_count, "Aantal inbreng waarover de samenvatting gaat."],
    ]
    for name, value in (content.get("totals") or {}).items():
        rows.append([f"summary.totals.{name}", value, method])
    for index, keyword in enumerate((content.get("keywords") or [])[:SUMMARY_KEYWORDS], start=1):
        rows.append([f"summary.keyword.{index}", keyword.get("term"),
                     f"Trefwoord {index} van de samenvatting; komt voor in {keyword.get('count')} keer inbreng."])
    return rows


# --- XLSX -------------------------------------------------------------------------------------------

def _xlsx_sheet(workbook, title: str, columns: list[str], widths: dict | None = None):
    """A write-only sheet with a bold, filled, frozen header row. Views and widths must be set
    before the first row: a write-only sheet writes its head when the first row arrives."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    sheet = workbook.create_sheet(title)
    sheet.freeze_panes = "A2"
    for index, name in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = (widths or {}).get(name, max(10, len(name) + 4))
    header = []
    for name in columns:
        cell = WriteOnlyCell(sheet, value=name)
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor="1F4E79")
        cell.alignment = Alignment(vertical="top")
        header.append(cell)
    sheet.append(header)
    return sheet


def _xlsx_row(sheet, values: list) -> list:
    """One row: times as Amsterdam times, and text that openpyxl would write as a formula (it starts
    with "=") as a text cell. Other values go in as they are: a cell object per value is slow."""
    from openpyxl.cell import WriteOnlyCell

    row = []
    for value in values:
        if isinstance(value, datetime):
            value = local_time(value).replace(tzinfo=None)
        elif isinstance(value, str) and value.startswith("="):
            cell = WriteOnlyCell(sheet, value=value)
            cell.data_type = "s"
            value = cell
        row.append(value)
    return row


def _finish(sheet, columns: list[str], rows: int) -> None:
    from openpyxl.utils import get_column_letter

    sheet.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{rows + 1}"


def write_xlsx(round_: Round, target, secret: str, include_all: bool = False, report=None) -> int:
    """Write the round's workbook (write-only mode: rows go to disk as they come) into `target`,
    a path or a binary file. Returns the number of contributions. `report(done, total)` hears
    after each batch of contributions how far the writing is (the export job's progress)."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = _xlsx_sheet(workbook, "contributions", CONTRIBUTION_COLUMNS,
                        {"text": 80, "geometry_wkt": 40, "created_at": 18, "participant": 18, "zone": 24})
    count = 0
    batches = iter_contribution_batches(round_, secret, include_all)
    if report is not None:
        batches = reporting(batches, count_contributions(round_, include_all), report)
    for batch in batches:
        for row in batch:
            sheet.append(_xlsx_row(sheet, row.values(CONTRIBUTION_COLUMNS)))
        count += len(batch)
    _finish(sheet, CONTRIBUTION_COLUMNS, count)

    sheet = _xlsx_sheet(workbook, "replies", REPLY_COLUMNS, {"text": 80, "created_at": 18, "participant": 18})
    replies = 0
    for values in iter_replies(round_, secret, include_all):
        sheet.append(_xlsx_row(sheet, values))
        replies += 1
    _finish(sheet, REPLY_COLUMNS, replies)

    sheet = _xlsx_sheet(workbook, "votes per zone", ZONE_VOTE_COLUMNS, {"layer": 30, "zone": 30})
    zone_rows = zone_vote_rows(round_)
    for values in zone_rows:
        sheet.append(_xlsx_row(sheet, values))
    _finish(sheet, ZONE_VOTE_COLUMNS, len(zone_rows))

    sheet = _xlsx_sheet(workbook, "sessions", SESSION_COLUMNS, {"title": 40, "organisations": 60, "starts_at": 18})
    session_values = session_rows(round_, include_all)
    for values in session_values:
        sheet.append(_xlsx_row(sheet, values))
    _finish(sheet, SESSION_COLUMNS, len(session_values))
    figures = round_figures(round_)
    sheet = _xlsx_sheet(workbook, "summary", SUMMARY_COLUMNS, {"figure": 30, "value": 24, "method": 90})
    summary_values = summary_rows(round_, figures)
    for values in summary_values:
        sheet.append(_xlsx_row(sheet, values))
    _finish(sheet, SUMMARY_COLUMNS, len(summary_values))

    sheet = _xlsx_sheet(workbook, "figures", FIGURE_COLUMNS, {"figure": 22, "key": 22})
    figure_rows = figures.rows()
    for values in figure_rows:
        sheet.append(_xlsx_row(sheet, values))
    _finish(sheet, FIGURE_COLUMNS, len(figure_rows))
    workbook.save(target)
    return count


# --- large exports: a file written by a job ---------------------------------------------------------

# Formats that a job writes to a file when a round has more rows than EXPORT_JOB_THRESHOLD.
JOB_FORMATS = ("csv", "geojson", "xlsx")
EXTENSIONS = {"csv": "csv", "geojson": "geojson", "xlsx": "xlsx"}


def reporting(batches, total: int, report):
    """Pass batches on, telling `report(done, total)` after each how many rows have gone."""
    done = 0
    for batch in batches:
        yield batch
        done += len(batch)
        report(done, total)


def write_export(round_: Round, fmt: str, target, secret: str, include_all: bool = False, delimiter: str = ",",
                 report=None) -> int:
    """Write a round's contribution export as `fmt` (csv, geojson or xlsx) into the binary file
    `target`, with the very writers the streamed download uses, chunk by chunk. Returns the number
    of contributions written."""
    if fmt == "xlsx":
        return write_xlsx(round_, target, secret, include_all, report=report)
    if fmt not in ("csv", "geojson"):
        raise ValueError(f"no file export for format {fmt!r}")
    total = count_contributions(round_, include_all)
    written = [0]

    def counted(done, _total):
        written[0] = done
        if report is not None:
            report(done, total)

    batches = reporting(iter_contribution_batches(round_, secret, include_all), total, counted)
    if fmt == "csv":
        chunks = iter_csv(batches, CONTRIBUTION_COLUMNS, delimiter)
    else:
        chunks = iter_geojson(batches, CONTRIBUTION_COLUMNS, round_.slug)
    for chunk in chunks:
        target.write(chunk)
    return written[0]


# --- contacts (admins only, with a purpose) ---------------------------------------------------------

def contact_rows(round_: Round, secret: str) -> list[list]:
    """Everyone with an account who contributed or replied in the round: pseudonymous id (to link
    with the policy exports), name, e-mail address, and how much they wrote. Only for the admin's
    contact export, which records its purpose in the audit log."""
    contributed = (select(Contribution.author_id.label("user_id"), func.count(Contribution.id).label("n"))
                   .where(Contribution.round_id == round_.id, Contribution.author_id.is_not(None))
                   .group_by(Contribution.author_id).subquery())
    replied = (select(Reply.author_id.label("user_id"), func.count(Reply.id).label("n"))
               .join(Contribution, Contribution.id == Reply.contribution_id)
               .where(Contribution.round_id == round_.id, Reply.author_id.is_not(None))
               .group_by(Reply.author_id).subquery())
    query = (select(User.id, User.display_name, User.email, func.coalesce(contributed.c.n, 0),
                    func.coalesce(replied.c.n, 0))
             .outerjoin(contributed, contributed.c.user_id == User.id)
             .outerjoin(replied, replied.c.user_id == User.id)
             .where(or_(contributed.c.user_id.is_not(None), replied.c.user_id.is_not(None)))
             .order_by(User.id))
    return [[participant_id(secret, round_.id, user_id), name, email, int(c), int(r)]
            for user_id, name, email, c, r in db.session.execute(query)]


def utc_stamp() -> str:
    return datetime.now(timezone.utc).strftime("%Y%m%d-%H%M")


# --- export jobs: start, build, download, expire ----------------------------------------------------
# A large export (more rows than EXPORT_JOB_THRESHOLD) is written by a job into
# <instance>/exports/<random token>.<ext>: never a name a user chose. The token is one of the job's
# arguments, so the job's record says which file is its own; the download looks only there.

JOB_KIND = "export"
JOB_FUNCTION = "participatie.exports.tasks.build_export"
PURGE_KEY = "exports-purge"
PURGE_FUNCTION = "participatie.exports.tasks.purge_expired"
PURGE_HOUR = 4  # 04:00 Europe/Amsterdam
DEFAULT_JOB_THRESHOLD = 10_000
DEFAULT_FILE_HOURS = 24
EXPIRED = "expired"  # the record's step once its file has been removed
_TOKEN = re.compile(r"[0-9a-f]{32}")


class ExportJobError(Exception):
    """An export job that cannot do its work; `plain_message` is shown to staff."""

    def __init__(self, plain_message: str):
        super().__init__(plain_message)
        self.plain_message = plain_message


def job_threshold() -> int:
    from flask import current_app

    value = current_app.config.get("EXPORT_JOB_THRESHOLD")
    return DEFAULT_JOB_THRESHOLD if value in (None, "") else int(value)


def file_hours() -> float:
    from flask import current_app

    value = current_app.config.get("EXPORT_FILE_HOURS")
    return DEFAULT_FILE_HOURS if value in (None, "") else float(value)


def export_dir():
    """The folder of export files (EXPORT_DIR, else exports/ in the instance folder), made if missing."""
    from pathlib import Path

    from flask import current_app

    folder = Path(current_app.config.get("EXPORT_DIR") or Path(current_app.instance_path) / "exports")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def needs_job(fmt: str, rows: int) -> bool:
    """Whether this export is built by a job instead of streamed at once."""
    return fmt in JOB_FORMATS and rows > job_threshold()


def start_job(round_: Round, user, fmt: str, include_all: bool, delimiter: str):
    """Queue an export job with a new random file token; returns its JobRecord. Raises
    jobs.QueueUnavailable when the queue cannot be reached."""
    import secrets

    from .. import jobs

    if fmt not in JOB_FORMATS:
        raise ValueError(f"no file export for format {fmt!r}")
    return jobs.enqueue(JOB_FUNCTION, round_.id, fmt, bool(include_all), delimiter, secrets.token_hex(16),
                        kind=JOB_KIND, round_id=round_.id, created_by=user)


def job_args(record) -> tuple[int, str, bool, str, str]:
    """(round id, format, include_all, delimiter, token) of an export job's record."""
    round_id, fmt, include_all, delimiter, token = record.args
    return round_id, fmt, include_all, delimiter, token


def file_path(fmt: str, token: str):
    """The path of an export file, only for a well-formed token and a known format."""
    if fmt not in JOB_FORMATS or not isinstance(token, str) or not _TOKEN.fullmatch(token):
        raise ValueError("not an export file")
    return export_dir() / f"{token}.{EXTENSIONS[fmt]}"


def job_file(record):
    """The finished file of an export job's record, or None (not finished, expired or gone)."""
    from .. import jobs

    if record.kind != JOB_KIND or record.status != jobs.FINISHED or record.step == EXPIRED:
        return None
    _round_id, fmt, _all, _delimiter, token = job_args(record)
    try:
        path = file_path(fmt, token)
    except ValueError:  # not a record this code wrote: never look elsewhere on disk
        return None
    return path if path.is_file() else None


def expires_at(record) -> datetime | None:
    """When a finished export's file is removed (naive UTC)."""
    from datetime import timedelta

    if record.finished_at is None:
        return None
    return record.finished_at + timedelta(hours=file_hours())


def is_expired(record, now: datetime | None = None) -> bool:
    from ..accounts.models import utcnow

    if record.step == EXPIRED:
        return True
    until = expires_at(record)
    return until is not None and (now or utcnow()) >= until


def expire(record) -> None:
    """Remove an export job's file and remember that it is gone. The caller commits."""
    _round_id, fmt, _all, _delimiter, token = job_args(record)
    try:
        path = file_path(fmt, token)
    except ValueError:
        path = None
    for candidate in (path, path.with_name(path.name + ".part")) if path else ():
        candidate.unlink(missing_ok=True)
    record.step = EXPIRED


def build_file(round_id: int, fmt: str, include_all: bool, delimiter: str, token: str) -> int:
    """The work of an export job: write the file beside its final name and move it there when it
    is complete, so a download never sees half a file. A second attempt writes it anew. Returns
    the number of contributions written (kept as the record's result)."""
    import os

    from flask import current_app

    from .. import jobs

    round_ = db.session.get(Round, round_id)
    if round_ is None:
        raise ExportJobError(jobs.N_("De ronde bestaat niet meer."))
    path = file_path(fmt, token)
    partial = path.with_name(path.name + ".part")
    jobs.progress(1, "count")

    def report(done: int, total: int) -> None:
        jobs.progress(2 + int(95 * done / total) if total else 97, "write")

    try:
        with open(partial, "wb") as target:
            rows = write_export(round_, fmt, target, current_app.config["SECRET_KEY"], include_all,
                                delimiter, report)
        jobs.progress(98, "save")
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return rows


def purge_expired(now: datetime | None = None) -> int:
    """Remove the files of finished exports older than EXPORT_FILE_HOURS, and stray files (of
    failed jobs) just as old. Returns how many records expired."""
    import time
    from datetime import timedelta

    from .. import jobs
    from ..accounts.models import utcnow

    now = now or utcnow()
    cutoff = now - timedelta(hours=file_hours())
    records = db.session.scalars(select(jobs.JobRecord).where(
        jobs.JobRecord.kind == JOB_KIND, jobs.JobRecord.finished_at.is_not(None),
        jobs.JobRecord.finished_at <= cutoff, jobs.JobRecord.step != EXPIRED)).all()
    for record in records:
        expire(record)
    db.session.commit()
    oldest = time.time() - (now - cutoff).total_seconds()
    for path in export_dir().iterdir():
        if path.is_file() and path.stat().st_mtime < oldest:
            path.unlink(missing_ok=True)
    return len(records)
