// The summary page: draws the hotspots on the summary map. An extra: without JavaScript the
// hotspots are in a table. (A job's progress bar is static/js/job-progress.js.)
(function () {
  "use strict";

  // --- hotspots on the summary map ---------------------------------------------------------------
  var drawHotspots = function (element) {
    var map = window.participatieMaps && window.participatieMaps[element.id];
    if (!map || !window.L) { return; }
    var data = JSON.parse(element.dataset.summaryHotspots);
    var layer = window.L.geoJSON(data, {
      style: function () { return { color: "#a1001c", weight: 3, fillColor: "#a1001c", fillOpacity: 0.25 }; },
      onEachFeature: function (feature, shape) {
        var p = feature.properties;
        shape.bindTooltip(String(p.count), { permanent: true, direction: "center", className: "hotspot-count" });
        var box = document.createElement("div");
        var title = document.createElement("p");
        title.textContent = p.label + (p.place ? " (" + p.place + ")" : "");
        var a = document.createElement("a");
        a.href = p.url;
        a.textContent = p.link;
        box.appendChild(title);
        box.appendChild(a);
        shape.bindPopup(box);
      }
    }).addTo(map);
    if (map.participatieLayerControl) { map.participatieLayerControl.addOverlay(layer, "Hotspots"); }
  };
  document.querySelectorAll(".map[data-summary-hotspots]").forEach(drawHotspots);
})();
