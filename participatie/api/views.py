"""OGC API – Features at /ogc (JSON/GeoJSON for programs, HTML for people) and /openapi.json.

Each view: check `f` and the other parameters, ask services for the data, answer JSON or HTML.
Errors are OGC-style JSON (`{"code", "description"}`) with 400 or 404, never a 500 for bad input.
"""
import json
from datetime import datetime, timezone

from flask import Blueprint, Response, current_app, render_template, request, url_for
from flask_babel import gettext as _

from ..permissions import PUBLIC, allow
from . import services
from .openapi import openapi_document
from .services import ApiError

bp = Blueprint("api", __name__)

GEOJSON = "application/geo+json"
JSON = "application/json"
HTML = "text/html"
OPENAPI = "application/vnd.oai.openapi+json;version=3.0"
FORMATS = {"json": "json", "geojson": "json", "html": "html"}


@bp.errorhandler(ApiError)
def api_error(error: ApiError):
    return json_response({"code": error.code, "description": error.description}, JSON, error.status)


@bp.after_request
def open_to_all(response):
    """Open data may be read by web pages anywhere; nothing here depends on cookies."""
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def json_response(data: dict, mimetype: str = JSON, status: int = 200) -> Response:
    return Response(json.dumps(data, ensure_ascii=False, default=str), status=status, mimetype=mimetype)


def wanted_format() -> str:
    """'json' or 'html': `f` decides, else the Accept header (JSON unless HTML is preferred)."""
    f = request.args.get("f")
    if f is not None:
        if f.lower() not in FORMATS:
            raise services.bad_parameter(_("Onbekend formaat f=%(f)s. Kies json of html.", f=f))
        return FORMATS[f.lower()]
    best = request.accept_mimetypes.best_match([GEOJSON, JSON, HTML], default=JSON)
    return "html" if best == HTML else "json"


def _url(endpoint: str, **values) -> str:
    return url_for(endpoint, _external=True, **values)


def _links(endpoint: str, json_type: str, title: str, **values) -> list[dict]:
    """self + alternate for the current format."""
    fmt = wanted_format()
    json_link = {"href": _url(endpoint, f="json", **values), "type": json_type, "title": _("Als JSON")}
    html_link = {"href": _url(endpoint, f="html", **values), "type": HTML, "title": _("Als webpagina")}
    if fmt == "html":
        return [{**html_link, "rel": "self", "title": title}, {**json_link, "rel": "alternate"}]
    return [{**json_link, "rel": "self", "title": title}, {**html_link, "rel": "alternate"}]


def _license_link() -> list[dict]:
    url = services.license_url(current_app.config["OPEN_DATA_LICENSE"])
    return [{"href": url, "rel": "license", "type": HTML, "title": current_app.config["OPEN_DATA_LICENSE"]}] if url else []


def _answer(template: str, data: dict, json_type: str = JSON, **context):
    if wanted_format() == "html":
        return render_template(template, data=data, **context)
    return json_response(data, json_type)


@bp.get("/ogc/")
@bp.get("/ogc")
@allow(PUBLIC)
def landing():
    """The landing page: what this is, and links to everything else."""
    services.check_parameters(request.args, services.OTHER_PARAMETERS)
    data = {
        "title": _("Participatie Provincie Utrecht – open data"),
        "description": _("Inbreng uit participatierondes en de kaartlagen waarover het gaat, als OGC API – "
                         "Features. Zonder namen of andere persoonsgegevens. Licentie: %(license)s.",
                         license=current_app.config["OPEN_DATA_LICENSE"]),
        "links": _links("api.landing", JSON, _("Deze pagina")) + [
            {"href": _url("api.openapi"), "rel": "service-desc", "type": OPENAPI,
             "title": _("De API-definitie (OpenAPI 3.0)")},
            {"href": _url("api.conformance", f="json"), "rel": "conformance", "type": JSON,
             "title": _("Welke OGC-standaarden deze API volgt")},
            {"href": _url("api.collections_", f="json"), "rel": "data", "type": JSON,
             "title": _("De collecties")},
            *_license_link(),
        ],
        "contact": _contact(),
    }
    return _answer("api/landing.html", data)


def _contact() -> dict:
    config = current_app.config
    return {"name": config["OPEN_DATA_CONTACT_NAME"], "email": config["OPEN_DATA_CONTACT_EMAIL"],
            "url": config["OPEN_DATA_CONTACT_URL"]}


@bp.get("/ogc/conformance")
@allow(PUBLIC)
def conformance():
    services.check_parameters(request.args, services.OTHER_PARAMETERS)
    data = {"conformsTo": services.CONFORMANCE,
            "links": _links("api.conformance", JSON, _("Conformiteit"))}
    return _answer("api/conformance.html", data)


def _extent(collection: services.Collection) -> dict:
    extent: dict = {}
    if collection.bbox:
        extent["spatial"] = {"bbox": [list(collection.bbox)], "crs": services.CRS84}
    if collection.interval:
        first, last = collection.interval
        extent["temporal"] = {"interval": [[_utc(first), _utc(last)]], "trs": services.GREGORIAN}
    return extent


def _utc(value: datetime | None) -> str | None:
    return value.replace(tzinfo=timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z") if value else None


def _collection_json(collection: services.Collection, self_links: bool = False) -> dict:
    links = (_links("api.collection", JSON, collection.title, collection_id=collection.id) if self_links else [
        {"href": _url("api.collection", collection_id=collection.id, f="json"), "rel": "self", "type": JSON,
         "title": collection.title}])
    links += [
        {"href": _url("api.items", collection_id=collection.id, f="json"), "rel": "items", "type": GEOJSON,
         "title": _("De objecten als GeoJSON")},
        {"href": _url("api.items", collection_id=collection.id, f="html"), "rel": "items", "type": HTML,
         "title": _("De objecten als webpagina")},
        {"href": _url("rounds.detail", slug=collection.round.slug), "rel": "describedby", "type": HTML,
         "title": _("De participatieronde")},
        *_license_link(),
    ]
    data = {"id": collection.id, "title": collection.title, "description": collection.description,
            "itemType": "feature", "crs": [services.CRS84], "links": links, "extent": _extent(collection),
            "license": current_app.config["OPEN_DATA_LICENSE"]}
    if collection.count is not None:
        data["numberOfFeatures"] = collection.count
    return data


@bp.get("/ogc/collections")
@allow(PUBLIC)
def collections_():
    services.check_parameters(request.args, services.OTHER_PARAMETERS)
    found = services.collections()
    data = {"links": _links("api.collections_", JSON, _("De collecties")),
            "collections": [_collection_json(c) for c in found]}
    return _answer("api/collections.html", data, collections=found)


@bp.get("/ogc/collections/<collection_id>")
@allow(PUBLIC)
def collection(collection_id: str):
    wanted_format()
    services.check_parameters(request.args, services.OTHER_PARAMETERS)
    found = services.get_collection(collection_id, with_extents=True)
    return _answer("api/collection.html", _collection_json(found, self_links=True), collection=found)


def _page_links(collection: services.Collection, query: services.ItemsQuery, page: services.ItemsPage) -> list:
    fmt = wanted_format()
    json_type = GEOJSON

    def href(f: str, offset: int) -> str:
        params = {**query.raw, "f": f, "limit": query.limit}
        params["offset"] = offset
        return _url("api.items", collection_id=collection.id, **params)

    own, other = (("html", HTML), ("json", json_type)) if fmt == "html" else (("json", json_type), ("html", HTML))
    links = [
        {"href": href(own[0], query.offset), "rel": "self", "type": own[1], "title": _("Deze pagina")},
        {"href": href(other[0], query.offset), "rel": "alternate", "type": other[1], "title": _("Deze pagina")},
        {"href": _url("api.collection", collection_id=collection.id, f="json"), "rel": "collection", "type": JSON,
         "title": collection.title},
    ]
    if query.offset + page.number_returned < page.number_matched:
        links.append({"href": href(own[0], query.offset + query.limit), "rel": "next", "type": own[1],
                      "title": _("Volgende pagina")})
    if query.offset > 0:
        links.append({"href": href(own[0], max(0, query.offset - query.limit)), "rel": "prev", "type": own[1],
                      "title": _("Vorige pagina")})
    return links


@bp.get("/ogc/collections/<collection_id>/items")
@allow(PUBLIC)
def items(collection_id: str):
    """A page of features, filtered by bbox and datetime, paged by limit and offset."""
    fmt = wanted_format()
    query = services.parse_items_query(request.args)
    found = services.get_collection(collection_id)
    page = services.items(found, query)
    data = {
        "type": "FeatureCollection",
        "features": page.features,
        "links": _page_links(found, query, page),
        "timeStamp": datetime.now(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "numberMatched": page.number_matched,
        "numberReturned": page.number_returned,
    }
    if fmt == "html":
        return render_template("api/items.html", data=data, collection=found, query=query)
    return json_response(data, GEOJSON)


@bp.get("/ogc/collections/<collection_id>/items/<path:feature_id>")
@allow(PUBLIC)
def feature(collection_id: str, feature_id: str):
    wanted_format()
    services.check_parameters(request.args, services.OTHER_PARAMETERS)
    found = services.get_collection(collection_id)
    data = services.item(found, feature_id)
    data["links"] = _links("api.feature", GEOJSON, _("Dit object"), collection_id=found.id, feature_id=feature_id) + [
        {"href": _url("api.collection", collection_id=found.id, f="json"), "rel": "collection", "type": JSON,
         "title": found.title}]
    return _answer("api/feature.html", data, GEOJSON, collection=found)


@bp.get("/openapi.json")
@allow(PUBLIC)
def openapi():
    """The OpenAPI 3.0 definition of /ogc."""
    config = current_app.config
    info = {
        "title": _("Participatie Provincie Utrecht – open data"),
        "version": "1.0.0",
        "description": _("OGC API – Features (deel 1: Core, GeoJSON, HTML) met de inbreng uit participatierondes "
                         "en de kaartlagen. Zonder persoonsgegevens."),
        "contact": _contact(),
        "license": {"name": config["OPEN_DATA_LICENSE"],
                    **({"url": services.license_url(config["OPEN_DATA_LICENSE"])}
                       if services.license_url(config["OPEN_DATA_LICENSE"]) else {})},
    }
    base = _url("api.landing").rstrip("/")
    ids = [c.id for c in services.collections(with_extents=False)]
    return json_response(openapi_document(base, ids, info), OPENAPI)
