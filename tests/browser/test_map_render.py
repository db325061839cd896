"""The area map in Chromium: Leaflet from our own site, the strict CSP holds, and the only other
host the browser contacts is the tile server (whose tiles are answered locally here)."""
import re
from urllib.parse import urlsplit

import pytest
from flask import render_template_string
from playwright.sync_api import expect

from participatie.maps import area_map

from .conftest import answer_tiles

AREA = {
    "type": "Polygon",
    "coordinates": [[[5.0, 52.0], [5.3, 52.0], [5.3, 52.2], [5.0, 52.2], [5.0, 52.0]]],
}
PAGE = """{% from "_map.html" import map_head, map_body %}<!doctype html>
<html lang="nl"><head><meta charset="utf-8"><title>Kaart</title>{{ map_head(m) }}</head>
<body><main><h1>Projectgebied</h1>{{ map_body(m) }}<p id="na-kaart">Tekst na de kaart.</p></main></body></html>"""


def _map_page():
    return render_template_string(PAGE, m=area_map(AREA, label="Kaart van het projectgebied"))


_map_page.access = "public"


@pytest.fixture
def map_server(live_app, request):
    """The live server, with a test-only page that shows an area map (added before it starts)."""
    live_app.add_url_rule("/test/kaart", "test_map_page", _map_page)
    return request.getfixturevalue("live_server")


def test_area_map_renders_under_the_csp(map_server, live_app, page):
    tile_host = urlsplit(live_app.config["TILE_URL"]).netloc
    requested = []
    page.on("request", lambda req: requested.append(req.url))
    # Keep the test off the network: the tile server is answered here, but still counted above.
    answer_tiles(live_app, page)

    page.goto(map_server.url("/test/kaart"))

    container = page.locator(".leaflet-container")
    expect(container).to_have_count(1)
    expect(container).to_have_attribute("role", "region")
    expect(container).to_have_attribute("aria-label", "Kaart van het projectgebied")
    # The nonce'd <style> sized it; a blocked style would leave it 0 px high.
    assert container.bounding_box()["height"] > 200
    expect(page.locator(".leaflet-overlay-pane path")).to_have_count(1)  # the area
    expect(page.locator(".leaflet-tile-loaded").first).to_be_attached()
    expect(page.locator(".leaflet-control-attribution")).to_contain_text("Kadaster")
    expect(container).not_to_contain_text("JavaScript")  # the fallback text is gone

    hosts = {urlsplit(url).netloc for url in requested if not url.startswith("data:")}
    assert hosts == {urlsplit(map_server.base_url).netloc, tile_host}, hosts


def test_without_javascript_the_map_leaves_no_empty_box(map_server, browser):
    context = browser.new_context(java_script_enabled=False, locale="nl-NL")
    try:
        page = context.new_page()
        page.goto(map_server.url("/test/kaart"))
        region = page.get_by_role("region", name="Kaart van het projectgebied")
        expect(region).to_contain_text("alleen te zien met JavaScript")
        assert region.bounding_box()["height"] < 100
    finally:
        context.close()


def test_project_page_shows_its_area_map(live_app, live_server, page):
    """The real page: projects.detail calls area_map() and places it with templates/_map.html."""
    from participatie.extensions import db
    from participatie.projects.services import create_project

    with live_app.app_context():
        create_project(title="Kaarttest", summary="Een project met een gebied.", status="published", area=AREA)
        db.session.commit()
    answer_tiles(live_app, page)

    page.goto(live_server.url("/projecten/kaarttest"))

    region = page.locator(".leaflet-container[role=region]")
    expect(region).to_have_count(1)
    expect(region).to_have_attribute("aria-label", re.compile(r"\S"))
    expect(page.locator(".leaflet-overlay-pane path")).to_have_count(1)
