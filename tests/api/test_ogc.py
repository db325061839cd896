"""OGC API – Features at /ogc: resources, paging, filters, formats, errors, and queries per page."""
from datetime import timedelta

import pytest
import shapely
from sqlalchemy import event, select

from participatie.contributions.models import PUBLISHED, Contribution
from participatie.extensions import db
from participatie.rounds import demo as round_demo
from participatie.rounds.models import Zone

CONTRIBUTIONS = "export-ronde-inbreng"
LAYER = "export-ronde-kansenkaart-zon"
ITEMS = f"/ogc/collections/{CONTRIBUTIONS}/items"


def published_ids(round_) -> list[int]:
    return list(db.session.scalars(select(Contribution.id).where(
        Contribution.round_id == round_.id, Contribution.status == PUBLISHED).order_by(Contribution.id)))


def links(data, rel) -> list[dict]:
    return [link for link in data["links"] if link["rel"] == rel]


def test_landing_page(client, dataset):
    response = client.get("/ogc")
    assert response.status_code == 200 and response.mimetype == "application/json"
    data = response.get_json()
    rels = {link["rel"]: link for link in data["links"]}
    assert {"self", "alternate", "service-desc", "conformance", "data", "license"} <= set(rels)
    assert rels["service-desc"]["href"].endswith("/openapi.json")
    assert rels["service-desc"]["type"].startswith("application/vnd.oai.openapi+json")
    assert rels["data"]["href"].startswith("http://localhost/ogc/collections")
    assert rels["license"]["href"] == "https://creativecommons.org/licenses/by/4.0/"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert client.get("/ogc/").status_code == 200


def test_licence_and_contact_are_configurable(make_app):
    app = make_app(OPEN_DATA_LICENSE="CC0-1.0", OPEN_DATA_CONTACT_NAME="Team Open Data")
    with app.app_context():
        client = app.test_client()
        landing = client.get("/ogc").get_json()
        assert links(landing, "license")[0]["href"] == "https://creativecommons.org/publicdomain/zero/1.0/"
        info = client.get("/openapi.json").get_json()["info"]
        assert info["license"]["name"] == "CC0-1.0" and info["contact"]["name"] == "Team Open Data"


def test_conformance(client, dataset):
    data = client.get("/ogc/conformance").get_json()
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core" in data["conformsTo"]
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson" in data["conformsTo"]


def test_collections_are_the_published_ones(client, dataset, make_user):
    from .conftest import make_dataset

    make_dataset(make_user, slug="concept-ronde", project_slug="concept", status="draft")
    data = client.get("/ogc/collections").get_json()
    ids = [c["id"] for c in data["collections"]]
    assert ids == [CONTRIBUTIONS, LAYER, "export-ronde-twee-inbreng"], "no draft project's rounds"
    contributions = data["collections"][0]
    assert contributions["itemType"] == "feature"
    assert contributions["numberOfFeatures"] == len(published_ids(dataset.round))
    west, south, east, north = contributions["extent"]["spatial"]["bbox"][0]
    assert 5.0 <= west < east <= 5.3 and 52.0 <= south < north <= 52.2
    assert contributions["extent"]["temporal"]["interval"][0][0].endswith("Z")
    items_links = [link for link in contributions["links"] if link["rel"] == "items"]
    assert {link["type"] for link in items_links} == {"application/geo+json", "text/html"}
    layer = client.get(f"/ogc/collections/{LAYER}").get_json()
    assert layer["numberOfFeatures"] == 4, "version 2: version 3 is withdrawn"
    assert links(layer, "self")[0]["href"].endswith(f"/ogc/collections/{LAYER}?f=json")


def test_items_are_published_contributions_without_personal_data(client, dataset):
    response = client.get(ITEMS)
    assert response.status_code == 200 and response.mimetype == "application/geo+json"
    data = response.get_json()
    ids = published_ids(dataset.round)
    assert data["type"] == "FeatureCollection"
    assert data["numberMatched"] == data["numberReturned"] == len(ids) == 5
    assert [f["id"] for f in data["features"]] == ids
    for feature in data["features"]:
        c = db.session.get(Contribution, feature["id"])
        assert feature["properties"]["text"] == c.text
        assert "participant" not in feature["properties"] and "author" not in feature["properties"]
        if c.geometry:
            assert shapely.geometry.shape(feature["geometry"]).equals(shapely.geometry.shape(c.geometry))
    point = next(f for f in data["features"] if f["id"] == dataset.ids["point"])["properties"]
    assert (point["support"], point["objection"], point["replies"], point["zone_key"]) == (2, 1, 1, "A")
    line = next(f for f in data["features"] if f["id"] == dataset.ids["line"])["properties"]
    assert line["organisation"] == "LTO Noord"
    assert "timeStamp" in data and not links(data, "next") and not links(data, "prev")


def test_paging_with_limit_and_offset(client, dataset):
    ids = published_ids(dataset.round)
    seen, url, pages = [], f"{ITEMS}?limit=2", 0
    while url:
        data = client.get(url).get_json()
        pages += 1
        assert data["numberMatched"] == len(ids)
        assert data["numberReturned"] == len(data["features"]) <= 2
        seen += [f["id"] for f in data["features"]]
        nxt = links(data, "next")
        assert all(link["type"] == "application/geo+json" for link in nxt)
        url = nxt[0]["href"].replace("http://localhost", "") if nxt else None
    assert seen == ids and pages == 3
    middle = client.get(f"{ITEMS}?limit=2&offset=2").get_json()
    assert [f["id"] for f in middle["features"]] == ids[2:4]
    assert "offset=0" in links(middle, "prev")[0]["href"]
    beyond = client.get(f"{ITEMS}?offset=999").get_json()
    assert beyond["features"] == [] and beyond["numberMatched"] == len(ids)


def test_bbox_filter(client, dataset):
    # Around the drawn area (5.2–5.22, 52.15–52.17) only.
    data = client.get(f"{ITEMS}?bbox=5.19,52.14,5.23,52.18").get_json()
    assert [f["id"] for f in data["features"]] == [dataset.ids["area"]]
    # Every published contribution with a place lies in the round's area.
    everything = client.get(f"{ITEMS}?bbox=4.9,51.9,5.4,52.3").get_json()
    assert everything["numberMatched"] == 4, "the letter without a place has no bbox"
    six = client.get(f"{ITEMS}?bbox=5.19,52.14,0,5.23,52.18,10").get_json()
    assert [f["id"] for f in six["features"]] == [dataset.ids["area"]]
    # West east of east crosses the antimeridian (as the standard says): nothing in the Netherlands.
    assert client.get(f"{ITEMS}?bbox=6,51,4,53").get_json()["numberMatched"] == 0


def test_datetime_filter(client, dataset):
    times = dataset.times
    point, line = times["point"], times["line"]

    def matched(value):
        response = client.get(ITEMS, query_string={"datetime": value})
        assert response.status_code == 200, response.get_data(as_text=True)
        return [f["id"] for f in response.get_json()["features"]]

    def z(moment):
        return moment.isoformat() + "Z"

    assert matched(z(point)) == [dataset.ids["point"]]
    assert matched(f"{z(point)}/{z(line)}") == [dataset.ids["point"], dataset.ids["line"]]
    assert matched(f"../{z(point)}") == [dataset.ids["point"]]
    assert matched(f"{z(line + timedelta(seconds=1))}/..") == [dataset.ids[n] for n in ("area", "phone", "paper")]
    assert matched(f"{z(line + timedelta(seconds=1))}/") == [dataset.ids[n] for n in ("area", "phone", "paper")]
    day = point.date().isoformat()
    assert dataset.ids["point"] in matched(day)
    assert matched((point.date() - timedelta(days=3)).isoformat()) == []
    # With an offset: the same moment in Amsterdam time.
    amsterdam = (point + timedelta(hours=1)).isoformat() + "+01:00"
    assert matched(amsterdam) == [dataset.ids["point"]]


@pytest.mark.parametrize("query, status", [
    ("bbox=5,52,5.3", 400),
    ("bbox=5,52,5.3,52.2,1", 400),
    ("bbox=a,b,c,d", 400),
    ("bbox=5,52.2,5.3,52.0", 400),  # south above north
    ("bbox=5,52,500,52.2", 400),
    ("bbox=nan,52,5.3,52.2", 400),
    ("limit=0", 400),
    ("limit=-1", 400),
    ("limit=abc", 400),
    ("limit=1.5", 400),
    ("offset=-1", 400),
    ("offset=abc", 400),
    ("datetime=gisteren", 400),
    ("datetime=../..", 400),
    ("datetime=2026-12-01T00:00:00Z/2026-11-01T00:00:00Z", 400),
    ("datetime=2026-11-01T00:00:00Z/2026-11-02T00:00:00Z/2026-11-03T00:00:00Z", 400),
    ("f=xml", 400),
    ("sort=theme", 400),
    ("limit=5&limit=6", 400),
])
def test_bad_parameters_are_ogc_json_errors(client, dataset, query, status):
    response = client.get(f"{ITEMS}?{query}")
    assert response.status_code == status
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert body["code"] == "InvalidParameterValue" and body["description"]


def test_huge_limit_is_lowered_to_the_maximum(client, dataset):
    response = client.get(f"{ITEMS}?limit=99999999999999999999")
    assert response.status_code == 200
    assert response.get_json()["numberReturned"] == 5
    assert "limit=10000" in links(response.get_json(), "self")[0]["href"]


@pytest.mark.parametrize("url", [
    "/ogc/collections/bestaat-niet",
    "/ogc/collections/bestaat-niet/items",
    f"/ogc/collections/{CONTRIBUTIONS}/items/999999",
    f"/ogc/collections/{CONTRIBUTIONS}/items/abc",
    f"/ogc/collections/{LAYER}/items/Z",
    "/ogc/iets-anders",
])
def test_unknown_things_are_404_json(client, dataset, url):
    response = client.get(url)
    assert response.status_code == 404
    assert response.mimetype == "application/json"
    assert response.get_json()["code"] == "NotFound"


def test_hidden_and_pending_contributions_are_not_items(client, dataset):
    for name in ("hidden", "pending", "rejected"):
        assert client.get(f"{ITEMS}/{dataset.ids[name]}").status_code == 404
    other = client.get(f"/ogc/collections/export-ronde-twee-inbreng/items/{dataset.ids['point']}")
    assert other.status_code == 404, "an item of another round's collection"


def test_single_item(client, dataset):
    response = client.get(f"{ITEMS}/{dataset.ids['line']}")
    assert response.status_code == 200 and response.mimetype == "application/geo+json"
    data = response.get_json()
    assert data["type"] == "Feature" and data["id"] == dataset.ids["line"]
    assert links(data, "collection") and links(data, "self")
    html = client.get(f"{ITEMS}/{dataset.ids['line']}?f=html")
    assert html.status_code == 200 and "LTO Noord" in html.get_data(as_text=True)


def test_layer_items_are_the_current_version(client, dataset):
    data = client.get(f"/ogc/collections/{LAYER}/items").get_json()
    assert [f["id"] for f in data["features"]] == ["A", "B", "C", "D"]
    zones = {z.key: z for z in db.session.scalars(select(Zone).join(Zone.version).where(
        Zone.layer_id == dataset.layer.id)).all() if z.version.number == 2}
    for feature in data["features"]:
        assert feature["properties"]["version"] == 2 and feature["properties"]["category"] == "mogelijk"
        assert shapely.geometry.shape(feature["geometry"]).equals(shapely.geometry.shape(zones[feature["id"]].geometry))
    a = data["features"][0]["properties"]
    assert (a["support"], a["objection"]) == (1, 1)
    one = client.get(f"/ogc/collections/{LAYER}/items/B").get_json()
    assert one["properties"]["name"] == "Zone B"
    bbox = client.get(f"/ogc/collections/{LAYER}/items?bbox=5.0,52.0,5.09,52.1").get_json()
    assert [f["id"] for f in bbox["features"]] == ["A"]
    assert client.get(f"/ogc/collections/{LAYER}/items?datetime=2000-01-01").get_json()["numberMatched"] == 0


def test_html_for_people(client, dataset):
    for url in ("/ogc?f=html", "/ogc/conformance?f=html", "/ogc/collections?f=html",
                f"/ogc/collections/{CONTRIBUTIONS}?f=html", f"{ITEMS}?f=html&limit=2", f"/ogc/collections/{LAYER}/items?f=html"):
        response = client.get(url)
        assert response.status_code == 200 and response.mimetype == "text/html", url
        page = response.get_data(as_text=True)
        assert "<h1>" in page and 'lang="nl"' in page
    page = client.get(f"{ITEMS}?f=html&limit=2").get_data(as_text=True)
    assert "<caption" in page and 'scope="col"' in page and 'rel="next"' in page


def test_content_negotiation(client, dataset):
    browser = client.get(ITEMS, headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert browser.mimetype == "text/html"
    program = client.get(ITEMS, headers={"Accept": "application/geo+json"})
    assert program.mimetype == "application/geo+json"
    anything = client.get("/ogc/collections", headers={"Accept": "*/*"})
    assert anything.mimetype == "application/json"
    forced = client.get(f"{ITEMS}?f=json", headers={"Accept": "text/html"})
    assert forced.mimetype == "application/geo+json"


def test_openapi_document_is_valid(client, dataset):
    from openapi_spec_validator import validate

    response = client.get("/openapi.json")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.oai.openapi+json"
    document = response.get_json()
    validate(document)
    assert {"/", "/conformance", "/collections", "/collections/{collectionId}", "/collections/{collectionId}/items",
            "/collections/{collectionId}/items/{featureId}"} <= set(document["paths"])
    assert document["servers"][0]["url"] == "http://localhost/ogc"
    assert CONTRIBUTIONS in document["components"]["parameters"]["collectionId"]["schema"]["enum"]
    names = {p["$ref"].rsplit("/", 1)[1] for p in document["paths"]["/collections/{collectionId}/items"]["get"]["parameters"]}
    assert {"bbox", "limit", "offset", "datetime", "f"} <= names


def count_queries(app, client, url) -> tuple[int, dict]:
    statements = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        response = client.get(url)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert response.status_code == 200
    return len([s for s in statements if not s.lstrip().upper().startswith(("PRAGMA", "SAVEPOINT", "RELEASE"))]), \
        response.get_json()


def test_items_pages_take_a_fixed_number_of_queries(app, client, dataset):
    round_demo.generate_contributions(dataset.round, 1100, seed=3)
    db.session.commit()
    db.session.remove()
    small, page10 = count_queries(app, client, f"{ITEMS}?limit=10")
    db.session.remove()
    large, page1000 = count_queries(app, client, f"{ITEMS}?limit=1000")
    assert page10["numberReturned"] == 10 and page1000["numberReturned"] == 1000
    assert small == large <= 6, (small, large)
    db.session.remove()
    layer_small, _ = count_queries(app, client, f"/ogc/collections/{LAYER}/items?limit=1")
    db.session.remove()
    layer_large, _ = count_queries(app, client, f"/ogc/collections/{LAYER}/items?limit=1000")
    assert layer_small == layer_large <= 6
