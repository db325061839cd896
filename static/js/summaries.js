// Summary pages: keeps a job's progress bar up to date, and draws the hotspots on the summary map.
// Both are extras: without JavaScript the "Ververs" link updates the progress and the hotspots
// are in a table.
(function () {
  "use strict";

  // --- the progress of a job ---------------------------------------------------------------------
  var job = document.getElementById("job");
  if (job && job.dataset.statusUrl) {
    var bar = document.getElementById("job-progress");
    var percent = document.getElementById("job-percent");
    var step = document.getElementById("job-step");
    var status = document.getElementById("job-status");
    var announce = document.getElementById("job-announce");
    var done = document.getElementById("job-done");
    var link = document.getElementById("job-summary-link");
    var failed = document.getElementById("job-failed");
    var error = document.getElementById("job-error");
    var refresh = document.getElementById("job-refresh");
    var lastStep = step.textContent;

    var show = function (state) {
      bar.value = state.progress;
      bar.textContent = state.progress + "%";
      percent.textContent = state.progress + "%";
      step.textContent = state.step_label;
      status.textContent = state.status_label;
      if (state.step_label !== lastStep) {
        lastStep = state.step_label;
        announce.textContent = state.progress + "%: " + state.step_label;
      }
      if (state.finished) {
        if (state.summary_url) { link.href = state.summary_url; }
        done.hidden = false;
        if (refresh) { refresh.hidden = true; }
        announce.textContent = job.dataset.labelDone + ". " + link.textContent;
      } else if (state.failed) {
        error.textContent = state.error;
        failed.hidden = false;
        if (refresh) { refresh.hidden = true; }
        failed.focus();
      }
      return state.finished || state.failed;
    };

    var poll = function () {
      fetch(job.dataset.statusUrl, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
        .then(function (response) {
          if (!response.ok) { throw new Error(response.status); }
          return response.json();
        })
        .then(function (state) { if (!show(state)) { window.setTimeout(poll, 1000); } })
        .catch(function () { window.setTimeout(poll, 3000); });
    };
    if (done.hidden && failed.hidden) { window.setTimeout(poll, 500); }
  }

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
