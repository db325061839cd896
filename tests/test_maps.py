"""participatie.maps: folium maps with local assets only, the configured tiles, and CSP nonces."""
import json
import re
from urllib.parse import urlsplit

import folium
import pytest
from flask import g, render_template_string

from participatie import maps
from participatie.maps import BaseMap, StaticAssets, area_map, render_map

AREA = {
    "type": "Polygon",
    "coordinates": [[[5.0, 52.0], [5.3, 52.0], [5.3, 52.2], [5.0, 52.2], [5.0, 52.0]]],
}
# A page of its own, so these tests do not depend on other blueprints' routes in base.html.
PAGE = """{% from "_map.html" import map_head, map_body %}<!doctype html>
<html lang="nl"><head><meta charset="utf-8"><title>Kaart</title>{{ map_head(m) }}</head>
<body><main><h1>Kaart</h1>{{ map_body(m) }}</main></body></html>"""


@pytest.fixture
def request_ctx(app):
    """A request context with the before_request hooks run, so g.csp_nonce is set."""
    with app.test_request_context("/"):
        app.preprocess_request()
        yield


def _all(m) -> str:
    return "\n".join([m.assets, m.html, m.script])


def test_no_geometry_gives_no_map(request_ctx):
    assert area_map(None) is None
    assert area_map({}) is None
    assert area_map({"type": "FeatureCollection", "features": []}) is None
    assert area_map({"type": "Polygon", "coordinates": "not a polygon"}) is None


def test_assets_are_local_leaflet_only(app, request_ctx):
    m = area_map(AREA)
    sources = re.findall(r'<script[^>]*\bsrc="([^"]+)"', m.assets)
    links = re.findall(r'<link[^>]*\bhref="([^"]+)"', m.assets)
    assert sources == ["/static/vendor/leaflet/leaflet.js"]
    assert links == ["/static/vendor/leaflet/leaflet.css"]
    text = _all(m).lower()
    for unwanted in ("jquery", "bootstrap", "font-awesome", "fontawesome", "awesome", "glyphicons", "cdn"):
        assert unwanted not in text, unwanted
    # folium's page-level leftovers: a viewport that forbids zooming, globals, html/body styles.
    assert "user-scalable" not in text and "l_no_touch" not in text and "html, body" not in text


def test_vendored_files_are_served(app, request_ctx):
    m = area_map(AREA)
    client = app.test_client()
    for url in re.findall(r'(?:src|href)="([^"]+)"', m.assets):
        response = client.get(url)
        assert response.status_code == 200, url
        assert len(response.data) > 10_000, url
        response.close()
    for image in ("marker-icon.png", "marker-shadow.png", "layers.png"):
        response = client.get(f"/static/vendor/leaflet/images/{image}")
        assert response.status_code == 200, image
        response.close()


def test_only_the_tile_host_is_named(app, request_ctx):
    m = area_map(AREA)
    hosts = {urlsplit(url).netloc for url in re.findall(r"https?://[^\s\"'<>]+", _all(m))}
    assert hosts == {urlsplit(app.config["TILE_URL"]).netloc} == {"service.pdok.nl"}
    assert "//" not in "".join(re.findall(r'(?:src|href)="([^"]+)"', m.assets))


def test_configured_tiles_and_attribution(make_app):
    app = make_app(TILE_URL="https://tiles.example.test/kaart/{z}/{x}/{y}.png", TILE_ATTRIBUTION="Eigen kaart")
    with app.test_request_context("/"):
        app.preprocess_request()
        m = area_map(AREA)
    assert '"https://tiles.example.test/kaart/{z}/{x}/{y}.png"' in m.script
    assert '"attribution": "Eigen kaart"' in m.script
    assert "pdok" not in _all(m).lower()


def test_every_inline_block_carries_the_request_nonce(request_ctx):
    m = area_map(AREA)
    assert m.nonce == g.csp_nonce
    for tag in re.findall(r"<(?:script|style)\b[^>]*>", m.assets + m.html + m.script):
        assert f'nonce="{g.csp_nonce}"' in tag or re.search(r'\bsrc="/static/', tag), tag
    assert re.search(rf'<style nonce="{g.csp_nonce}">', m.assets)
    assert "<script" not in m.script and "<style" not in m.html


def test_element_is_labelled_and_script_targets_it(request_ctx):
    m = area_map(AREA, label='Gebied "Noord" <b>')
    element_id = re.search(r'<div class="map" id="([^"]+)"', m.html).group(1)
    assert 'role="region"' in m.html
    assert 'aria-label="Gebied &#34;Noord&#34; &lt;b&gt;"' in m.html
    assert "L.map(\n" in m.script and f'"{element_id}"' in m.script
    assert f"#{element_id}.leaflet-container" in m.assets
    assert "height: 18.0rem" in m.assets
    # Without JavaScript a sentence says why there is no map; the script removes it first thing.
    assert "alleen te zien met JavaScript" in m.html
    assert m.script.index(".replaceChildren()") < m.script.index("L.map(")


def test_height_is_configurable_and_never_raw_css(request_ctx):
    assert "height: 24.0rem" in area_map(AREA, height="24rem").assets
    with pytest.raises(ValueError):
        area_map(AREA, height="1px; } body { display: none")


def test_area_and_fitted_bounds(request_ctx):
    m = area_map({"type": "Feature", "properties": {}, "geometry": AREA})
    bounds = re.search(r"\.fitBounds\(\s*(\[\[.*?\]\])", m.script, re.S).group(1)
    assert json.loads(bounds) == [[52.0, 5.0], [52.2, 5.3]]  # Leaflet's [lat, lon], from GeoJSON's lon, lat
    assert '"coordinates": [[[5.0, 52.0], [5.3, 52.0]' in m.script
    assert '"scrollWheelZoom": false' in m.script


def test_a_point_does_not_zoom_to_street_level(request_ctx):
    m = area_map({"type": "Point", "coordinates": [5.1, 52.1]})
    assert '"maxZoom": 15' in m.script


def test_geometry_text_cannot_break_out_of_the_script(request_ctx):
    hostile = {
        "type": "Feature",
        "properties": {"naam": "</script><script>alert(1)</script>", "x": "' & \""},
        "geometry": AREA,
    }
    m = area_map(hostile)
    assert "</script" not in m.script.lower() and "<script" not in m.script.lower()
    assert "\\u003c/script\\u003e" in m.script
    assert hostile["properties"]["naam"] == "</script><script>alert(1)</script>"  # input untouched
    assert "id" not in hostile


def test_folium_defaults_are_left_alone(request_ctx):
    before = list(folium.Map.default_js), list(folium.Map.default_css)
    area_map(AREA)
    assert (list(folium.Map.default_js), list(folium.Map.default_css)) == before
    assert any("jquery" in url for _, url in folium.Map.default_js)  # folium's own, not ours


def test_a_cdn_asset_is_refused(request_ctx):
    class CdnMap(BaseMap):
        default_js = [("leaflet", "https://cdn.jsdelivr.net/npm/leaflet@1.9.4/dist/leaflet.js")]

    with pytest.raises(ValueError, match="not served by this site"):
        render_map(CdnMap(label="Kaart"))


def test_plugins_load_local_files_through_the_mixin(request_ctx):
    from folium.plugins import MarkerCluster

    class LocalMarkerCluster(maps.LocalAssetsMixin, MarkerCluster):
        default_js = StaticAssets(("markercluster", "vendor/leaflet.markercluster/leaflet.markercluster.js"))
        default_css = StaticAssets(
            ("markercluster_css", "vendor/leaflet.markercluster/MarkerCluster.css"),
            ("markercluster_default_css", "vendor/leaflet.markercluster/MarkerCluster.Default.css"),
        )

    m = BaseMap(label="Kaart")
    LocalMarkerCluster().add_to(m)
    rendered = render_map(m)
    assert "/static/vendor/leaflet.markercluster/leaflet.markercluster.js" in rendered.assets
    assert "/static/vendor/leaflet.markercluster/MarkerCluster.Default.css" in rendered.assets
    assert "http" not in rendered.assets
    assert "L.markerClusterGroup(" in rendered.script


def test_rendering_outside_a_request_is_refused(app):
    with app.test_request_context("/"):  # hooks not run: no nonce
        with pytest.raises(RuntimeError, match="nonce"):
            area_map(AREA)


def test_macros_render_nothing_without_a_map(request_ctx):
    html = render_template_string(PAGE, m=None)
    assert "leaflet" not in html and 'class="map"' not in html


def test_page_with_map_matches_its_content_security_policy(app):
    """Through a real response: every inline block's nonce is the one in the CSP header."""

    def view():
        return render_template_string(PAGE, m=area_map(AREA))

    view.access = "public"
    app.add_url_rule("/test/kaart", "test_map", view)
    response = app.test_client().get("/test/kaart")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    nonce = re.search(r"'nonce-([^']+)'", response.headers["Content-Security-Policy"]).group(1)
    inline = re.findall(r"<(?:script|style)\b(?![^>]*\bsrc=)[^>]*>", html)
    assert len(inline) == 2  # the map's <style> and its <script>
    assert all(f'nonce="{nonce}"' in tag for tag in inline), inline
    assert html.index("/static/vendor/leaflet/leaflet.js") < html.index("</head>") < html.index("L.map(")
    assert html.index('class="map"') < html.index("L.map(")
    assert "service.pdok.nl" in response.headers["Content-Security-Policy"]
