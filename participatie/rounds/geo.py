"""Geometry helpers shared by layers and contributions: GeoJSON structure checks, shapely conversion,
RD New (EPSG:28992) conversion, bounding boxes and the outlines of the Netherlands and Provincie Utrecht.

Everything here is pure (no database, no request) so that it can be unit-tested directly. Errors are
raised as `GeoError` with a stable `code` for tests and a translatable Dutch `message` for people.
"""
import json
import math
from functools import lru_cache

import numpy as np
import shapely
from flask_babel import lazy_gettext as _l
from pyproj import Transformer
from shapely.geometry import Polygon, shape
from shapely.geometry.base import BaseGeometry
from shapely.validation import explain_validity

GEOMETRY_TYPES = (
    "Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon", "GeometryCollection",
)
# RFC 7946 §11.2: about 1 cm precision is more than enough and keeps the stored GeoJSON small.
DECIMALS = 7

# Plausible ranges of RD New coordinates (metres), as published by the Kadaster.
RD_X_RANGE = (-7_000.0, 300_000.0)
RD_Y_RANGE = (289_000.0, 629_000.0)

# A rough outline of the Netherlands with its coastal waters and the Wadden islands (lon, lat),
# widened a little below so that places right at the border are never refused. It only catches
# input that is clearly elsewhere (swapped coordinates, a click in Germany); the round's own area
# is the precise check.
_NL_OUTLINE = [
    (3.20, 51.22), (3.20, 51.60), (3.50, 51.85), (3.85, 52.05), (4.20, 52.30), (4.40, 52.60),
    (4.55, 53.00), (4.70, 53.30), (5.10, 53.45), (5.60, 53.55), (6.30, 53.60), (6.95, 53.60),
    (7.05, 53.35), (7.30, 53.20), (7.25, 52.95), (7.15, 52.60), (7.10, 52.40), (7.10, 52.20),
    (6.90, 52.05), (6.85, 51.95), (6.45, 51.85), (6.20, 51.80), (6.05, 51.72), (6.25, 51.40),
    (6.20, 51.20), (6.10, 51.05), (6.15, 50.90), (6.05, 50.74), (5.68, 50.72), (5.60, 50.85),
    (5.70, 51.05), (5.75, 51.20), (5.45, 51.22), (5.20, 51.30), (5.05, 51.40), (4.75, 51.40),
    (4.45, 51.40), (4.25, 51.33), (3.80, 51.20), (3.20, 51.22),
]
NL_MARGIN_DEGREES = 0.03

# A rough outline of Provincie Utrecht (lon, lat), counter-clockwise, drawn by hand for demo data
# and as a fallback area; real rounds use the project's own area.
UTRECHT_OUTLINE = [
    (4.80, 52.21), (4.79, 52.15), (4.78, 52.08), (4.80, 52.03), (4.83, 51.97), (4.88, 51.95),
    (4.97, 51.94), (4.98, 51.89), (5.05, 51.86), (5.15, 51.87), (5.19, 51.90), (5.18, 51.96),
    (5.25, 51.965), (5.35, 51.955), (5.45, 51.955), (5.55, 51.945), (5.63, 51.955), (5.63, 52.01),
    (5.60, 52.06), (5.55, 52.11), (5.50, 52.14), (5.47, 52.18), (5.44, 52.23), (5.38, 52.27),
    (5.31, 52.27), (5.23, 52.26), (5.21, 52.21), (5.16, 52.18), (5.09, 52.20), (5.04, 52.23),
    (5.00, 52.28), (4.95, 52.30), (4.89, 52.27), (4.82, 52.25), (4.80, 52.21),
]


class GeoError(ValueError):
    """Input that is not usable geometry. `code` is stable for tests, `message` is for people."""

    def __init__(self, code: str, message, number: int | None = None):
        super().__init__(str(code))
        self.code = code
        self.message = message
        self.number = number

    def __str__(self) -> str:
        return str(self.message)


# Dutch explanations of GEOS validity reasons (shapely.validation.explain_validity).
def _validity_reasons() -> dict:
    return {
        "Self-intersection": _l("de rand snijdt zichzelf"),
        "Ring Self-intersection": _l("de rand raakt of kruist zichzelf"),
        "Too few points": _l("te weinig punten"),
        "Hole lies outside shell": _l("een gat ligt buiten het vlak"),
        "Nested holes": _l("gaten liggen in elkaar"),
        "Nested shells": _l("vlakken liggen in elkaar"),
        "Interior is disconnected": _l("het vlak valt uiteen in losse delen"),
        "Duplicate Rings": _l("een rand komt twee keer voor"),
        "Invalid Coordinate": _l("een coördinaat is ongeldig"),
        "Ring is not closed": _l("de rand is niet gesloten"),
    }


def explain_invalid(geom: BaseGeometry):
    """A short Dutch reason (lazy string) why `geom` is invalid, with where GEOS found the problem."""
    raw = explain_validity(geom)
    reason, _, where = raw.partition("[")
    reason = reason.strip()
    text = _validity_reasons().get(reason, reason)
    parts = where.rstrip("]").split()
    if len(parts) >= 2:
        try:
            x, y = float(parts[0]), float(parts[1])
            return _l("%(reason)s (bij %(x)s, %(y)s)", reason=text, x=round(x, 6), y=round(y, 6))
        except ValueError:
            pass
    return text


def _is_number(value) -> bool:
    # bool is an int in Python but never a coordinate; NaN and infinity are not valid JSON numbers.
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def check_position(position, number: int | None = None) -> None:
    """One RFC 7946 position: an array of two or three numbers (more are tolerated and dropped)."""
    if isinstance(position, str):
        raise GeoError("not_numbers", _l("De coördinaten zijn geen getallen."), number)
    if not isinstance(position, (list, tuple)) or len(position) < 2:
        raise GeoError("position", _l("Een coördinaat moet bestaan uit twee getallen: lengte en breedte."), number)
    if not (_is_number(position[0]) and _is_number(position[1])) or (
        len(position) > 2 and not all(_is_number(v) for v in position[2:])
    ):
        raise GeoError("not_numbers", _l("De coördinaten zijn geen getallen."), number)


def _positions(coords, depth: int, number: int | None):
    """Check nesting depth (0 = a position) and yield every position."""
    if depth == 0:
        check_position(coords, number)
        yield coords
        return
    if not isinstance(coords, (list, tuple)):
        if isinstance(coords, str):
            raise GeoError("not_numbers", _l("De coördinaten zijn geen getallen."), number)
        raise GeoError("coordinates", _l("De coördinaten hebben niet de juiste vorm."), number)
    for item in coords:
        if depth == 1 and not isinstance(item, (list, tuple)):
            raise GeoError(
                "not_numbers" if isinstance(item, str) else "coordinates",
                _l("De coördinaten zijn geen getallen.") if isinstance(item, str)
                else _l("De coördinaten hebben niet de juiste vorm."),
                number,
            )
        yield from _positions(item, depth - 1, number)


_DEPTH = {"Point": 0, "MultiPoint": 1, "LineString": 1, "MultiLineString": 2, "Polygon": 2, "MultiPolygon": 3}


def _distinct(points) -> int:
    return len({(float(p[0]), float(p[1])) for p in points})


def _check_line(line, number):
    if len(line) < 2 or _distinct(line) < 2:
        raise GeoError("line_points", _l("Een lijn heeft minstens twee verschillende punten nodig."), number)


def _check_ring(ring, number):
    if len(ring) < 4 or _distinct(ring) < 3:
        raise GeoError("ring_points", _l("Een vlak heeft minstens drie verschillende hoekpunten nodig."), number)
    if [float(v) for v in ring[0][:2]] != [float(v) for v in ring[-1][:2]]:
        raise GeoError("ring_open", _l("De rand van een vlak is niet gesloten: het eerste en laatste punt "
                                       "moeten gelijk zijn."), number)


def check_geometry_structure(geometry, number: int | None = None, nested: bool = False) -> None:
    """RFC 7946 structure of one geometry object: type, coordinate nesting, numbers, enough points."""
    if not isinstance(geometry, dict):
        raise GeoError("geometry", _l("Er is geen geldige geometrie gevonden."), number)
    kind = geometry.get("type")
    if kind == "GeometryCollection":
        if nested:
            raise GeoError("nested_collection", _l("Geneste geometrieverzamelingen worden niet ondersteund."),
                           number)
        members = geometry.get("geometries")
        if not isinstance(members, list) or not members:
            raise GeoError("empty", _l("De geometrieverzameling is leeg."), number)
        for member in members:
            check_geometry_structure(member, number, nested=True)
        return
    if kind not in _DEPTH:
        raise GeoError("geometry_type", _l("Onbekend geometrietype: %(type)s.", type=str(kind)[:40]), number)
    coords = geometry.get("coordinates")
    if coords is None or (isinstance(coords, list) and not coords):
        raise GeoError("empty", _l("De geometrie heeft geen coördinaten."), number)
    for _position in _positions(coords, _DEPTH[kind], number):
        pass
    if kind == "LineString":
        _check_line(coords, number)
    elif kind == "MultiLineString":
        for line in coords:
            _check_line(line, number)
    elif kind == "Polygon":
        for ring in coords:
            _check_ring(ring, number)
    elif kind == "MultiPolygon":
        for polygon in coords:
            if not polygon:
                raise GeoError("empty", _l("De geometrie heeft geen coördinaten."), number)
            for ring in polygon:
                _check_ring(ring, number)


def iter_xy(geometry: dict):
    """Every (x, y) pair of a structurally valid geometry."""
    if geometry["type"] == "GeometryCollection":
        for member in geometry["geometries"]:
            yield from iter_xy(member)
        return
    depth = _DEPTH[geometry["type"]]

    def walk(coords, level):
        if level == 0:
            yield float(coords[0]), float(coords[1])
        else:
            for item in coords:
                yield from walk(item, level - 1)

    yield from walk(geometry["coordinates"], depth)


def looks_like_lonlat(x: float, y: float) -> bool:
    return -180.0 <= x <= 180.0 and -90.0 <= y <= 90.0


def looks_like_rd(x: float, y: float) -> bool:
    return RD_X_RANGE[0] <= x <= RD_X_RANGE[1] and RD_Y_RANGE[0] <= y <= RD_Y_RANGE[1]


@lru_cache(maxsize=1)
def _rd_to_wgs84() -> Transformer:
    return Transformer.from_crs("EPSG:28992", "EPSG:4326", always_xy=True)


def rd_to_wgs84(x, y):
    """Convert RD New metres to (lon, lat) degrees; accepts scalars or numpy arrays."""
    return _rd_to_wgs84().transform(x, y)


def _transform_rd(coords: np.ndarray) -> np.ndarray:
    lon, lat = rd_to_wgs84(coords[:, 0], coords[:, 1])
    return np.column_stack([lon, lat])


def to_shape(geometry: dict, from_rd: bool = False) -> BaseGeometry:
    """A structurally checked GeoJSON geometry as a 2D shapely geometry in WGS84, rounded to
    DECIMALS places (the form we store). Polygons are not yet checked for validity."""
    geom = shapely.force_2d(shape(geometry))
    if from_rd:
        geom = shapely.transform(geom, _transform_rd)
    return shapely.transform(geom, lambda c: np.round(c, DECIMALS))


def to_geojson(geom: BaseGeometry) -> dict:
    """A shapely geometry as an RFC 7946 GeoJSON dict: polygons' outer rings counter-clockwise."""
    return json.loads(shapely.to_geojson(shapely.orient_polygons(geom, exterior_cw=False)))


def bbox(geom: BaseGeometry) -> tuple[float, float, float, float]:
    """(min_lon, min_lat, max_lon, max_lat) of a geometry."""
    return tuple(float(v) for v in geom.bounds)


@lru_cache(maxsize=1)
def netherlands() -> BaseGeometry:
    """A generous outline of the Netherlands, prepared for fast containment tests."""
    geom = Polygon(_NL_OUTLINE).buffer(NL_MARGIN_DEGREES)
    shapely.prepare(geom)
    return geom


def in_netherlands(geom: BaseGeometry) -> bool:
    return netherlands().covers(geom)


@lru_cache(maxsize=1)
def utrecht_outline() -> dict:
    """The hand-drawn outline of Provincie Utrecht as a GeoJSON Polygon."""
    return to_geojson(Polygon(UTRECHT_OUTLINE))


# Areas are parsed once per distinct GeoJSON text: a round's area is checked on every contribution.
@lru_cache(maxsize=64)
def _prepared_area(area_json: str, tolerance: float) -> BaseGeometry | None:
    parts = []
    for data in json.loads(area_json):
        try:
            check_geometry_structure(data)
            part = shape(data)
        except (GeoError, ValueError, TypeError, AttributeError, IndexError):
            return None
        parts.append(part if part.is_valid else shapely.make_valid(part))
    geom = shapely.unary_union(parts)
    if geom.is_empty:
        return None
    geom = geom.buffer(tolerance) if tolerance else geom
    shapely.prepare(geom)
    return geom


def area_shape(area: dict | None, tolerance: float = 0.0) -> BaseGeometry | None:
    """A stored GeoJSON area (geometry, Feature or FeatureCollection) as a prepared shapely geometry,
    optionally widened by `tolerance` degrees; None when there is no usable area."""
    if not isinstance(area, dict):
        return None
    if area.get("type") == "Feature":
        geometries = [area.get("geometry")]
    elif area.get("type") == "FeatureCollection":
        geometries = [f.get("geometry") for f in area.get("features") or [] if isinstance(f, dict)]
    else:
        geometries = [area]
    geometries = [g for g in geometries if isinstance(g, dict)]
    if not geometries:
        return None
    return _prepared_area(json.dumps(geometries, sort_keys=True), tolerance)
