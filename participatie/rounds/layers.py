"""Validation of uploaded plan layers (GeoJSON), as a pure function: `parse_layer(data)`.

Accepts a FeatureCollection, a single Feature or a bare geometry, in WGS84 (RFC 7946) or RD New
(EPSG:28992, declared with the old `crs` member or recognised from the coordinate ranges), and returns
a normalised WGS84 FeatureCollection with one `ParsedFeature` per feature. Anything wrong raises
`LayerError` naming the feature number (1-based, in file order) and the reason, so that nothing of
a broken file is stored.
"""
import json
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l

from .geo import (
    GeoError,
    bbox,
    check_geometry_structure,
    explain_invalid,
    in_netherlands,
    iter_xy,
    looks_like_lonlat,
    looks_like_rd,
    to_geojson,
    to_shape,
)

MAX_LAYER_BYTES = 5 * 1024 * 1024
MAX_FEATURES = 5000

WGS84 = "EPSG:4326"
RD_NEW = "EPSG:28992"

# Feature properties that identify a zone across versions, in order of preference; "#" means none
# was usable and the feature number is the key.
KEY_PROPERTIES = ("id", "code", "zone_id", "zonecode", "key", "sleutel", "naam", "name")
NAME_PROPERTIES = ("naam", "name", "titel", "title", "gebied", "omschrijving", "label")
FEATURE_ID = "@id"  # the Feature's own "id" member (RFC 7946 §3.2)
NUMBER_KEY = "#"


class LayerError(GeoError):
    """A layer file that cannot be used; `number` is the 1-based feature number when one is to blame."""


@dataclass
class ParsedFeature:
    number: int  # 1-based position in the file
    key: str
    name: str
    category: str
    properties: dict
    geometry: dict  # WGS84 GeoJSON geometry, as stored
    bbox: tuple[float, float, float, float]


@dataclass
class ParsedLayer:
    features: list[ParsedFeature]
    source_crs: str  # WGS84 or RD_NEW: what the file was in
    key_property: str  # which property identified zones (or FEATURE_ID / NUMBER_KEY)
    bbox: tuple[float, float, float, float]
    feature_collection: dict = field(repr=False, default_factory=dict)

    @property
    def converted(self) -> bool:
        return self.source_crs == RD_NEW


def _error(code: str, message, number: int | None = None) -> LayerError:
    if number is not None:
        message = _l("Object %(number)s: %(reason)s", number=number, reason=message)
    return LayerError(code, message, number)


def _load(data) -> object:
    """Bytes, text or an already parsed object; size and JSON syntax checked."""
    if isinstance(data, (bytes, bytearray)):
        if len(data) > MAX_LAYER_BYTES:
            raise _error("too_large", _l("Het bestand is groter dan %(mb)s MB.", mb=MAX_LAYER_BYTES // (1024 * 1024)))
        try:
            data = bytes(data).decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise _error("encoding", _l("Het bestand is geen tekst in UTF-8.")) from exc
    if isinstance(data, str):
        if len(data.encode("utf-8")) > MAX_LAYER_BYTES:
            raise _error("too_large", _l("Het bestand is groter dan %(mb)s MB.", mb=MAX_LAYER_BYTES // (1024 * 1024)))
        if not data.strip():
            raise _error("empty", _l("Het bestand is leeg."))
        try:
            return json.loads(data)
        except json.JSONDecodeError as exc:
            raise _error("json", _l("Het bestand is geen geldige GeoJSON: fout in regel %(line)s, kolom %(col)s.",
                                    line=exc.lineno, col=exc.colno)) from exc
        except RecursionError as exc:
            raise _error("json", _l("Het bestand is te diep genest.")) from exc
    return data


def _declared_crs(obj: dict) -> str | None:
    """The coordinate system a file declares with the pre-RFC 7946 `crs` member, if any."""
    crs = obj.get("crs")
    if crs is None:
        return None
    name = ""
    if isinstance(crs, dict):
        props = crs.get("properties") or {}
        name = str(props.get("name") or props.get("code") or "")
    elif isinstance(crs, str):
        name = crs
    if "28992" in name:
        return RD_NEW
    if "CRS84" in name.upper() or "4326" in name or "4258" in name:
        return WGS84
    raise _error("crs", _l("Het coördinatenstelsel %(name)s wordt niet ondersteund. Gebruik WGS84 of RD New "
                           "(EPSG:28992).", name=name[:60] or "?"))


def _features(obj) -> list[dict]:
    """The list of features of a FeatureCollection, Feature or bare geometry."""
    if not isinstance(obj, dict):
        raise _error("not_geojson", _l("Het bestand is geen GeoJSON-object."))
    kind = obj.get("type")
    if kind == "FeatureCollection":
        features = obj.get("features")
        if not isinstance(features, list):
            raise _error("not_geojson", _l("De FeatureCollection heeft geen lijst met objecten (features)."))
        return features
    if kind == "Feature":
        return [obj]
    if kind in ("Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon",
                "GeometryCollection"):
        return [{"type": "Feature", "properties": {}, "geometry": obj}]
    raise _error("not_geojson", _l("Onbekend GeoJSON-type: %(type)s. Verwacht wordt een FeatureCollection, "
                                   "Feature of geometrie.", type=str(kind)[:40]))


def _check_feature(feature, number: int) -> None:
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        raise _error("feature", _l("dit is geen Feature."), number)
    if feature.get("geometry") is None:
        raise _error("no_geometry", _l("er is geen geometrie."), number)
    properties = feature.get("properties")
    if properties is not None and not isinstance(properties, dict):
        raise _error("properties", _l("de eigenschappen (properties) zijn geen object."), number)
    try:
        check_geometry_structure(feature["geometry"], number)
    except GeoError as exc:
        raise _error(exc.code, exc.message, number) from exc


def _coordinate_system(features: list[dict], declared: str | None) -> str:
    """WGS84 or RD New, from the declaration or else from the coordinate ranges of every position."""
    lonlat = rd = True
    for number, feature in enumerate(features, start=1):
        for x, y in iter_xy(feature["geometry"]):
            lonlat = lonlat and looks_like_lonlat(x, y)
            rd = rd and looks_like_rd(x, y)
            if not lonlat and not rd:
                if declared:
                    return declared
                raise _error("crs_unknown", _l("de coördinaten zijn geen lengte- en breedtegraden (WGS84) en ook "
                                               "geen RD-coördinaten."), number)
    if declared:
        return declared
    return WGS84 if lonlat else RD_NEW


def _text(value) -> str:
    if value is None:
        return ""
    return str(value).strip()


def _choose_key(features: list[dict]) -> str:
    """The first identifying property that every feature has, non-empty and unique."""
    for candidate in (FEATURE_ID, *KEY_PROPERTIES):
        values = []
        for feature in features:
            raw = feature.get("id") if candidate == FEATURE_ID else (feature.get("properties") or {}).get(candidate)
            values.append(_text(raw)[:200])
        if all(values) and len(set(values)) == len(values):
            return candidate
    return NUMBER_KEY


def _key(feature: dict, key_property: str, number: int) -> str:
    if key_property == NUMBER_KEY:
        return f"nr-{number}"
    raw = feature.get("id") if key_property == FEATURE_ID else feature["properties"].get(key_property)
    return _text(raw)[:200]


def _name(properties: dict, key: str) -> str:
    for candidate in NAME_PROPERTIES:
        value = _text(properties.get(candidate))
        if value:
            return value[:200]
    return f"Zone {key}"[:200]  # stored data, not interface text


def parse_layer(data, style_property: str = "categorie", max_features: int = MAX_FEATURES) -> ParsedLayer:
    """Validate and normalise a plan layer. `data` is bytes, text or a parsed object.

    Raises LayerError on the first problem; nothing is returned half-way.
    """
    obj = _load(data)
    features = _features(obj)
    if not features:
        raise _error("empty", _l("Er staan geen objecten in het bestand."))
    if len(features) > max_features:
        raise _error("too_many", _l("Het bestand heeft %(count)s objecten; het maximum is %(max)s.",
                                    count=len(features), max=max_features))
    for number, feature in enumerate(features, start=1):
        _check_feature(feature, number)
    source = _coordinate_system(features, _declared_crs(obj))
    key_property = _choose_key(features)

    parsed, out_features = [], []
    for number, feature in enumerate(features, start=1):
        properties = dict(feature.get("properties") or {})
        feature = {**feature, "properties": properties}
        try:
            geom = to_shape(feature["geometry"], from_rd=source == RD_NEW)
        except (ValueError, TypeError) as exc:
            raise _error("geometry", _l("de geometrie kan niet worden gelezen."), number) from exc
        if geom.is_empty:
            raise _error("empty", _l("de geometrie is leeg."), number)
        if not geom.is_valid:
            raise _error("invalid", _l("ongeldige geometrie: %(reason)s.", reason=explain_invalid(geom)), number)
        if not in_netherlands(geom):
            raise _error("outside_nl", _l("het object ligt (deels) buiten Nederland. Staan lengte- en breedtegraad "
                                          "misschien omgedraaid?"), number)
        key = _key(feature, key_property, number)
        geometry = to_geojson(geom)
        category = _text(properties.get(style_property))[:100] if style_property else ""
        parsed.append(ParsedFeature(
            number=number, key=key, name=_name(properties, key), category=category, properties=properties,
            geometry=geometry, bbox=bbox(geom),
        ))
        out_features.append({"type": "Feature", "id": key, "properties": properties, "geometry": geometry})

    boxes = [p.bbox for p in parsed]
    total = (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))
    collection = {"type": "FeatureCollection", "bbox": list(total), "features": out_features}
    return ParsedLayer(features=parsed, source_crs=source, key_property=key_property, bbox=total,
                       feature_collection=collection)
