"""The round map in Chromium, on the demo round "kansenkaart-zonnevelden": contributions fetched for
the visible area and clustered; a resident places a point or draws an area and submits it; the
keyboard alone can place a point. Tile requests are answered locally, so nothing leaves the machine."""
import json
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from participatie.contributions.models import Contribution
from participatie.extensions import db

from .conftest import answer_tiles
from .a11y import assert_accessible

ROUND = "kansenkaart-zonnevelden"
RESIDENT = "bewoner@example.nl"
PASSWORD = "demo-participatie-2026"


@pytest.fixture
def site(demo_app, request):
    """The live server over the demo data."""
    return request.getfixturevalue("live_server")


@pytest.fixture
def map_page(page, demo_app):
    """A page whose tile requests (to every configured base map host) are answered locally."""
    answer_tiles(demo_app, page)
    return page


def _log_in(page, site):
    page.goto(site.url("/account/inloggen"))
    page.get_by_label("E-mailadres").fill(RESIDENT)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    expect(page.get_by_role("button", name="Uitloggen")).to_be_visible()


def _open_round(page, site):
    page.goto(site.url(f"/rondes/{ROUND}"))
    expect(page.locator(".map-status")).to_have_text(re.compile(r"reacties in dit kaartbeeld"))


def _map_point(page, dx: float, dy: float) -> tuple[float, float]:
    """A position on the screen, `dx`/`dy` pixels from the middle of the map."""
    container = page.locator(".map.leaflet-container")
    container.scroll_into_view_if_needed()
    box = container.bounding_box()
    return box["x"] + box["width"] / 2 + dx, box["y"] + box["height"] / 2 + dy


def _latest_contribution(app) -> Contribution:
    with app.app_context():
        contribution = db.session.scalars(select(Contribution).order_by(Contribution.id.desc()).limit(1)).one()
        db.session.expunge(contribution)
        return contribution


def test_round_page_shows_clustered_contributions_fetched_by_bbox(site, map_page, demo_app):
    page = map_page
    fetched = []
    page.on("request", lambda req: fetched.append(req.url) if "inbreng.geojson" in req.url else None)
    requested_hosts = set()
    page.on("request", lambda req: requested_hosts.add(urlsplit(req.url).netloc))

    _open_round(page, site)

    expect(page.locator(".contribution-cluster").first).to_be_visible()
    expect(page.locator(".map-status")).to_have_text(re.compile(r"^\d+ reacties in dit kaartbeeld\.$"))
    query = parse_qs(urlsplit(fetched[0]).query)
    west, south, east, north = (float(n) for n in query["bbox"][0].split(","))
    assert west < 5.2 < east and south < 52.1 < north  # the visible area around the province
    assert int(query["limit"][0]) > 0
    # Clusters say how many they hold; together they hold what the status line says.
    counts = [int(n) for n in page.locator(".contribution-cluster-count").all_inner_texts()]
    singles = page.locator(".leaflet-marker-icon:not(.contribution-cluster)").count()
    shown = int(re.match(r"\d+", page.locator(".map-status").inner_text()).group())
    assert sum(counts) + singles == shown
    # The plan layer with its hatching, and the legend in words.
    expect(page.locator("path.plan-feature")).to_have_count(34)
    expect(page.locator("path.plan-rood").first).to_have_attribute("fill", "url(#participatie-fill-rood)")
    legend = page.locator(".map-legend")
    for label in ("Kansrijk", "Mogelijk", "Uitgesloten"):
        expect(legend.get_by_text(label, exact=True)).to_be_visible()

    # Zooming in fetches again for the smaller area; the cluster opens with the keyboard too.
    cluster = page.locator(".contribution-cluster").first
    cluster.focus()
    with page.expect_request(lambda req: "inbreng.geojson" in req.url) as again:
        page.keyboard.press("Enter")
    west2, south2, east2, north2 = (float(n) for n in parse_qs(urlsplit(again.value.url).query)["bbox"][0].split(","))
    assert east2 - west2 < east - west and north2 - south2 < north - south
    expect(page.locator(".map.leaflet-container")).to_be_focused()  # not lost with the cluster

    assert requested_hosts <= {urlsplit(site.base_url).netloc, "service.pdok.nl"}, requested_hosts
    assert_accessible(page, site, "round-map", role="visitor")


def test_a_contribution_popup_links_to_its_page(site, map_page):
    page = map_page
    _open_round(page, site)
    marker = page.locator(".leaflet-marker-icon:not(.contribution-cluster)").first
    expect(marker).to_have_attribute("role", "button")
    marker.focus()
    page.keyboard.press("Enter")
    popup = page.locator(".leaflet-popup-content")
    expect(popup).to_contain_text("Steun:")
    link = popup.get_by_role("link", name="Bekijk deze inbreng")
    expect(link).to_have_attribute("href", re.compile(rf"^/rondes/{ROUND}/inbreng/\d+$"))
    link.click()
    expect(page).to_have_url(re.compile(rf"/rondes/{ROUND}/inbreng/\d+$"))


def test_resident_places_a_point_and_sees_it_on_the_map_and_in_the_list(site, map_page, demo_app):
    page = map_page
    text = "Hier graag geen zonneveld: dit is het mooiste uitzicht over de polder bij de dijk."
    _log_in(page, site)
    _open_round(page, site)

    page.get_by_role("button", name="Punt").click()
    expect(page.get_by_role("button", name="Punt")).to_have_attribute("aria-pressed", "true")
    x, y = _map_point(page, 10, 10)
    page.mouse.click(x, y)
    expect(page.locator(".map-status")).to_contain_text("Plek gekozen")
    geometry = json.loads(page.locator("#contribution-geometry").input_value())
    assert geometry["type"] == "Point" and 4.8 < geometry["coordinates"][0] < 5.7
    expect(page.locator("#contribution-geometry-status")).to_have_text("Gekozen op de kaart: een punt.")

    page.get_by_label("Natuur").check()
    page.get_by_label("Uw reactie").fill(text)
    page.get_by_role("button", name="Inbreng versturen").click()
    expect(page.get_by_text("Uw inbreng is geplaatst")).to_be_visible()
    saved = _latest_contribution(demo_app)
    assert saved.text == text and saved.geometry_type == "point"
    assert saved.geometry["coordinates"] == geometry["coordinates"]

    # Back on the round page (a fresh load), zoomed in on the new point: its marker and popup.
    lon, lat = geometry["coordinates"]
    _open_round(page, site)
    map_id = page.locator(".map.leaflet-container").get_attribute("id")
    page.evaluate("([id, lat, lon]) => window.participatieMaps[id].setView([lat, lon], 18)", [map_id, lat, lon])
    expect(page.locator(".map-status")).to_have_text(re.compile(r"^\d+ reacties? in dit kaartbeeld\.$|^1 reactie"))
    x, y = _map_point(page, 0, -20)  # a marker's icon stands above its point
    page.mouse.click(x, y)
    expect(page.locator(".leaflet-popup-content")).to_contain_text(text[:60])

    page.goto(site.url(f"/rondes/{ROUND}/inbreng"))
    expect(page.get_by_text(text)).to_be_visible()


def test_resident_draws_an_area_and_submits_it(site, map_page, demo_app):
    page = map_page
    text = "Dit hele gebied is belangrijk voor weidevogels; houd het open."
    _log_in(page, site)
    _open_round(page, site)

    page.get_by_role("button", name="Vlak").click()
    expect(page.get_by_role("button", name="Klaar")).to_be_disabled()
    for dx, dy in ((-40, -30), (40, -30), (40, 30), (-40, 30)):
        page.mouse.click(*_map_point(page, dx, dy))
    expect(page.locator(".map-status")).to_have_text("Punt 4 gezet.")
    page.get_by_role("button", name="Klaar").click()
    expect(page.locator(".map-status")).to_have_text("Vlak met 4 hoeken getekend. Ga verder met het formulier.")
    geometry = json.loads(page.locator("#contribution-geometry").input_value())
    assert geometry["type"] == "Polygon"
    ring = geometry["coordinates"][0]
    assert len(ring) == 5 and ring[0] == ring[-1]
    expect(page.locator("path.drawn-shape")).to_have_count(1)
    assert_accessible(page, site, "round-map-drawing", role="resident")

    page.get_by_label("Landschap").check()
    page.get_by_label("Uw reactie").fill(text)
    page.get_by_role("button", name="Inbreng versturen").click()
    expect(page.get_by_text("Uw inbreng is geplaatst")).to_be_visible()
    saved = _latest_contribution(demo_app)
    assert saved.text == text and saved.geometry_type == "area" and saved.theme == "landschap"
    assert saved.geometry["type"] == "Polygon"


def test_keyboard_alone_places_a_point_and_undoes_it(site, map_page):
    page = map_page
    _log_in(page, site)
    _open_round(page, site)

    page.get_by_role("button", name="Punt").focus()
    page.keyboard.press("Enter")
    expect(page.locator(".map-status")).to_contain_text("Zonder muis")
    page.locator(".map.leaflet-container").focus()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("Enter")
    expect(page.locator(".map-status")).to_contain_text("Plek gekozen")
    assert json.loads(page.locator("#contribution-geometry").input_value())["type"] == "Point"
    page.get_by_role("button", name="Ongedaan maken").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#contribution-geometry")).to_have_value("")
    expect(page.get_by_role("button", name="Wissen")).to_be_disabled()


def test_without_a_form_there_is_no_drawing_toolbar(site, map_page):
    """A visitor who is not logged in reads the map; the tools to place input stay hidden."""
    page = map_page
    _open_round(page, site)
    expect(page.locator("[data-map-tools]")).to_be_hidden()
    expect(page.locator("#contribution-geometry")).to_have_count(0)
