"""Rounds: creating and changing them, when they are open, their area and map view, plan layers in
numbered versions, and their zones.

Times are stored as naive UTC. People enter and read them in Europe/Amsterdam: `local_to_utc()` and
`utc_to_local()` convert. A round is open from `starts_at` (inclusive) to `ends_at` (exclusive); no
job opens or closes it, every check compares with the clock.
"""
import math
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import shapely
from flask_babel import format_date, format_time
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import undefer

from ..accounts.models import utcnow
from ..extensions import db
from ..permissions import is_staff
from ..projects.models import Project
from . import geo
from .errors import ValidationError
from .layers import parse_layer
from .models import (
    DEFAULT_THEMES,
    GEOMETRY_KINDS,
    POST_MODERATION,
    PRE_MODERATION,
    VOTES_KEEP_ANONYMOUS,
    VOTES_REMOVE,
    Layer,
    LayerVersion,
    Round,
    Zone,
)
from .places import MUNICIPALITIES, Place

AMSTERDAM = ZoneInfo("Europe/Amsterdam")

UPCOMING = "upcoming"
OPEN = "open"
CLOSED = "closed"

SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
THEME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9 _-]{0,39}$")
DEFAULT_ZOOM = 10
# How far (in degrees, about 50 m) a contribution may lie outside the round's area: a point on the
# border line drawn with a finger must not be refused.
AREA_TOLERANCE = 0.0005


# --- time -------------------------------------------------------------------------------------------

def local_to_utc(value: datetime) -> datetime:
    """A date-time as entered in Europe/Amsterdam (naive) or aware, as naive UTC for storage."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=AMSTERDAM)
    return value.astimezone(timezone.utc).replace(tzinfo=None)


def utc_to_local(value: datetime) -> datetime:
    """A stored naive UTC date-time as an aware Europe/Amsterdam date-time, for showing or forms."""
    return value.replace(tzinfo=timezone.utc).astimezone(AMSTERDAM)


def round_state(round_: Round, now: datetime | None = None) -> str:
    """UPCOMING, OPEN or CLOSED at `now` (naive UTC, default the current time)."""
    now = now or utcnow()
    if now < round_.starts_at:
        return UPCOMING
    if now < round_.ends_at:
        return OPEN
    return CLOSED


def is_open(round_: Round, now: datetime | None = None) -> bool:
    return round_state(round_, now) == OPEN


def _when(value: datetime) -> dict:
    # format_date/format_time convert naive UTC to BABEL_DEFAULT_TIMEZONE (Europe/Amsterdam).
    return {"date": format_date(value, "long"), "time": format_time(value, "HH:mm")}


def status_text(round_: Round, now: datetime | None = None) -> str:
    """What the round's state means for a resident, in plain words (needs a request for the locale)."""
    state = round_state(round_, now)
    if state == UPCOMING:
        return str(_l("Deze ronde begint op %(date)s om %(time)s.", **_when(round_.starts_at)))
    if state == OPEN:
        return str(_l("U kunt meedoen tot %(date)s om %(time)s.", **_when(round_.ends_at)))
    return str(_l("Deze ronde is gesloten sinds %(date)s. U kunt alles nog lezen, maar niet meer reageren.",
                  date=format_date(round_.ends_at, "long")))


# --- rounds -----------------------------------------------------------------------------------------

def get_round(slug: str) -> Round | None:
    return db.session.scalar(select(Round).where(Round.slug == slug))


def visible_round(slug: str, viewer=None) -> Round | None:
    """The round with this slug if the viewer may see it: its project is published, or the viewer is
    staff (who prepare rounds in draft projects). Views answer 404 on None."""
    round_ = get_round(slug)
    if round_ is None:
        return None
    if round_.project.is_published or is_staff(viewer):
        return round_
    return None


def rounds_of_project(project: Project) -> list[Round]:
    return list(db.session.scalars(select(Round).where(Round.project_id == project.id).order_by(Round.starts_at)))


def round_area(round_: Round) -> dict | None:
    """The GeoJSON area contributions must lie in: the round's own, else the project's."""
    if round_.area:
        return round_.area
    return round_.project.area if round_.project else None


def round_area_shape(round_: Round):
    """The round's area as a prepared shapely geometry (with a small tolerance), or None."""
    return geo.area_shape(round_area(round_), AREA_TOLERANCE)


def map_view(round_: Round) -> tuple[float, float, int]:
    """(lat, lon, zoom) for the map's start view: the configured one, else the middle of the area."""
    if round_.center_lat is not None and round_.center_lon is not None:
        return round_.center_lat, round_.center_lon, round_.zoom or DEFAULT_ZOOM
    area = geo.area_shape(round_area(round_))
    if area is not None:
        min_lon, min_lat, max_lon, max_lat = area.bounds
        return (min_lat + max_lat) / 2, (min_lon + max_lon) / 2, round_.zoom or DEFAULT_ZOOM
    return 52.08, 5.18, round_.zoom or DEFAULT_ZOOM


_ROUND_FIELDS = (
    "slug", "title", "question", "instructions", "starts_at", "ends_at", "themes", "allowed_geometries",
    "votes_enabled", "moderation", "center_lat", "center_lon", "zoom", "area",
    "privacy_purpose", "privacy_legal_basis", "privacy_contact", "votes_on_account_deletion",
)


def _clean_round_fields(values: dict, current: Round | None) -> dict:
    """Check and normalise round settings; raises ValidationError with every problem at once."""
    errors, out = {}, {}
    if "slug" in values:
        slug = (values["slug"] or "").strip().lower()
        if not SLUG_PATTERN.match(slug) or len(slug) > 120:
            errors["slug"] = _l("Gebruik alleen kleine letters, cijfers en streepjes.")
        elif db.session.scalar(select(Round.id).where(Round.slug == slug, Round.id != (current.id if current else -1))):
            errors["slug"] = _l("Er is al een ronde met dit webadres.")
        out["slug"] = slug
    if "title" in values:
        title = (values["title"] or "").strip()
        if not title:
            errors["title"] = _l("Geef de ronde een titel.")
        elif len(title) > 200:
            errors["title"] = _l("De titel is te lang (maximaal 200 tekens).")
        out["title"] = title
    for name in ("question", "instructions"):
        if name in values:
            out[name] = (values[name] or "").strip()
    for name in ("starts_at", "ends_at"):
        if name in values:
            if not isinstance(values[name], datetime):
                errors[name] = _l("Vul een datum en tijd in.")
            else:
                out[name] = local_to_utc(values[name])
    starts = out.get("starts_at", current.starts_at if current else None)
    ends = out.get("ends_at", current.ends_at if current else None)
    if starts and ends and ends <= starts and "starts_at" not in errors and "ends_at" not in errors:
        errors["ends_at"] = _l("Het einde moet na het begin liggen.")
    if "themes" in values:
        themes = values["themes"] if values["themes"] is not None else list(DEFAULT_THEMES)
        themes = [str(t).strip().lower() for t in themes if str(t).strip()]
        themes = list(dict.fromkeys(themes))  # keep order, drop doubles
        if not themes:
            errors["themes"] = _l("Kies minstens één thema.")
        elif not all(THEME_PATTERN.match(t) for t in themes):
            errors["themes"] = _l("Een thema is een kort woord van kleine letters (maximaal 40 tekens).")
        out["themes"] = themes
    if "allowed_geometries" in values:
        kinds = values["allowed_geometries"] if values["allowed_geometries"] is not None else list(GEOMETRY_KINDS)
        kinds = [k for k in GEOMETRY_KINDS if k in set(kinds)]
        if not kinds or set(values["allowed_geometries"] or GEOMETRY_KINDS) - set(GEOMETRY_KINDS):
            errors["allowed_geometries"] = _l("Kies uit punt, lijn en vlak (minstens één).")
        out["allowed_geometries"] = kinds
    if "votes_enabled" in values:
        out["votes_enabled"] = bool(values["votes_enabled"])
    if "moderation" in values:
        if values["moderation"] not in (PRE_MODERATION, POST_MODERATION):
            errors["moderation"] = _l("Kies moderatie vooraf of achteraf.")
        out["moderation"] = values["moderation"]
    if "center_lat" in values or "center_lon" in values:
        lat, lon = _float_or_none(values.get("center_lat")), _float_or_none(values.get("center_lon"))
        if (lat is None) != (lon is None):
            errors["center"] = _l("Vul zowel de breedte- als de lengtegraad in, of geen van beide.")
        elif lat is not None and not geo.in_netherlands(shapely.Point(lon, lat)):
            errors["center"] = _l("Het middelpunt van de kaart ligt niet in Nederland.")
        out["center_lat"], out["center_lon"] = lat, lon
    if "zoom" in values:
        zoom = values["zoom"]
        if zoom is not None and not (isinstance(zoom, int) and 5 <= zoom <= 19):
            errors["zoom"] = _l("Het zoomniveau ligt tussen 5 en 19.")
        out["zoom"] = zoom
    if "area" in values:
        out["area"] = _clean_area(values["area"], errors)
    # The privacy statement (empty parts get a default text, see accounts.privacy).
    for name in ("privacy_purpose", "privacy_legal_basis", "privacy_contact"):
        if name in values:
            out[name] = (values[name] or "").strip()
    if "votes_on_account_deletion" in values:
        if values["votes_on_account_deletion"] not in (VOTES_REMOVE, VOTES_KEEP_ANONYMOUS):
            errors["votes_on_account_deletion"] = _l("Kies wat er met de stemmen gebeurt.")
        out["votes_on_account_deletion"] = values["votes_on_account_deletion"]
    if errors:
        raise ValidationError(errors)
    return out


def _float_or_none(value) -> float | None:
    """A finite number, or None for empty or unreadable input (reported as a missing half)."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _clean_area(area, errors: dict) -> dict | None:
    """A round area: a (Multi)Polygon as GeoJSON (or a Feature/FeatureCollection around one), or None."""
    if area in (None, "", {}):
        return None
    try:
        layer = parse_layer(area, style_property="")
    except geo.GeoError as exc:
        errors["area"] = exc.message
        return None
    shapes = [shapely.geometry.shape(f.geometry) for f in layer.features]
    if not all(s.geom_type in ("Polygon", "MultiPolygon") for s in shapes):
        errors["area"] = _l("Het gebied moet uit vlakken bestaan.")
        return None
    union = shapely.unary_union(shapes)
    return geo.to_geojson(union)


def create_round(project: Project, **values) -> Round:
    """Create and flush a round in `project`. Keyword arguments are the Round fields; `starts_at` and
    `ends_at` are Europe/Amsterdam times as entered (naive) or aware. The caller commits."""
    unknown = set(values) - set(_ROUND_FIELDS)
    if unknown:
        raise TypeError(f"unknown round fields: {sorted(unknown)}")
    for required in ("slug", "title", "starts_at", "ends_at"):
        values.setdefault(required, None)
    values.setdefault("themes", None)
    values.setdefault("allowed_geometries", None)
    values.setdefault("moderation", POST_MODERATION)
    clean = _clean_round_fields(values, None)
    round_ = Round(project=project, **clean)
    db.session.add(round_)
    db.session.flush()
    return round_


def update_round(round_: Round, **values) -> Round:
    """Change the given fields of a round (same rules as create_round). The caller commits."""
    unknown = set(values) - set(_ROUND_FIELDS)
    if unknown:
        raise TypeError(f"unknown round fields: {sorted(unknown)}")
    for name, value in _clean_round_fields(values, round_).items():
        setattr(round_, name, value)
    db.session.flush()
    return round_


# --- layers -----------------------------------------------------------------------------------------

def add_layer(round_: Round, name: str, style_property: str = "categorie", description: str = "",
              votable: bool = True) -> Layer:
    """Create and flush an (empty) plan layer; upload versions with upload_layer_version()."""
    name = (name or "").strip()
    if not name or len(name) > 200:
        raise ValidationError({"name": _l("Geef de kaartlaag een naam (maximaal 200 tekens).")})
    position = db.session.scalar(select(func.count(Layer.id)).where(Layer.round_id == round_.id)) or 0
    layer = Layer(round=round_, name=name, style_property=(style_property or "").strip()[:80],
                  description=(description or "").strip(), votable=votable, position=position)
    db.session.add(layer)
    db.session.flush()
    return layer


def upload_layer_version(layer: Layer, data, user=None, note: str = "", filename: str = "",
                         publish: bool = True) -> LayerVersion:
    """Validate `data` (bytes, text or parsed GeoJSON) and store it as the layer's next version with
    its zones. Raises LayerError (nothing stored) when the file is not usable. The caller commits."""
    parsed = parse_layer(data, style_property=layer.style_property)
    for attempt in range(3):
        number = (db.session.scalar(
            select(func.max(LayerVersion.number)).where(LayerVersion.layer_id == layer.id)) or 0) + 1
        try:
            with db.session.begin_nested():
                version = LayerVersion(
                    layer=layer, number=number, geojson=parsed.feature_collection,
                    feature_count=len(parsed.features), source_crs=parsed.source_crs,
                    key_property=parsed.key_property, filename=(filename or "")[:255], note=(note or "").strip(),
                    published=publish, created_by_id=getattr(user, "id", None),
                    min_lon=parsed.bbox[0], min_lat=parsed.bbox[1], max_lon=parsed.bbox[2], max_lat=parsed.bbox[3],
                )
                db.session.add(version)
                db.session.flush()
        except IntegrityError:
            # Someone else uploaded a version of this layer at the same moment: take the next number.
            if attempt == 2:
                raise
            continue
        break
    db.session.add_all(
        Zone(version=version, layer_id=layer.id, feature_index=f.number, key=f.key, name=f.name,
             category=f.category, properties=f.properties, geometry=f.geometry,
             min_lon=f.bbox[0], min_lat=f.bbox[1], max_lon=f.bbox[2], max_lat=f.bbox[3])
        for f in parsed.features
    )
    db.session.flush()
    return version


def set_version_published(version: LayerVersion, published: bool) -> None:
    """Publish or withdraw a version; the current version is the highest published one."""
    version.published = bool(published)
    db.session.flush()


def layer_versions(layer: Layer) -> list[LayerVersion]:
    """All versions of a layer, newest first, without their GeoJSON."""
    return list(db.session.scalars(
        select(LayerVersion).where(LayerVersion.layer_id == layer.id).order_by(LayerVersion.number.desc())))


def get_layer_version(layer: Layer, number: int) -> LayerVersion | None:
    return db.session.scalar(select(LayerVersion).options(undefer(LayerVersion.geojson)).where(
        LayerVersion.layer_id == layer.id, LayerVersion.number == number))


def _current_version_ids(round_id: int):
    """Subquery: ids of the current (highest published) version of each layer of a round."""
    latest = (select(LayerVersion.layer_id, func.max(LayerVersion.number).label("number"))
              .join(Layer, Layer.id == LayerVersion.layer_id)
              .where(Layer.round_id == round_id, LayerVersion.published.is_(True))
              .group_by(LayerVersion.layer_id).subquery())
    return (select(LayerVersion.id)
            .join(latest, and_(latest.c.layer_id == LayerVersion.layer_id, latest.c.number == LayerVersion.number)))


@dataclass
class LayerView:
    """A layer with its current version (None when nothing is published yet)."""

    layer: Layer
    version: LayerVersion | None


def current_layers(round_: Round, with_geojson: bool = True) -> list[LayerView]:
    """Every layer of the round with its current version, in one query."""
    current = _current_version_ids(round_.id).subquery()
    query = (select(Layer, LayerVersion)
             .outerjoin(LayerVersion, and_(LayerVersion.layer_id == Layer.id,
                                           LayerVersion.id.in_(select(current.c.id))))
             .where(Layer.round_id == round_.id)
             .order_by(Layer.position, Layer.id))
    if with_geojson:
        query = query.options(undefer(LayerVersion.geojson))
    return [LayerView(layer, version) for layer, version in db.session.execute(query)]


def current_zones(round_: Round) -> list[Zone]:
    """The zones of the current versions of all the round's layers, ordered by layer and name."""
    return list(db.session.scalars(
        select(Zone).join(Layer, Layer.id == Zone.layer_id)
        .where(Zone.layer_version_id.in_(_current_version_ids(round_.id)))
        .order_by(Layer.position, Layer.id, Zone.name)))


def get_zone(zone_id: int) -> Zone | None:
    return db.session.get(Zone, zone_id)


def zone_round_id(zone: Zone) -> int:
    return zone.layer.round_id


def is_current_zone(zone: Zone) -> bool:
    """True when the zone belongs to the current version of its layer."""
    current = db.session.scalar(
        select(func.max(LayerVersion.number)).where(
            LayerVersion.layer_id == zone.layer_id, LayerVersion.published.is_(True)))
    return current is not None and zone.version.number == current


def zone_at(round_: Round, geom) -> Zone | None:
    """The zone (of the round's first layer that has one there) containing a shapely geometry's
    representative point: bounding boxes narrow it down in SQL, shapely decides."""
    point = geom.representative_point() if geom.geom_type != "Point" else geom
    x, y = point.x, point.y
    candidates = db.session.scalars(
        select(Zone).join(Layer, Layer.id == Zone.layer_id)
        .where(Zone.layer_version_id.in_(_current_version_ids(round_.id)),
               Zone.min_lon <= x, Zone.max_lon >= x, Zone.min_lat <= y, Zone.max_lat >= y)
        .order_by(Layer.position, Layer.id, Zone.feature_index))
    for zone in candidates:
        if shapely.geometry.shape(zone.geometry).covers(point):
            return zone
    return None


def layer_categories(version: LayerVersion) -> list[tuple[str, int]]:
    """The values of the layer's style property in this version with how many zones have each,
    for the legend (ordered as first seen in the file)."""
    rows = db.session.execute(
        select(Zone.category, func.count(Zone.id), func.min(Zone.feature_index))
        .where(Zone.layer_version_id == version.id).group_by(Zone.category))
    return [(category, count) for category, count, _first in sorted(rows, key=lambda r: r[2])]


def zone_choices(round_: Round) -> list[Zone]:
    """Zones a person may pick instead of drawing on the map (current versions only)."""
    return current_zones(round_)


def place_choices(round_: Round) -> list[Place]:
    """Municipalities whose centre lies in the round's area (all of them when there is no area)."""
    area = round_area_shape(round_)
    if area is None:
        return list(MUNICIPALITIES)
    return [p for p in MUNICIPALITIES if area.covers(shapely.Point(p.lon, p.lat))]


def search_places(round_: Round, query: str) -> tuple[list[Zone], list[Place]]:
    """Zones and municipalities whose name contains `query` (case-insensitive), for the list path."""
    needle = (query or "").strip().lower()
    if not needle:
        return [], []
    zones = [z for z in current_zones(round_) if needle in z.name.lower() or needle == z.key.lower()]
    places = [p for p in place_choices(round_) if needle in p.name.lower()]
    return zones, places


def layer_feature_collection(version: LayerVersion, zone_counts: dict | None = None) -> dict:
    """The version's FeatureCollection for the map; with `zone_counts` ({key: (support, objection)})
    each feature also carries `_support` and `_objection`. Feature ids are the zone keys."""
    collection = version.geojson
    if not zone_counts:
        return collection
    features = []
    for feature in collection["features"]:
        support, objection = zone_counts.get(feature.get("id"), (0, 0))
        features.append({**feature, "properties": {**feature.get("properties", {}),
                                                   "_support": support, "_objection": objection}})
    return {**collection, "features": features}
