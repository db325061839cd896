// Round maps: the contributions in view, fetched by bounding box and clustered, and placing a point,
// line or area for the contribution form.
//
// The map itself is built by participatie/maps.py (round_map); its script registers the Leaflet map in
// window.participatieMaps[element id] and fires "participatie:map-ready" on document. The map element
// carries data-contributions-url, data-contributions-limit and data-geometries; the panel around it
// (templates/rounds/_map_panel.html) carries the translated texts in data-messages, the status region
// and the drawing toolbar. Everything here only works on text nodes and element properties: no HTML
// strings are built from data, so nothing a resident typed can run as code.
(function () {
  "use strict";

  if (window.participatieMapScript) { return; }  // the panel may be on a page twice
  window.participatieMapScript = true;

  var FETCH_DELAY_MS = 250;
  var DECIMALS = 6;
  var SHOWN_MARK = "participatie:contributions-shown";
  var MIN_VERTICES = { line: 2, area: 3 };

  // --- small helpers ------------------------------------------------------------------------------

  function format(text, values) {
    return String(text || "").replace(/\{(\w+)\}/g, function (all, name) {
      return Object.prototype.hasOwnProperty.call(values || {}, name) ? String(values[name]) : all;
    });
  }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }

  function capitalise(text) {
    text = String(text || "");
    return text.charAt(0).toUpperCase() + text.slice(1);
  }

  function readMessages(panel) {
    try {
      return JSON.parse((panel && panel.getAttribute("data-messages")) || "{}");
    } catch (error) {
      return {};
    }
  }

  function round(number) {
    var factor = Math.pow(10, DECIMALS);
    return Math.round(number * factor) / factor;
  }

  // The status region is polite: it is read when the person pauses. Clearing it first makes the same
  // sentence be read again (e.g. twice "Punt 2 gezet" after an undo).
  function announcer(region) {
    var timer = null;
    return function (text) {
      if (!region || !text) { return; }
      if (region.textContent === text) {
        region.textContent = "";
        clearTimeout(timer);
        timer = setTimeout(function () { region.textContent = text; }, 100);
      } else {
        region.textContent = text;
      }
    };
  }

  // Leaflet's own controls speak English; give them Dutch (or English) names from the page.
  function localiseControls(container, messages) {
    var names = [
      [".leaflet-control-zoom-in", messages.zoom_in],
      [".leaflet-control-zoom-out", messages.zoom_out],
      [".leaflet-control-layers-toggle", messages.layers]
    ];
    names.forEach(function (pair) {
      var control = container.querySelector(pair[0]);
      if (control && pair[1]) {
        control.setAttribute("title", pair[1]);
        control.setAttribute("aria-label", pair[1]);
      }
    });
  }

  // --- contributions in view ----------------------------------------------------------------------

  // Where a contribution's marker stands: the point, the middle vertex of a line, the middle of an area.
  function anchor(geometry) {
    var c = geometry && geometry.coordinates;
    if (!c) { return null; }
    if (geometry.type === "Point") { return L.latLng(c[1], c[0]); }
    if (geometry.type === "LineString") {
      var middle = c[Math.floor(c.length / 2)];
      return L.latLng(middle[1], middle[0]);
    }
    if (geometry.type === "Polygon") {
      var bounds = L.latLngBounds(c[0].map(function (p) { return [p[1], p[0]]; }));
      return bounds.getCenter();
    }
    return null;
  }

  function safeUrl(url) {
    // Only links to our own site: the data comes from our server, but a link is never taken on trust.
    return typeof url === "string" && url.charAt(0) === "/" && url.charAt(1) !== "/" ? url : null;
  }

  function popupContent(properties, messages) {
    var box = element("div", "map-popup");
    box.appendChild(element("p", "map-popup-title", capitalise(properties.theme)));
    if (properties.place || properties.zone) {
      box.appendChild(element("p", "map-popup-place", properties.zone || properties.place));
    }
    box.appendChild(element("p", "map-popup-text", properties.text));
    if (properties.channel) {
      box.appendChild(element("p", "map-popup-channel", properties.channel));
    }
    if (properties.organisation) {
      box.appendChild(element("p", "map-popup-organisation", properties.organisation));
    }
    if (properties.session) {
      box.appendChild(element("p", "map-popup-session", properties.session));
    }
    box.appendChild(element("p", "map-popup-counts", format(messages.counts, {
      support: properties.support || 0,
      objection: properties.objection || 0,
      replies: properties.replies || 0
    })));
    if (properties.status) {
      box.appendChild(element("p", "map-popup-status", messages.pending));
    }
    var url = safeUrl(properties.url);
    if (url) {
      var paragraph = element("p");
      var link = element("a", "map-popup-link", messages.open);
      link.href = url;
      paragraph.appendChild(link);
      box.appendChild(paragraph);
    }
    return box;
  }

  function clusterIcon(messages) {
    return function (cluster) {
      var count = cluster.getChildCount();
      var size = count < 10 ? "small" : (count < 100 ? "medium" : "large");
      var box = element("div");
      var number = element("span", "contribution-cluster-count", count);
      number.setAttribute("aria-hidden", "true");
      box.appendChild(number);
      box.appendChild(element("span", "visually-hidden", format(messages.cluster, { count: count })));
      return L.divIcon({
        html: box,
        className: "contribution-cluster contribution-cluster-" + size,
        iconSize: L.point(44, 44)
      });
    };
  }

  function bboxOf(map) {
    var b = map.getBounds();
    var west = Math.max(-180, b.getWest()), east = Math.min(180, b.getEast());
    var south = Math.max(-90, b.getSouth()), north = Math.min(90, b.getNorth());
    return [west, south, east, north].map(function (n) { return n.toFixed(DECIMALS); }).join(",");
  }

  function countMessage(messages, count, truncated) {
    if (truncated) { return format(messages.count_truncated, { count: count }); }
    if (count === 0) { return messages.count_none; }
    if (count === 1) { return messages.count_one; }
    return format(messages.count_many, { count: count });
  }

  function showContributions(map, mapElement, messages, announce, layerControl) {
    var url = mapElement.getAttribute("data-contributions-url");
    if (!url || typeof L.markerClusterGroup !== "function") { return; }
    var limit = parseInt(mapElement.getAttribute("data-contributions-limit"), 10) || 1000;
    var markers = {};  // contribution id → marker, kept between fetches so markers do not flicker
    var controller = null;
    var timer = null;
    var firstShown = false;
    var shape = null;
    var whenAdded = null;

    var cluster = L.markerClusterGroup({
      showCoverageOnHover: false,
      spiderfyOnMaxZoom: true,
      chunkedLoading: true,
      maxClusterRadius: 60,
      iconCreateFunction: clusterIcon(messages),
      chunkProgress: function (processed, total) {
        if (processed === total && whenAdded) {
          var done = whenAdded;
          whenAdded = null;
          done();
        }
      }
    });
    cluster.addTo(map);
    if (layerControl) { layerControl.addOverlay(cluster, messages.layer || "Reacties"); }

    // A line or area is shown in full while its popup is open; the marker stands for it otherwise.
    function showShape(event) {
      hideShape();
      var feature = event.target.participatieFeature;
      if (feature && feature.geometry && feature.geometry.type !== "Point") {
        shape = L.geoJSON(feature.geometry, {
          interactive: false,
          style: {
            color: "#004b9a", weight: 4, fillColor: "#004b9a", fillOpacity: 0.15, className: "contribution-shape"
          }
        }).addTo(map);
      }
    }

    function hideShape() {
      if (shape) { map.removeLayer(shape); shape = null; }
    }

    function markerFor(feature) {
      var latlng = anchor(feature.geometry);
      if (!latlng) { return null; }
      var p = feature.properties || {};
      var label = capitalise(p.theme) + (p.zone || p.place ? " – " + (p.zone || p.place) : "");
      var marker = L.marker(latlng, {
        keyboard: true,
        title: label,
        alt: format(messages.marker, { label: label }),
        opacity: p.status ? 0.7 : 1
      });
      marker.participatieFeature = feature;
      // Built when opened, from the latest answer (counts change while the page is open).
      marker.bindPopup(function (layer) {
        return popupContent(layer.participatieFeature.properties || {}, messages);
      }, { maxWidth: 320 });
      marker.on("popupopen", showShape);
      marker.on("popupclose", hideShape);
      marker.on("keypress", focusPopup);
      marker.on("popupclose", focusMarker);
      return marker;
    }

    // Keyboard: Enter on a marker opens its popup and puts the focus in it (Tab goes on to the link,
    // not through all other markers first); when the popup closes (Escape, its close button) while the
    // focus is in it, the focus goes back to the marker, or to the map if the marker is in a cluster now.
    function focusPopup(event) {
      var popup = event.originalEvent && event.originalEvent.key === "Enter" && event.target.getPopup();
      var element = popup && popup.isOpen() && popup.getElement();
      var content = element && element.querySelector(".leaflet-popup-content");
      if (!content) { return; }
      content.setAttribute("tabindex", "-1");
      content.focus();
    }

    function focusMarker(event) {
      var element = event.popup && event.popup.getElement();
      var active = document.activeElement;
      if (active && active !== document.body && !(element && element.contains(active))) { return; }
      var icon = event.target.getElement && event.target.getElement();
      (icon && icon.isConnected && icon.offsetParent !== null ? icon : mapElement).focus();
    }

    // Escape closes the popup also when the focus is on a marker or in the popup (Leaflet itself only
    // listens while the map element has the focus).
    mapElement.addEventListener("keydown", function (event) {
      if (event.key !== "Escape" || event.target === mapElement) { return; }
      var open = false;
      map.eachLayer(function (layer) { if (layer instanceof L.Popup && layer.isOpen()) { open = true; } });
      if (open) {
        event.preventDefault();
        map.closePopup();
      }
    });

    // Re-clustering replaces the cluster icons: when the focused one goes, the focus stays on the map
    // instead of falling back to the top of the page.
    function keepFocus(hadFocus) {
      if (hadFocus && !mapElement.contains(document.activeElement)) { mapElement.focus(); }
    }

    function render(collection) {
      var hadFocus = mapElement.contains(document.activeElement);
      var features = (collection && collection.features) || [];
      var wanted = {};
      var added = [];
      features.forEach(function (feature) {
        var id = String(feature.id !== undefined ? feature.id : (feature.properties || {}).id);
        wanted[id] = true;
        if (markers[id]) {
          markers[id].participatieFeature = feature;
        } else {
          var marker = markerFor(feature);
          if (marker) { markers[id] = marker; added.push(marker); }
        }
      });
      var gone = [];
      Object.keys(markers).forEach(function (id) {
        if (!wanted[id]) { gone.push(markers[id]); delete markers[id]; }
      });
      if (gone.length) { cluster.removeLayers(gone); }
      keepFocus(hadFocus);
      whenAdded = function () {
        keepFocus(hadFocus);
        if (!firstShown) {
          firstShown = true;
          if (window.performance && performance.mark) { performance.mark(SHOWN_MARK); }
        }
        mapElement.setAttribute("data-contributions-shown", String(features.length));
        announce(countMessage(messages, features.length, collection.truncated));
      };
      cluster.addLayers(added);  // calls chunkProgress when every marker is in its cluster
      keepFocus(hadFocus);
      if (whenAdded && !added.length) { whenAdded(); whenAdded = null; }
    }

    function load() {
      clearTimeout(timer);
      if (!map.hasLayer(cluster)) { return; }
      if (controller) { controller.abort(); }  // the person moved on: the older answer is not wanted
      controller = new AbortController();
      var separator = url.indexOf("?") === -1 ? "?" : "&";
      var address = url + separator + "bbox=" + encodeURIComponent(bboxOf(map)) + "&limit=" + limit;
      fetch(address, {
        signal: controller.signal,
        credentials: "same-origin",
        headers: { Accept: "application/geo+json, application/json" }
      }).then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.json();
      }).then(render).catch(function (error) {
        if (error && error.name === "AbortError") { return; }
        mapElement.setAttribute("data-contributions-shown", "error");
        announce(messages.error);
      });
    }

    function loadSoon() {
      clearTimeout(timer);
      timer = setTimeout(load, FETCH_DELAY_MS);
    }

    map.on("moveend", loadSoon);
    map.on("overlayadd", function (event) { if (event.layer === cluster) { load(); } });
    // A cluster opened with the keyboard disappears while zooming in: keep the focus on the map.
    cluster.on("clusterclick", function (event) {
      var original = event.originalEvent;
      if (original && original.type && original.type.indexOf("key") === 0) {
        map.once("zoomend", function () { mapElement.focus(); });
      }
    });
    load();
  }

  // --- placing a point, line or area --------------------------------------------------------------

  function toGeometry(kind, vertices) {
    var positions = vertices.map(function (ll) { return [round(ll.lng), round(ll.lat)]; });
    if (kind === "point") { return { type: "Point", coordinates: positions[0] }; }
    if (kind === "line") { return { type: "LineString", coordinates: positions }; }
    // RFC 7946: the outer ring of a polygon runs counterclockwise.
    var sum = 0;
    for (var i = 0; i < positions.length; i++) {
      var a = positions[i], b = positions[(i + 1) % positions.length];
      sum += (b[0] - a[0]) * (b[1] + a[1]);
    }
    if (sum > 0) { positions.reverse(); }
    positions.push(positions[0].slice());
    return { type: "Polygon", coordinates: [positions] };
  }

  function fromGeometry(value) {
    var geometry;
    try { geometry = JSON.parse(value); } catch (error) { return null; }
    if (geometry && geometry.type === "Feature") { geometry = geometry.geometry; }
    if (!geometry || !geometry.coordinates) { return null; }
    var toLatLng = function (p) { return L.latLng(p[1], p[0]); };
    if (geometry.type === "Point") { return { kind: "point", vertices: [toLatLng(geometry.coordinates)] }; }
    if (geometry.type === "LineString") { return { kind: "line", vertices: geometry.coordinates.map(toLatLng) }; }
    if (geometry.type === "Polygon") {
      var ring = geometry.coordinates[0].slice(0, -1);
      return { kind: "area", vertices: ring.map(toLatLng) };
    }
    return null;
  }

  function drawing(map, mapElement, panel, input, messages, announce) {
    var toolbar = panel.querySelector("[data-map-tools]");
    if (!toolbar) { return; }
    var allowed = (mapElement.getAttribute("data-geometries") || "").split(/\s+/).filter(Boolean);
    var modeButtons = Array.prototype.slice.call(toolbar.querySelectorAll("[data-map-mode]"));
    modeButtons.forEach(function (button) {
      if (allowed.indexOf(button.getAttribute("data-map-mode")) === -1) { button.remove(); }
    });
    modeButtons = modeButtons.filter(function (button) { return button.isConnected; });
    if (!modeButtons.length) { return; }
    var finishButton = toolbar.querySelector("[data-map-action=finish]");
    var undoButton = toolbar.querySelector("[data-map-action=undo]");
    var clearButton = toolbar.querySelector("[data-map-action=clear]");
    toolbar.hidden = false;

    var mode = null;      // the kind being drawn now, or null when the map is just a map
    var kind = null;      // the kind of what is (being) drawn
    var vertices = [];
    var finished = false;
    var drawn = L.layerGroup().addTo(map);
    var style = { color: "#1a1a1a", weight: 3, dashArray: null, fillColor: "#ffbf47", fillOpacity: 0.35,
      interactive: false, className: "drawn-shape" };

    function redraw() {
      drawn.clearLayers();
      if (!vertices.length) { return; }
      if (kind === "point") {
        L.marker(vertices[0], { interactive: false, keyboard: false, alt: messages.drawn_point || "" }).addTo(drawn);
        return;
      }
      if (kind === "area" && vertices.length >= 3) {
        L.polygon(vertices, L.extend({}, style, { dashArray: finished ? null : "6 4" })).addTo(drawn);
      } else if (vertices.length >= 2) {
        L.polyline(vertices, L.extend({}, style, { dashArray: finished ? null : "6 4" })).addTo(drawn);
      }
      vertices.forEach(function (latlng) {
        L.circleMarker(latlng, { radius: 5, color: "#1a1a1a", weight: 2, fillColor: "#ffffff", fillOpacity: 1,
          interactive: false }).addTo(drawn);
      });
    }

    // The form may have its own line that says which place is chosen (#contribution-geometry-status).
    var formStatus = document.getElementById(input.id + "-status");

    function write() {
      var value = finished && vertices.length ? JSON.stringify(toGeometry(kind, vertices)) : "";
      if (formStatus) {
        formStatus.textContent = value ? format(messages["chosen_" + kind], { count: vertices.length }) : "";
      }
      if (input.value !== value) {
        input.value = value;
        input.dispatchEvent(new Event("input", { bubbles: true }));
        input.dispatchEvent(new Event("change", { bubbles: true }));
      }
    }

    function updateTools() {
      modeButtons.forEach(function (button) {
        button.setAttribute("aria-pressed", String(button.getAttribute("data-map-mode") === mode));
      });
      var drawingShape = mode === "line" || mode === "area";
      if (finishButton) {
        finishButton.hidden = !drawingShape;
        finishButton.disabled = !drawingShape || vertices.length < MIN_VERTICES[mode];
      }
      if (undoButton) { undoButton.disabled = !vertices.length; }
      if (clearButton) { clearButton.disabled = !vertices.length; }
      mapElement.classList.toggle("map-drawing", mode !== null);
    }

    function setMode(next) {
      if (next !== kind || finished) {
        // A new kind, or a new shape after a finished one: start again.
        vertices = [];
        finished = false;
      }
      mode = next;
      kind = next;
      redraw();
      write();
      updateTools();
      announce(messages["mode_" + next]);
    }

    function stopMode() {
      mode = null;
      updateTools();
    }

    function finish() {
      if (!kind || vertices.length < (MIN_VERTICES[kind] || 1)) {
        announce(messages["need_" + kind]);
        return;
      }
      finished = true;
      redraw();
      write();
      stopMode();
      announce(format(messages["done_" + kind], { count: vertices.length }));
    }

    function addVertex(latlng) {
      if (!mode) { return; }
      if (mode === "point") {
        vertices = [latlng];
        finish();
        return;
      }
      vertices.push(latlng);
      redraw();
      updateTools();
      announce(format(messages.vertex, { count: vertices.length }));
    }

    function undo() {
      if (!vertices.length) { return; }
      if (finished) {
        finished = false;
        if (kind !== "point") { mode = kind; }
      }
      vertices.pop();
      if (!vertices.length && kind === "point") { mode = null; }
      redraw();
      write();
      updateTools();
      announce(format(messages.undone, { count: vertices.length }));
    }

    function clear() {
      vertices = [];
      finished = false;
      redraw();
      write();
      updateTools();
      announce(messages.cleared);
    }

    modeButtons.forEach(function (button) {
      button.addEventListener("click", function () { setMode(button.getAttribute("data-map-mode")); });
    });
    if (finishButton) { finishButton.addEventListener("click", finish); }
    if (undoButton) { undoButton.addEventListener("click", undo); }
    if (clearButton) { clearButton.addEventListener("click", clear); }

    map.on("click", function (event) { addVertex(event.latlng); });
    // Without a mouse: move the map with the arrow keys, then Enter puts a point in the middle
    // (where the cross-hair is). Escape stops drawing.
    mapElement.addEventListener("keydown", function (event) {
      if (event.target !== mapElement || !mode) { return; }
      if (event.key === "Enter" || event.key === " ") {
        event.preventDefault();
        addVertex(map.getCenter());
      } else if (event.key === "Escape") {
        event.preventDefault();
        stopMode();
        announce(messages.stopped);
      }
    });

    // The form came back with an error: show what was drawn before.
    var previous = input.value ? fromGeometry(input.value) : null;
    if (previous && allowed.indexOf(previous.kind) !== -1) {
      kind = previous.kind;
      vertices = previous.vertices;
      finished = true;
      redraw();
      write();
    }
    updateTools();
  }

  // --- wiring -------------------------------------------------------------------------------------

  function setUp(id, map, layerControl) {
    var mapElement = document.getElementById(id);
    if (!mapElement || !map || mapElement.participatieSetUp) { return; }
    mapElement.participatieSetUp = true;
    var panel = mapElement.closest("[data-map-panel]");
    var messages = readMessages(panel);
    var announce = announcer(panel && panel.querySelector("[data-map-status]"));
    localiseControls(mapElement, messages);
    map.on("popupopen", function (event) {
      var close = event.popup.getElement().querySelector(".leaflet-popup-close-button");
      if (close && messages.close_popup) {
        close.setAttribute("aria-label", messages.close_popup);
        close.setAttribute("title", messages.close_popup);
      }
    });
    showContributions(map, mapElement, messages, announce, layerControl || map.participatieLayerControl);
    // The contribution form usually comes after the map in the page: wait until it is there.
    whenParsed(function () {
      var input = document.getElementById("contribution-geometry");
      if (input && panel) { drawing(map, mapElement, panel, input, messages, announce); }
    });
  }

  function whenParsed(callback) {
    if (document.readyState === "loading") {
      document.addEventListener("DOMContentLoaded", callback, { once: true });
    } else {
      callback();
    }
  }

  document.addEventListener("participatie:map-ready", function (event) {
    var detail = event.detail || {};
    setUp(detail.id, detail.map, detail.layerControl);
  });
  // Maps whose script ran before this file was loaded.
  var maps = window.participatieMaps || {};
  Object.keys(maps).forEach(function (id) { setUp(id, maps[id], null); });
})();
