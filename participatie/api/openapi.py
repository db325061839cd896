"""The OpenAPI 3.0 definition of the OGC API at /ogc, built from the current collections so that
clients see which collection ids exist."""
from .services import DEFAULT_LIMIT, MAX_LIMIT

GEOJSON = "application/geo+json"
JSON = "application/json"
HTML = "text/html"


def _ref(name: str, kind: str = "schemas") -> dict:
    return {"$ref": f"#/components/{kind}/{name}"}


def _content(schema: dict, *types: str) -> dict:
    content = {t: {"schema": schema} for t in types}
    if HTML not in types:
        content[HTML] = {"schema": {"type": "string"}}
    return content


def _responses(schema: dict, *types: str) -> dict:
    return {
        "200": {"description": "OK", "content": _content(schema, *types)},
        "400": _ref("BadRequest", "responses"),
        "404": _ref("NotFound", "responses"),
        "500": _ref("ServerError", "responses"),
    }


def _parameters() -> dict:
    return {
        "f": {"name": "f", "in": "query", "required": False, "style": "form", "explode": False,
              "description": "The format of the response: json (GeoJSON for features) or html. Without it, the "
                             "Accept header decides; other values give 400.",
              "schema": {"type": "string", "enum": ["json", "html"]}},
        "collectionId": {"name": "collectionId", "in": "path", "required": True,
                         "description": "The id of a collection: <round>-inbreng for a round's contributions, "
                                        "<round>-<layer> for a plan layer.",
                         "schema": {"type": "string"}},
        "featureId": {"name": "featureId", "in": "path", "required": True,
                      "description": "The id of a feature: a contribution number or a zone key.",
                      "schema": {"type": "string"}},
        "limit": {"name": "limit", "in": "query", "required": False, "style": "form", "explode": False,
                  "description": f"How many features per page (1 to {MAX_LIMIT}; more is lowered to {MAX_LIMIT}).",
                  "schema": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT}},
        "offset": {"name": "offset", "in": "query", "required": False, "style": "form", "explode": False,
                   "description": "How many features to skip (paging; the next link sets it).",
                   "schema": {"type": "integer", "minimum": 0, "default": 0}},
        "bbox": {"name": "bbox", "in": "query", "required": False, "style": "form", "explode": False,
                 "description": "Only features whose bounding box meets this one: minLon,minLat,maxLon,maxLat "
                                "in WGS84 (CRS84). Six numbers (with heights) are accepted; heights are ignored.",
                 "schema": {"type": "array", "minItems": 4, "maxItems": 6, "items": {"type": "number"}}},
        "datetime": {"name": "datetime", "in": "query", "required": False, "style": "form", "explode": False,
                     "description": "An RFC 3339 instant or interval (start/end, '..' for an open end) on the "
                                    "time a contribution was made; for plan layers the time the version was "
                                    "uploaded. Examples: 2026-11-01T00:00:00Z/.., 2026-11-01/2026-11-30.",
                     "schema": {"type": "string"}},
    }


def _schemas() -> dict:
    link = {"type": "object", "required": ["href"], "properties": {
        "href": {"type": "string"}, "rel": {"type": "string"}, "type": {"type": "string"},
        "hreflang": {"type": "string"}, "title": {"type": "string"}}}
    geometry = {"type": "object", "nullable": True, "required": ["type"],
                "properties": {"type": {"type": "string", "enum": [
                    "Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon"]},
                    "coordinates": {"type": "array", "items": {}}}}
    return {
        "link": link,
        "exception": {"type": "object", "required": ["code"], "properties": {
            "code": {"type": "string"}, "description": {"type": "string"}}},
        "landingPage": {"type": "object", "required": ["links"], "properties": {
            "title": {"type": "string"}, "description": {"type": "string"},
            "links": {"type": "array", "items": _ref("link")}}},
        "confClasses": {"type": "object", "required": ["conformsTo"], "properties": {
            "conformsTo": {"type": "array", "items": {"type": "string"}}}},
        "extent": {"type": "object", "properties": {
            "spatial": {"type": "object", "properties": {
                "bbox": {"type": "array", "items": {"type": "array", "minItems": 4, "maxItems": 6,
                                                    "items": {"type": "number"}}},
                "crs": {"type": "string"}}},
            "temporal": {"type": "object", "properties": {
                "interval": {"type": "array", "items": {"type": "array", "minItems": 2, "maxItems": 2,
                                                        "items": {"type": "string", "nullable": True}}},
                "trs": {"type": "string"}}}}},
        "collection": {"type": "object", "required": ["id", "links"], "properties": {
            "id": {"type": "string"}, "title": {"type": "string"}, "description": {"type": "string"},
            "links": {"type": "array", "items": _ref("link")}, "extent": _ref("extent"),
            "itemType": {"type": "string", "default": "feature"},
            "crs": {"type": "array", "items": {"type": "string"}}}},
        "collections": {"type": "object", "required": ["links", "collections"], "properties": {
            "links": {"type": "array", "items": _ref("link")},
            "collections": {"type": "array", "items": _ref("collection")}}},
        "featureGeoJSON": {"type": "object", "required": ["type", "geometry", "properties"], "properties": {
            "type": {"type": "string", "enum": ["Feature"]}, "geometry": geometry,
            "properties": {"type": "object", "nullable": True},
            "id": {"oneOf": [{"type": "string"}, {"type": "integer"}]},
            "links": {"type": "array", "items": _ref("link")}}},
        "featureCollectionGeoJSON": {"type": "object", "required": ["type", "features"], "properties": {
            "type": {"type": "string", "enum": ["FeatureCollection"]},
            "features": {"type": "array", "items": _ref("featureGeoJSON")},
            "links": {"type": "array", "items": _ref("link")},
            "timeStamp": {"type": "string", "format": "date-time"},
            "numberMatched": {"type": "integer", "minimum": 0},
            "numberReturned": {"type": "integer", "minimum": 0}}},
    }


def _error(description: str) -> dict:
    return {"description": description, "content": {JSON: {"schema": _ref("exception")}}}


def openapi_document(base_url: str, collection_ids: list[str], info: dict) -> dict:
    """The definition; `base_url` is the API root (…/ogc), `info` the title, licence and contact."""
    p = lambda name: _ref(name, "parameters")  # noqa: E731
    document = {
        "openapi": "3.0.3",
        "info": info,
        "servers": [{"url": base_url}],
        "tags": [{"name": "Capabilities"}, {"name": "Data"}],
        "paths": {
            "/": {"get": {"tags": ["Capabilities"], "summary": "Landing page", "operationId": "getLandingPage",
                          "parameters": [p("f")], "responses": _responses(_ref("landingPage"), JSON)}},
            "/conformance": {"get": {"tags": ["Capabilities"], "summary": "Conformance classes",
                                     "operationId": "getConformanceDeclaration", "parameters": [p("f")],
                                     "responses": _responses(_ref("confClasses"), JSON)}},
            "/collections": {"get": {"tags": ["Capabilities"], "summary": "The feature collections",
                                     "operationId": "getCollections", "parameters": [p("f")],
                                     "responses": _responses(_ref("collections"), JSON)}},
            "/collections/{collectionId}": {"get": {
                "tags": ["Capabilities"], "summary": "One feature collection", "operationId": "describeCollection",
                "parameters": [p("collectionId"), p("f")], "responses": _responses(_ref("collection"), JSON)}},
            "/collections/{collectionId}/items": {"get": {
                "tags": ["Data"], "summary": "Features of a collection, a page at a time",
                "operationId": "getFeatures",
                "parameters": [p("collectionId"), p("f"), p("limit"), p("offset"), p("bbox"), p("datetime")],
                "responses": _responses(_ref("featureCollectionGeoJSON"), GEOJSON)}},
            "/collections/{collectionId}/items/{featureId}": {"get": {
                "tags": ["Data"], "summary": "One feature", "operationId": "getFeature",
                "parameters": [p("collectionId"), p("featureId"), p("f")],
                "responses": _responses(_ref("featureGeoJSON"), GEOJSON)}},
        },
        "components": {
            "parameters": _parameters(),
            "schemas": _schemas(),
            "responses": {
                "BadRequest": _error("A parameter is wrong (unknown parameter, bad bbox, limit, offset, datetime or f)."),
                "NotFound": _error("The collection or feature does not exist."),
                "ServerError": _error("Something went wrong on our side."),
            },
        },
    }
    if collection_ids:
        document["components"]["parameters"]["collectionId"]["schema"]["enum"] = collection_ids
    return document
