"""Maps built with folium and served entirely from our own site. The only module that imports folium.

folium's defaults load Leaflet, jQuery, Bootstrap and Font Awesome from CDNs and emit inline <style>
and <script> blocks. Our maps load only the vendored Leaflet under static/vendor/ (see
tools/vendor.sh), so no resident's address goes to a third party except the configured tile server,
and every inline block carries the request's CSP nonce.

A map is rendered into three parts a Jinja template can place (templates/_map.html):
`assets` for <head>, `html` (the map element) and `script` (wrapped in a nonce'd <script>).
The script ends by handing the Leaflet map to our static JavaScript (window.participatieMaps and a
"participatie:map-ready" event). `round_map()` builds a round's interactive map, placed with
templates/rounds/_map_panel.html; static/js/map.js adds the contributions and the drawing tools.
"""
import copy
import json
import logging
import re
from dataclasses import dataclass

import folium
from branca.element import CssLink, JavascriptLink
from flask import current_app, g, url_for
from flask_babel import gettext as _
from folium.template import Template
from markupsafe import Markup, escape

log = logging.getLogger(__name__)

# Centre of Provincie Utrecht, for a map that has nothing to fit yet.
UTRECHT_CENTRE = (52.08, 5.18)
AREA_STYLE = {"color": "#b3003b", "weight": 3, "fillColor": "#b3003b", "fillOpacity": 0.12}
# A single point or a small area should not zoom in to street level.
AREA_MAX_ZOOM = 15

_INLINE_TAG = re.compile(r"<(script|style)\b(?![^>]*\bnonce=)", re.IGNORECASE)


class StaticAssets:
    """A class-level list of (name, file under static/) that reads as (name, url) pairs.

    It takes the place of folium's `default_js`/`default_css` lists, whose entries are CDN URLs;
    the URLs are made with url_for() when the map renders, so they follow the app's static path.
    To add a library, subclass and list it here; folium's add_js_link() has no lasting effect.
    """

    def __init__(self, *assets: tuple[str, str]):
        self.assets = assets

    def __get__(self, obj, owner=None) -> list[tuple[str, str]]:
        return [(name, url_for("static", filename=filename)) for name, filename in self.assets]


class LocalAssetsMixin:
    """Put first in the bases of any folium class with `default_js`/`default_css` (a plugin such as
    folium.plugins.MarkerCluster) and list its vendored files as `StaticAssets` instead."""

    default_js = StaticAssets()
    default_css = StaticAssets()


class BaseMap(LocalAssetsMixin, folium.Map):
    """A folium map with local Leaflet, our configured base map, and an accessible, CSP-safe element.

    Only Leaflet is loaded: no jQuery, Bootstrap or Font Awesome. The template replaces folium's:
    no viewport meta with user-scalable=no (the page has its own, zoomable one), no page-wide
    html/body styles, no L_NO_TOUCH globals, and no jQuery call.
    """

    default_js = StaticAssets(("leaflet", "vendor/leaflet/leaflet.js"))
    default_css = StaticAssets(("leaflet_css", "vendor/leaflet/leaflet.css"))

    _template = Template(
        """
        {% macro header(this, kwargs) %}
            {#- Sized only once Leaflet has taken the element, so that without JavaScript
                no empty box is left on the page. -#}
            <style>
                #{{ this.get_name() }}.leaflet-container {
                    width: {{ this.width[0] }}{{ this.width[1] }};
                    height: {{ this.height[0] }}{{ this.height[1] }};
                    font-size: {{ this.font_size }};
                }
            </style>
        {% endmacro %}

        {% macro html(this, kwargs) %}
            <div class="map" id="{{ this.get_name() }}" role="region" aria-label="{{ this.label|e }}"
                {%- for key, value in this.data_attributes.items() %} data-{{ key }}="{{ value|e }}"{% endfor %}>
                <p class="map-fallback">{{ this.fallback_text|e }}</p>
            </div>
        {% endmacro %}

        {% macro script(this, kwargs) %}
            {#- The fallback text is for pages without JavaScript; it goes once the map runs. -#}
            document.getElementById({{ this.get_name()|tojson }}).replaceChildren();
            var {{ this.get_name() }} = L.map(
                {{ this.get_name()|tojson }},
                {
                    center: {{ this.location|tojson }},
                    crs: L.CRS.{{ this.crs }},
                    ...{{ this.options|tojavascript }}
                }
            );
            {%- if this.control_scale %}
            L.control.scale({imperial: false}).addTo({{ this.get_name() }});
            {%- endif %}
            {%- if this.zoom_control_position %}
            L.control.zoom({position: {{ this.zoom_control|tojson }}}).addTo({{ this.get_name() }});
            {%- endif %}
            {%- if this.objects_to_stay_in_front %}
            function {{ this.get_name() }}_in_front() {
                {%- for obj in this.objects_to_stay_in_front %}
                {{ obj.get_name() }}.bringToFront();
                {%- endfor %}
            }
            {{ this.get_name() }}.on("overlayadd", {{ this.get_name() }}_in_front);
            {{ this.get_name() }}_in_front();
            {%- endif %}
        {% endmacro %}
        """
    )

    def __init__(self, label: str, height: str = "18rem", location=UTRECHT_CENTRE, zoom_start: int = 10,
                 **kwargs):
        """`label` names the map for screen readers; extra keyword arguments are Leaflet map options."""
        kwargs.setdefault("control_scale", True)
        super().__init__(location=location, zoom_start=zoom_start, height=height, tiles=None, **kwargs)
        self.label = label
        self.fallback_text = _("De kaart is alleen te zien met JavaScript aan.")
        # data-* attributes of the map element, for our own static JavaScript (names without "data-").
        self.data_attributes: dict[str, str] = {}
        self.add_base_layers()

    def add_base_layers(self) -> None:
        """The base map: the configured tile server. Subclasses may offer more to choose from."""
        config = current_app.config
        folium.TileLayer(
            tiles=config["TILE_URL"],
            attr=config["TILE_ATTRIBUTION"],
            name=_("Achtergrondkaart"),
            max_zoom=19,
            max_native_zoom=19,
        ).add_to(self)


@dataclass(frozen=True)
class RenderedMap:
    """The parts of a rendered map, ready for templates/_map.html."""

    assets: Markup  # <link>/<script src> tags (and a nonce'd <style>) for <head>
    html: Markup  # the map element
    script: Markup  # JavaScript to run after the element, inside <script nonce=…>
    nonce: str  # the CSP nonce the parts were made for


def render_map(m: BaseMap, nonce: str | None = None) -> RenderedMap:
    """Render a map into its head, body and script parts, for the current request's CSP nonce."""
    nonce = nonce or g.get("csp_nonce")
    if not nonce:
        raise RuntimeError("render_map() needs a request with a CSP nonce (g.csp_nonce)")
    figure = m.get_root()
    # What Figure.render() does, without its full HTML page: fills header, html and script.
    for child in figure._children.values():
        child.render()
    head = []
    for name, element in figure.header._children.items():
        if name == "meta_http":  # the page declares its own charset
            continue
        if isinstance(element, JavascriptLink):
            head.append(f'<script src="{escape(_local_url(element.url))}"></script>')
        elif isinstance(element, CssLink):
            head.append(f'<link rel="stylesheet" href="{escape(_local_url(element.url))}">')
        else:
            head.append(_with_nonce(element.render(), nonce))
    html = figure.html.render()
    script = figure.script.render()
    if re.search(r"<(script|style)\b", html, re.IGNORECASE):
        raise ValueError("a map element emitted an inline <script> or <style> in the page body")
    script += _registration(m)
    if "</script" in script.lower():
        raise ValueError("map script contains '</script'; data must be embedded escaped")
    return RenderedMap(
        assets=Markup("\n".join(head)), html=Markup(html.strip()), script=Markup(script.strip()), nonce=nonce
    )


def _registration(m: BaseMap) -> str:
    """JavaScript that hands the finished Leaflet map to our static scripts (static/js/map.js):
    `window.participatieMaps[element id]`, and a "participatie:map-ready" event on document whose
    detail is {id, map, layerControl}. It runs after every layer and control has been added."""
    name = json.dumps(m.get_name())
    control = next((child for child in m._children.values() if isinstance(child, folium.LayerControl)), None)
    control_name = control.get_name() if control is not None else "null"
    return f"""
(window.participatieMaps = window.participatieMaps || {{}})[{name}] = {m.get_name()};
{m.get_name()}.participatieLayerControl = {control_name};
document.dispatchEvent(new CustomEvent("participatie:map-ready", {{
    detail: {{id: {name}, map: {m.get_name()}, layerControl: {control_name}}}
}}));"""


def area_map(geometry: dict | None, height: str = "18rem", label: str | None = None) -> RenderedMap | None:
    """A small map that shows a GeoJSON area (geometry, Feature or FeatureCollection) and fits it.

    Returns None when there is no geometry, or none with coordinates, so templates can skip the map.
    """
    if not isinstance(geometry, dict) or not geometry.get("type"):
        return None
    try:
        layer = folium.GeoJson(
            copy.deepcopy(geometry),  # folium adds ids to the features it is given
            name=_("Gebied"),
            style_function=_area_style,
            interactive=False,  # nothing happens on a click, so no pointer cursor either
        )
        bounds = layer.get_bounds()
    except (AttributeError, KeyError, IndexError, TypeError, ValueError):
        log.warning("area_map: geometry is not valid GeoJSON, no map shown", exc_info=True)
        return None
    if any(value is None for corner in bounds for value in corner):
        return None
    m = BaseMap(
        label=label or _("Kaart van het gebied"),
        height=height,
        # A small map inside a page must not catch the page's scrolling.
        scroll_wheel_zoom=False,
    )
    layer.add_to(m)
    m.fit_bounds(bounds, max_zoom=AREA_MAX_ZOOM, padding=(12, 12))
    return render_map(m)


def _area_style(feature: dict) -> dict:
    return AREA_STYLE


def _local_url(url: str) -> str:
    """Refuse anything but a path on our own site: a library from a CDN would leak visitors' IPs."""
    if not url.startswith("/") or url.startswith("//"):
        raise ValueError(f"map asset is not served by this site: {url}")
    return url


def _with_nonce(fragment: str, nonce: str) -> str:
    """Give every inline <script> and <style> opening tag the CSP nonce."""
    return _INLINE_TAG.sub(lambda match: f'<{match.group(1)} nonce="{escape(nonce)}"', fragment)


# --- the map of a consultation round ---------------------------------------------------------------

@dataclass(frozen=True)
class PlanStyle:
    """How one category of a plan layer is drawn: a colour AND a line pattern AND a fill pattern, so
    that categories can be told apart without seeing colour. Every colour has a contrast of at least
    3:1 against the light base maps and against its own tinted fill."""

    key: str  # the style's name, used in the SVG pattern id
    colour: str
    dash: str | None  # SVG stroke-dasharray; None is a solid line
    pattern: str  # "tint" (plain), "hatch" (diagonal lines), "dots" or "cross" (cross-hatching)

    @property
    def pattern_id(self) -> str:
        return f"participatie-fill-{self.key}"

    def leaflet(self, shape: str = "area") -> dict:
        """Leaflet path options. Patterned fills point at the <pattern> that the map panel puts in
        the page (templates/rounds/_map_panel.html); Leaflet draws with SVG, so url(#…) works."""
        fill = self.colour if self.pattern == "tint" else f"url(#{self.pattern_id})"
        style = {"color": self.colour, "weight": 4 if shape == "line" else 3, "opacity": 1,
                 "fillColor": fill, "fillOpacity": 0.25 if self.pattern == "tint" else 0.9,
                 "className": f"plan-feature plan-{self.key}"}
        if self.dash:
            style["dashArray"] = self.dash
        return style


# Categories that have a fixed meaning keep a fixed look everywhere; other values take the next free
# style of PLAN_STYLES in order of appearance. Kansrijk: solid line, light fill; mogelijk: dashes,
# dots; uitgesloten: dotted line, hatched.
PLAN_STYLES = (
    PlanStyle("groen", "#176b2f", None, "tint"),
    PlanStyle("oker", "#7a4a00", "10 6", "dots"),
    PlanStyle("rood", "#a3001e", "2 6", "hatch"),
    PlanStyle("blauw", "#1b55a8", "14 4 2 4", "cross"),
    PlanStyle("paars", "#6a3d9a", "6 6", "tint"),
    PlanStyle("petrol", "#00666e", None, "hatch"),
)
NEUTRAL_STYLE = PlanStyle("grijs", "#4d4d4d", "4 4", "tint")
KNOWN_CATEGORIES = {
    "kansrijk": 0, "mogelijk": 1, "uitgesloten": 2,
    "bestaand": 0, "verbeteren": 1, "nieuw": 3,
}
ROUND_AREA_STYLE = {"color": "#1a1a1a", "weight": 2, "dashArray": "8 4 2 4", "fill": False, "opacity": 0.9}
ROUND_MAP_HEIGHT = "60vh"
# How many contributions the map asks for per view; the endpoint says when there were more.
CONTRIBUTIONS_LIMIT = 2000
_SHAPES = {"Point": "point", "MultiPoint": "point", "LineString": "line", "MultiLineString": "line"}


def plan_styles(categories) -> dict[str, PlanStyle]:
    """A style for each category value (in the order given): known ones fixed, the others the next
    style not yet used in this layer; "" (no value) is neutral grey."""
    styles: dict[str, PlanStyle] = {}
    used = set()
    for category in categories:
        index = KNOWN_CATEGORIES.get(category.strip().lower()) if category else None
        if index is not None:
            styles[category] = PLAN_STYLES[index]
            used.add(index)
    free = [i for i in range(len(PLAN_STYLES)) if i not in used] or list(range(len(PLAN_STYLES)))
    for category in categories:
        if category in styles:
            continue
        if not category:
            styles[category] = NEUTRAL_STYLE
            continue
        # More categories than styles: start again (the text labels still tell them apart).
        styles[category] = PLAN_STYLES[free[0]]
        free = free[1:] or list(range(len(PLAN_STYLES)))
    return styles


@dataclass(frozen=True)
class LegendItem:
    label: str  # the category value as text, or "zonder categorie"
    count: int  # zones with this value
    style: PlanStyle
    shape: str  # "area", "line" or "point": how the swatch is drawn


@dataclass(frozen=True)
class LegendLayer:
    name: str
    description: str
    version: int
    items: tuple[LegendItem, ...]


@dataclass(frozen=True)
class RoundRenderedMap(RenderedMap):
    """A rendered round map plus what the map panel shows around it (templates/rounds/_map_panel.html)."""

    map_id: str = ""
    legend: tuple[LegendLayer, ...] = ()
    geometries: tuple[str, ...] = ()  # what residents may draw: "point", "line", "area"
    has_area: bool = False  # the round's area is outlined on the map

    @property
    def styles(self) -> tuple[PlanStyle, ...]:
        """Every style the legend uses, once: the panel defines their fill patterns."""
        seen: dict[str, PlanStyle] = {}
        for layer in self.legend:
            for item in layer.items:
                seen.setdefault(item.style.key, item.style)
        return tuple(seen.values())


class RoundMap(BaseMap):
    """The map of a consultation round: PDOK base maps to choose from, the round's area, its plan
    layers styled by category, and a layer control. Contributions are not part of it: static/js/map.js
    fetches them for the visible area (data-contributions-url) and clusters them."""

    default_js = StaticAssets(
        ("leaflet", "vendor/leaflet/leaflet.js"),
        ("markercluster", "vendor/leaflet.markercluster/leaflet.markercluster.js"),
    )
    default_css = StaticAssets(
        ("leaflet_css", "vendor/leaflet/leaflet.css"),
        ("markercluster_css", "vendor/leaflet.markercluster/MarkerCluster.css"),
    )

    def add_base_layers(self) -> None:
        """BRT-Achtergrondkaart (the configured TILE_URL), grey and aerial photo; only the first is on."""
        config = current_app.config
        choices = [
            (config["TILE_URL"], config["TILE_ATTRIBUTION"], _("Kaart (standaard)")),
            (config.get("TILE_URL_GREY"), config["TILE_ATTRIBUTION"], _("Kaart (grijs)")),
            (config.get("TILE_URL_AERIAL"), config.get("TILE_ATTRIBUTION_AERIAL") or config["TILE_ATTRIBUTION"],
             _("Luchtfoto")),
        ]
        first = True
        for url, attribution, name in choices:
            if not url:
                continue
            folium.TileLayer(tiles=url, attr=attribution, name=name, max_zoom=19, max_native_zoom=19,
                             show=first).add_to(self)
            first = False


# Zone popups are built from text nodes, never from HTML strings: names come from uploaded files.
_ZONE_POPUP = folium.JsCode("""function (feature, layer) {
    var info = feature.properties || {};
    var box = document.createElement("div");
    box.className = "map-popup";
    var title = document.createElement("p");
    title.className = "map-popup-title";
    title.textContent = info.name || "";
    box.appendChild(title);
    (info.lines || []).forEach(function (line) {
        var p = document.createElement("p");
        p.textContent = line;
        box.appendChild(p);
    });
    (info.links || []).forEach(function (link) {
        // Links within our own site only; an in-page link only when the page has that part.
        var href = String(link.href || "");
        var local = href.charAt(0) === "/" && href.charAt(1) !== "/";
        if (!local && !(href.charAt(0) === "#" && document.getElementById(href.slice(1)))) { return; }
        var p = document.createElement("p");
        var a = document.createElement("a");
        a.href = href;
        a.textContent = link.text;
        p.appendChild(a);
        box.appendChild(p);
    });
    layer.bindPopup(box);
}""")


def round_map(round_, viewer=None, *, page=None, height: str = ROUND_MAP_HEIGHT) -> RoundRenderedMap:
    """The interactive map of a round, for templates/rounds/_map_panel.html.

    `page` is the round page's data (contributions.services.round_page()) when the view has it: its
    layers, zones and vote counts are reused, so the map adds no queries. Without it they are read
    here, in a fixed number of queries. Contributions are never embedded: the map element carries
    the URL of their GeoJSON endpoint, and static/js/map.js fetches them for the visible area."""
    from .contributions import services as contributions
    from .rounds import services as rounds

    if page is not None:
        layers, zones, view, area = page.layers, page.zones, page.view, page.area
        zone_votes, my_votes = page.zone_votes, page.my_zone_votes
    else:
        layers = rounds.current_layers(round_, with_geojson=False)
        zones = rounds.current_zones(round_)
        view, area = rounds.map_view(round_), rounds.round_area(round_)
        zone_votes = contributions.zone_vote_counts(round_)
        my_votes = contributions.my_zone_votes(round_, viewer)
    lat, lon, zoom = view
    m = RoundMap(label=_("Kaart van de ronde: %(title)s", title=round_.title), height=height,
                 location=(lat, lon), zoom_start=zoom)
    if area:
        outline = folium.GeoJson(copy.deepcopy(area), name=_("Gebied van de ronde"),
                                 style_function=_round_area_style, interactive=False)
        outline.add_to(m)
        if round_.center_lat is None or round_.center_lon is None:
            # No start view set by staff: show the whole area, whatever the size of the screen.
            m.fit_bounds(outline.get_bounds(), max_zoom=zoom, padding=(8, 8))
    legend = []
    for view_ in layers:
        if view_.version is None:
            continue
        layer_zones = sorted((z for z in zones if z.layer_version_id == view_.version.id),
                             key=lambda z: z.feature_index)
        if not layer_zones:
            continue
        votable = round_.votes_enabled and view_.layer.votable
        legend.append(_add_plan_layer(m, round_, view_.layer, view_.version, layer_zones, votable, zone_votes,
                                      my_votes))
    folium.LayerControl(collapsed=True, position="topright").add_to(m)
    m.data_attributes = {
        "contributions-url": url_for("contributions.geojson", slug=round_.slug),
        "contributions-limit": str(CONTRIBUTIONS_LIMIT),
        "geometries": " ".join(round_.allowed_geometries or ()),
    }
    rendered = render_map(m)
    return RoundRenderedMap(
        assets=rendered.assets, html=rendered.html, script=rendered.script, nonce=rendered.nonce,
        map_id=m.get_name(), legend=tuple(legend), geometries=tuple(round_.allowed_geometries or ()),
        has_area=bool(area),
    )


def _round_area_style(feature: dict) -> dict:
    return ROUND_AREA_STYLE


def _add_plan_layer(m: RoundMap, round_, layer, version, zones: list, votable: bool, zone_votes: dict,
                    my_votes: dict) -> LegendLayer:
    """Add one plan layer's current zones to the map, styled by category; return its legend."""
    categories = list(dict.fromkeys(z.category for z in zones))
    styles = plan_styles(categories)
    shapes = {c: _SHAPES.get(next(z.geometry["type"] for z in zones if z.category == c), "area")
              for c in categories}
    property_name = (layer.style_property or "").strip()
    features = []
    for zone in zones:
        lines = []
        if property_name:
            lines.append(_("%(property)s: %(value)s", property=property_name[:1].upper() + property_name[1:],
                           value=zone.category or _("zonder categorie")))
        support, objection = zone_votes.get((layer.id, zone.key), (0, 0))
        if votable:
            lines.append(_("Steun: %(support)s · Bezwaar: %(objection)s", support=support, objection=objection))
            mine = my_votes.get((layer.id, zone.key))
            if mine:
                lines.append(_("U gaf steun.") if mine == "support" else _("U maakte bezwaar."))
        links = [
            {"text": _("Steun of bezwaar geven") if votable else _("Meer over deze zone"), "href": f"#zone-{zone.id}"},
            {"text": _("Inbreng over deze zone"),
             "href": url_for("contributions.index", slug=round_.slug, zone=zone.id)},
        ]
        features.append({
            "type": "Feature", "id": zone.key, "geometry": zone.geometry,
            "properties": {"name": zone.name, "category": zone.category, "support": support,
                           "objection": objection, "zone_id": zone.id, "lines": lines, "links": links},
        })

    def style(feature: dict) -> dict:
        category = feature["properties"]["category"]
        return styles[category].leaflet(shapes[category])

    folium.GeoJson(
        {"type": "FeatureCollection", "features": features},
        name=layer.name,
        style_function=style,
        on_each_feature=_ZONE_POPUP,
        marker=folium.CircleMarker(radius=8),
    ).add_to(m)
    counts: dict[str, int] = {}
    for zone in zones:
        counts[zone.category] = counts.get(zone.category, 0) + 1
    # Known categories in their fixed order (kansrijk, mogelijk, uitgesloten), then the others as found.
    ordered = sorted(categories, key=lambda c: KNOWN_CATEGORIES.get(c.strip().lower(), len(PLAN_STYLES)))
    items = tuple(LegendItem(label=c or _("zonder categorie"), count=counts[c], style=styles[c], shape=shapes[c])
                  for c in ordered)
    return LegendLayer(name=layer.name, description=layer.description or "", version=version.number, items=items)


# --- comparing two versions of a plan layer (participatie/revisions) --------------------------------

CHANGE_OUTLINE = "#1a1a1a"


def version_change_map(zones, label: str, height: str = "26rem") -> RenderedMap | None:
    """A map of only the zones that changed between two versions (revisions.services.ComparedZone),
    each drawn in the colour and line pattern of its new category (grey when the zone is gone), with
    a popup "was → wordt". None when nothing changed. The table beside it is the accessible
    alternative and says the same."""
    zones = [z for z in zones if isinstance(z.geometry, dict) and z.geometry.get("type")]
    if not zones:
        return None
    styles = plan_styles(list(dict.fromkeys(z.new_category or "" for z in zones)))
    features = []
    for zone in zones:
        old = zone.old_category if zone.old_category is not None else _("(nieuwe zone)")
        new = zone.new_category if zone.new_category is not None else _("(vervallen)")
        lines = [_("Was: %(old)s", old=old or _("zonder categorie")),
                 _("Wordt: %(new)s", new=new or _("zonder categorie"))]
        if zone.reasons:
            lines.append(_("Waarom: %(reason)s", reason=zone.reasons[0].proposal.reason[:200]))
        features.append({"type": "Feature", "id": zone.key, "geometry": zone.geometry,
                         "properties": {"name": zone.name, "category": zone.new_category or "",
                                        "lines": lines, "links": [{"text": _("Naar de rij in de tabel"),
                                                                   "href": f"#{zone.anchor}"}]}})

    def style(feature: dict) -> dict:
        plan = styles[feature["properties"]["category"]]
        shape = _SHAPES.get(feature["geometry"]["type"], "area")
        # Tinted fill only (the page defines no fill patterns); the line pattern still tells them apart.
        return {**PlanStyle(plan.key, plan.colour, plan.dash, "tint").leaflet(shape), "weight": 4}

    layer = folium.GeoJson({"type": "FeatureCollection", "features": features}, name=_("Gewijzigde zones"),
                           style_function=style, on_each_feature=_ZONE_POPUP,
                           marker=folium.CircleMarker(radius=8))
    m = BaseMap(label=label, height=height, scroll_wheel_zoom=False)
    layer.add_to(m)
    try:
        m.fit_bounds(layer.get_bounds(), max_zoom=AREA_MAX_ZOOM, padding=(12, 12))
    except (TypeError, ValueError):
        log.warning("version_change_map: no bounds", exc_info=True)
    return render_map(m)
