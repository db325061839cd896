"""participatie.maps.round_map and templates/rounds/_map_panel.html: local assets only, CSP nonces,
base maps, plan layers styled by category (never by colour alone) with a legend, zone popups, and
contributions that are fetched by the browser, never embedded in the page."""
import json
import re
from datetime import datetime, timedelta, timezone
from urllib.parse import urlsplit

import pytest
from flask import g, render_template_string, url_for
from sqlalchemy import event

from participatie import maps
from participatie.contributions import services as contributions
from participatie.extensions import db
from participatie.maps import PLAN_STYLES, RoundMap, plan_styles, round_map
from participatie.projects.models import Project
from participatie.rounds import services as rounds

AREA = {"type": "Polygon", "coordinates": [[[5.0, 52.0], [5.3, 52.0], [5.3, 52.2], [5.0, 52.2], [5.0, 52.0]]]}
SECRET_TEXT = "Deze unieke zin over de weilanden mag nooit in de HTML van de kaart staan"
PANEL = """{% from "rounds/_map_panel.html" import map_panel_head, map_panel %}
<head>{{ map_panel_head(m) }}</head><body>{{ map_panel(m) }}</body>"""


def _square(lon, lat, size=0.04, **properties):
    ring = [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]
    return {"type": "Feature", "properties": properties, "geometry": {"type": "Polygon", "coordinates": [ring]}}


def _zones(categories=("kansrijk", "mogelijk", "uitgesloten", "kansrijk")):
    return {"type": "FeatureCollection", "features": [
        _square(5.02 + i * 0.06, 52.05, code=f"Z{i + 1}", naam=f"Zone {i + 1}", categorie=category)
        for i, category in enumerate(categories)
    ]}


def _utc(**delta) -> datetime:
    return datetime.now(timezone.utc) + timedelta(**delta)


@pytest.fixture
def request_ctx(app):
    """A request context with the before_request hooks run, so g.csp_nonce is set."""
    with app.test_request_context("/"):
        app.preprocess_request()
        yield


@pytest.fixture
def round_(app):
    """An open round in a published project with an area and a layer of four zones (version 2)."""
    project = Project(slug="kaartproject", title="Kaartproject", status="published", area=AREA)
    db.session.add(project)
    db.session.flush()
    made = rounds.create_round(project, slug="kaartronde", title="Kaartronde", starts_at=_utc(days=-1),
                               ends_at=_utc(days=10))
    layer = rounds.add_layer(made, "Kansenkaart", style_property="categorie", description="Zones voor zon.")
    rounds.upload_layer_version(layer, _zones(("mogelijk",) * 4))
    rounds.upload_layer_version(layer, _zones())
    db.session.commit()
    return made


@pytest.fixture
def with_contribution(round_, make_user):
    author = make_user()
    contributions.create_contribution(round_, author, theme="natuur", text=SECRET_TEXT,
                                      geometry={"type": "Point", "coordinates": [5.1, 52.1]})
    db.session.commit()
    return author


def _panel(m) -> str:
    return render_template_string(PANEL, m=m)


def _plan_features(script: str) -> dict:
    """The plan layer's FeatureCollection as embedded in the map script (the one with zone names)."""
    for match in re.finditer(r"_add\((\{.*?\})\);\n", script, re.S):
        data = json.loads(match.group(1))
        features = data.get("features") or []
        if any("lines" in (f.get("properties") or {}) for f in features):
            return data
    raise AssertionError("no plan layer in the map script")


# --- assets and CSP ---------------------------------------------------------------------------------

def test_assets_are_local_leaflet_and_markercluster_only(round_, request_ctx):
    m = round_map(round_)
    page = _panel(m)
    scripts = re.findall(r'<script[^>]*\bsrc="([^"]+)"', page)
    styles = re.findall(r'<link[^>]*\bhref="([^"]+)"', page)
    assert scripts == ["/static/vendor/leaflet/leaflet.js",
                       "/static/vendor/leaflet.markercluster/leaflet.markercluster.js",
                       "/static/js/map.js"]
    assert styles == ["/static/vendor/leaflet/leaflet.css", "/static/vendor/leaflet.markercluster/MarkerCluster.css",
                      "/static/css/map.css"]
    lowered = page.lower()
    for unwanted in ("jquery", "bootstrap", "font-awesome", "fontawesome", "cdn.", "unpkg", "jsdelivr"):
        assert unwanted not in lowered, unwanted
    hosts = {urlsplit(url).netloc for url in re.findall(r"https?://[^\s\"'<>]+", page)}
    assert hosts == {"service.pdok.nl"}


def test_every_file_the_panel_loads_is_served(app, round_, request_ctx):
    page = _panel(round_map(round_))
    client = app.test_client()
    for url in re.findall(r'(?:src|href)="(/static/[^"]+)"', page):
        response = client.get(url)
        assert response.status_code == 200, url
        response.close()


def test_every_inline_block_carries_the_nonce(round_, request_ctx):
    page = _panel(round_map(round_))
    tags = re.findall(r"<(?:script|style)\b[^>]*>", page)
    assert len(tags) >= 4
    for tag in tags:
        assert f'nonce="{g.csp_nonce}"' in tag or re.search(r'\bsrc="/static/', tag), tag
    assert not re.search(r"\sstyle=", page), "no style attributes under a strict CSP"
    assert not re.search(r"\son[a-z]+=", page), "no inline event handlers"


def test_map_registers_itself_for_our_script(round_, request_ctx):
    m = round_map(round_)
    assert f'(window.participatieMaps = window.participatieMaps || {{}})["{m.map_id}"] = {m.map_id};' in m.script
    assert 'new CustomEvent("participatie:map-ready"' in m.script
    # It runs after everything was added to the map: after the layer control.
    assert m.script.index("L.control.layers(") < m.script.index("participatie:map-ready")
    assert f'id="{m.map_id}"' in m.html


def test_panel_renders_nothing_without_a_map(app, request_ctx):
    assert render_template_string(PANEL, m=None).strip() == "<head></head><body></body>"


# --- base maps --------------------------------------------------------------------------------------

def test_three_pdok_base_maps_standard_first(app, round_, request_ctx):
    script = round_map(round_).script
    urls = re.findall(r'L\.tileLayer\(\s*"([^"]+)"', script)
    assert urls == [app.config["TILE_URL"], app.config["TILE_URL_GREY"], app.config["TILE_URL_AERIAL"]]
    assert "/standaard/" in urls[0] and "/grijs/" in urls[1] and "luchtfoto" in urls[2]
    added = re.findall(r"(tile_layer_\w+)\.addTo\(", script)
    assert len(added) == 1  # only the standard map is on at first
    assert re.search(r'"Kaart \(standaard\)" : ' + added[0], script)
    assert '"Kaart (grijs)" :' in script and '"Luchtfoto" :' in script


def test_base_maps_follow_the_configuration(make_app):
    app = make_app(TILE_URL="https://tiles.example.test/{z}/{x}/{y}.png", TILE_URL_GREY="",
                   TILE_URL_AERIAL="https://foto.example.test/{z}/{x}/{y}.jpeg")
    with app.app_context():
        project = Project(slug="p", title="P", status="published", area=AREA)
        db.session.add(project)
        made = rounds.create_round(project, slug="r", title="R", starts_at=_utc(days=-1), ends_at=_utc(days=1))
        db.session.commit()
        with app.test_request_context("/"):
            app.preprocess_request()
            script = round_map(made).script
        urls = re.findall(r'L\.tileLayer\(\s*"([^"]+)"', script)
        assert urls == ["https://tiles.example.test/{z}/{x}/{y}.png", "https://foto.example.test/{z}/{x}/{y}.jpeg"]
        csp = app.test_client().get("/healthz").headers["Content-Security-Policy"]
        img_src = next(part for part in csp.split("; ") if part.startswith("img-src"))
        assert "https://tiles.example.test" in img_src and "https://foto.example.test" in img_src


def test_csp_allows_the_default_pdok_host_once(client):
    csp = client.get("/healthz").headers["Content-Security-Policy"]
    img_src = next(part for part in csp.split("; ") if part.startswith("img-src"))
    assert img_src == "img-src 'self' data: https://service.pdok.nl"


# --- start view, element, data for the script ---------------------------------------------------------

def test_start_view_and_data_attributes(round_, request_ctx):
    rounds.update_round(round_, center_lat=52.1, center_lon=5.15, zoom=12, allowed_geometries=["point", "area"])
    m = round_map(round_)
    assert re.search(r"center: \[52\.1, 5\.15\]", m.script)
    assert '"zoom": 12' in m.script
    url = url_for("contributions.geojson", slug=round_.slug)
    assert f'data-contributions-url="{url}"' in m.html
    assert 'data-geometries="point area"' in m.html
    assert m.geometries == ("point", "area")
    assert 'role="region"' in m.html and 'aria-label="Kaart van de ronde: Kaartronde"' in m.html
    assert ".fitBounds(" not in m.script  # the view staff chose is kept


def test_without_a_start_view_the_area_is_fitted(round_, request_ctx):
    rounds.update_round(round_, zoom=11)
    m = round_map(round_)
    fitted = re.search(r"\.fitBounds\(\s*(\[\[.*?\]\]),\s*(\{.*?\})\s*\)", m.script, re.S)
    assert json.loads(fitted.group(1)) == [[52.0, 5.0], [52.2, 5.3]]
    assert json.loads(fitted.group(2).replace(",\n}", "}"))["maxZoom"] == 11  # never closer than the round's zoom


def test_toolbar_offers_only_the_allowed_geometries(round_, request_ctx):
    rounds.update_round(round_, allowed_geometries=["line"])
    page = _panel(round_map(round_))
    modes = re.findall(r'data-map-mode="(\w+)"[^>]*>([^<]+)<', page)
    assert modes == [("line", "Lijn")]
    for action in ("Klaar", "Ongedaan maken", "Wissen"):
        assert f">{action}</button>" in page
    assert re.search(r'<div class="map-tools" data-map-tools hidden', page)  # shown by map.js with a form
    assert re.search(r'<p class="map-status" role="status" aria-live="polite"', page)


def test_round_area_is_outlined(round_, request_ctx):
    m = round_map(round_)
    assert '"Gebied van de ronde" :' in m.script
    assert m.has_area
    assert '"coordinates": [[[5.0, 52.0], [5.3, 52.0]' in m.script


# --- plan layers: style, legend, popups ---------------------------------------------------------------

def test_plan_layer_is_styled_by_category(round_, request_ctx):
    script = round_map(round_).script
    collection = _plan_features(script)
    by_zone = {f["id"]: f["properties"]["category"] for f in collection["features"]}
    assert by_zone == {"Z1": "kansrijk", "Z2": "mogelijk", "Z3": "uitgesloten", "Z4": "kansrijk"}
    stylers = re.findall(r"function geo_json_\w+_styler\(feature\) \{(.*?)\n        \}", script, re.S)
    body = next(body for body in stylers if 'case "Z' in body)  # the plan layer's, not the area's
    cases = dict()
    for ids, style in re.findall(r"((?:case \"Z\d\": )+)\s*return (\{.*?\});", body, re.S):
        for zone in re.findall(r'"(Z\d)"', ids):
            cases[zone] = json.loads(style)
    default = json.loads(re.search(r"default:\s*return (\{.*?\});", body, re.S).group(1))
    for zone in by_zone:
        cases.setdefault(zone, default)
    kansrijk, mogelijk, uitgesloten = cases["Z1"], cases["Z2"], cases["Z3"]
    assert cases["Z4"] == kansrijk
    assert kansrijk["color"] == "#176b2f" and "dashArray" not in kansrijk and kansrijk["fillColor"] == "#176b2f"
    assert mogelijk["dashArray"] == "10 6" and mogelijk["fillColor"] == "url(#participatie-fill-oker)"
    assert uitgesloten["dashArray"] == "2 6" and uitgesloten["fillColor"] == "url(#participatie-fill-rood)"
    assert len({kansrijk["color"], mogelijk["color"], uitgesloten["color"]}) == 3


def test_legend_names_every_category_in_text_with_its_pattern(round_, request_ctx):
    m = round_map(round_)
    page = _panel(m)
    assert "Legenda</h3>" in page
    assert "<strong>Kansenkaart</strong>" in page and "(versie 2)" in page and "Zones voor zon." in page
    labels = re.findall(r'<span class="map-legend-label">([^<]+)</span> <span class="who">\(([^)]+)\)', page)
    assert labels == [("Kansrijk", "2 zones"), ("Mogelijk", "1 zone"), ("Uitgesloten", "1 zone")]
    # The hatching and dots the map uses are defined once in the page, and the legend uses them too.
    for pattern in ("participatie-fill-oker", "participatie-fill-rood"):
        assert page.count(f'<pattern id="{pattern}"') == 1
        assert f'fill="url(#{pattern})"' in page
    assert 'stroke-dasharray="2 6"' in page and 'stroke-dasharray="10 6"' in page
    assert "Gebied van de ronde" in page and "Groep reacties" in page


def test_legend_heading_level_can_be_chosen(round_, request_ctx):
    m = round_map(round_)
    page = render_template_string('{% from "rounds/_map_panel.html" import map_panel %}{{ map_panel(m, 4) }}', m=m)
    assert '<h4 class="map-legend-title">Legenda</h4>' in page


def test_zone_popups_have_name_category_and_counts(round_, make_user, request_ctx):
    zone = next(z for z in rounds.current_zones(round_) if z.key == "Z3")
    voter = make_user()
    contributions.cast_vote(round_, voter, "objection", zone_id=zone.id)
    db.session.commit()
    features = {f["id"]: f for f in _plan_features(round_map(round_, voter).script)["features"]}
    properties = features["Z3"]["properties"]
    assert properties["name"] == "Zone 3"
    assert properties["lines"] == ["Categorie: uitgesloten", "Steun: 0 · Bezwaar: 1", "U maakte bezwaar."]
    assert [link["href"] for link in properties["links"]] == [
        f"#zone-{zone.id}", url_for("contributions.index", slug=round_.slug, zone=zone.id)]
    assert features["Z1"]["properties"]["lines"] == ["Categorie: kansrijk", "Steun: 0 · Bezwaar: 0"]


def test_without_votes_the_popup_has_no_counts(round_, request_ctx):
    rounds.update_round(round_, votes_enabled=False)
    features = _plan_features(round_map(round_).script)["features"]
    assert all(f["properties"]["lines"] == [f"Categorie: {f['properties']['category']}"] for f in features)


def test_zone_names_cannot_break_out_of_the_script(round_, request_ctx):
    layer = round_.layers[0]
    hostile = _zones(("kansrijk",))
    hostile["features"][0]["properties"]["naam"] = "</script><script>alert(1)</script>"
    rounds.upload_layer_version(layer, hostile)
    db.session.commit()
    m = round_map(round_)
    assert "<script" not in m.script.lower()
    assert "\\u003c/script\\u003e" in m.script
    assert "<script>alert" not in _panel(m)
    # Popups are made of text nodes, never of HTML strings.
    assert "textContent = info.name" in m.script and "innerHTML" not in m.script


def test_round_without_plan_layers_has_no_plan_legend(app, request_ctx):
    project = Project(slug="leeg", title="Leeg", status="published", area=AREA)
    db.session.add(project)
    made = rounds.create_round(project, slug="leeg", title="Leeg", starts_at=_utc(days=-1), ends_at=_utc(days=1))
    rounds.add_layer(made, "Nog niets")  # a layer without a version is not drawn
    db.session.commit()
    m = round_map(made)
    assert m.legend == () and m.styles == ()
    assert "map-legend-layer" not in _panel(m)
    assert "Groep reacties" in _panel(m)


# --- styles -----------------------------------------------------------------------------------------

def _luminance(colour: str) -> float:
    channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _contrast(a: str, b: str) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def _tint(colour: str, share: float) -> str:
    """The colour laid over white at `share` opacity, as the fill looks on a light map."""
    mixed = [round(255 * (1 - share) + int(colour[i:i + 2], 16) * share) for i in (1, 3, 5)]
    return "#" + "".join(f"{c:02x}" for c in mixed)


@pytest.mark.parametrize("style", PLAN_STYLES + (maps.NEUTRAL_STYLE,), ids=lambda s: s.key)
def test_style_colours_contrast_at_least_3_to_1(style):
    for background in ("#ffffff", "#e6e6e6", "#f2efe9"):  # white, BRT grey, BRT standard land
        assert _contrast(style.colour, background) >= 3, background
    assert _contrast(style.colour, _tint(style.colour, 0.25)) >= 3  # the line against its own fill


def test_styles_differ_without_colour():
    looks = [(s.dash, s.pattern) for s in PLAN_STYLES]
    assert len(set(looks)) == len(looks)
    kansrijk, mogelijk, uitgesloten = (plan_styles(["kansrijk", "mogelijk", "uitgesloten"])[c]
                                       for c in ("kansrijk", "mogelijk", "uitgesloten"))
    assert len({kansrijk.dash, mogelijk.dash, uitgesloten.dash}) == 3
    assert len({kansrijk.pattern, mogelijk.pattern, uitgesloten.pattern}) == 3


def test_unknown_categories_take_free_styles():
    styles = plan_styles(["hoog", "kansrijk", "laag", ""])
    assert styles["kansrijk"] == PLAN_STYLES[0]
    assert styles["hoog"] == PLAN_STYLES[1] and styles["laag"] == PLAN_STYLES[2]
    assert styles[""] == maps.NEUTRAL_STYLE
    many = plan_styles([f"c{i}" for i in range(len(PLAN_STYLES) + 2)])
    assert len(set(many.values())) == len(PLAN_STYLES)  # more values than styles: styles repeat


# --- contributions are fetched, never embedded ------------------------------------------------------

def test_contribution_text_is_never_in_the_map_html(round_, with_contribution, request_ctx):
    m = round_map(round_, with_contribution)
    page = _panel(m)
    assert SECRET_TEXT[:30] not in page
    assert "natuur" not in m.script  # not even its theme
    assert m.html.count("data-contributions-url=") == 1


def test_the_round_page_does_not_embed_contributions(client, round_, with_contribution):
    response = client.get(f"/rondes/{round_.slug}")
    assert response.status_code == 200
    assert SECRET_TEXT[:30] not in response.get_data(as_text=True)


def test_the_data_url_gives_the_contributions_in_view(app, client, round_, with_contribution, request_ctx):
    m = round_map(round_)
    url = re.search(r'data-contributions-url="([^"]+)"', m.html).group(1)
    limit = re.search(r'data-contributions-limit="(\d+)"', m.html).group(1)
    inside = client.get(f"{url}?bbox=5.0,52.0,5.3,52.2&limit={limit}")
    assert inside.status_code == 200
    features = inside.get_json()["features"]
    assert [f["properties"]["text"][:30] for f in features] == [SECRET_TEXT[:30]]
    assert features[0]["properties"]["url"].startswith("/")
    outside = client.get(f"{url}?bbox=4.0,51.0,4.1,51.1&limit={limit}")
    assert outside.get_json()["features"] == []


# --- no extra queries -------------------------------------------------------------------------------

def test_with_the_round_page_data_the_map_needs_no_queries(app, round_, with_contribution, request_ctx):
    page = contributions.round_page(round_, with_contribution)
    statements = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        m = round_map(round_, with_contribution, page=page)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert statements == []
    assert len(m.legend[0].items) == 3


def test_without_page_data_the_number_of_queries_is_fixed(app, round_, make_user, request_ctx):
    def queries() -> int:
        statements = []

        def count(conn, cursor, statement, *args):
            statements.append(statement)

        db.session.expire_all()
        event.listen(db.engine, "before_cursor_execute", count)
        try:
            round_map(db.session.get(type(round_), round_.id))
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        return len(statements)

    before = queries()
    author = make_user()
    for i in range(30):
        contributions.create_contribution(round_, author, theme="natuur", text=f"Reactie {i}",
                                          geometry={"type": "Point", "coordinates": [5.05 + i * 0.005, 52.1]})
    db.session.commit()
    assert queries() == before


def test_round_map_class_is_a_base_map_with_local_assets(request_ctx):
    assert issubclass(RoundMap, maps.BaseMap)
    assert [name for name, _ in RoundMap.default_js] == ["leaflet", "markercluster"]
