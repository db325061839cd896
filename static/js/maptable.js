// Map-table session screens (templates/maptable/table.html and participate.html): new input appears
// live, and the input form is sent without leaving the page.
//
// Live: every second the script asks the session's feed for input with an id above the last one it has
// (GET <feed-url>?na=<last id>). The server keeps everything in the database, so any worker answers.
// New items are added to the list from text nodes only (nothing typed by anyone is read as HTML), an
// aria-live region says "Nieuwe inbreng van <organisatie>", and the map reloads its markers.
// Connection lost: the script says so, keeps asking, and catches up with everything it missed (the
// "na" id did not move). A form that could not be sent keeps what was typed and is sent again.
(function () {
  "use strict";

  var POLL_MS = 1000;
  var RETRY_MS = 3000;
  var root = document.querySelector("[data-maptable]");
  if (!root || !window.fetch) { return; }

  var messages = {};
  try { messages = JSON.parse(root.getAttribute("data-messages") || "{}"); } catch (error) { messages = {}; }
  var feedUrl = root.getAttribute("data-feed-url");
  var last = parseInt(root.getAttribute("data-last"), 10) || 0;
  var list = root.querySelector("[data-mt-list]");
  var announceRegion = root.querySelector("[data-mt-announce]");
  var connection = root.querySelector("[data-mt-connection]");
  var statusText = root.querySelector("[data-mt-status]");
  var form = root.querySelector("[data-mt-form]");
  var formStatus = root.querySelector("[data-mt-form-status]");
  var errorBox = root.querySelector("[data-mt-error]");
  var errorText = root.querySelector("[data-mt-error-text]");
  var offline = false;
  var polling = false;
  var pollTimer = null;

  function format(text, values) {
    return String(text || "").replace(/\{(\w+)\}/g, function (all, name) {
      return Object.prototype.hasOwnProperty.call(values, name) ? String(values[name]) : all;
    });
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }

  function announce(text) {
    if (!announceRegion) { return; }
    announceRegion.textContent = "";
    window.setTimeout(function () { announceRegion.textContent = text; }, 50);
  }

  function itemNode(item) {
    var li = el("li", "mt-item mt-item-new");
    li.setAttribute("data-id", String(item.id));
    var head = el("p", "mt-item-head");
    head.appendChild(el("strong", "mt-org", item.organisation || ""));
    head.appendChild(document.createTextNode(" · "));
    head.appendChild(el("span", "mt-theme", item.theme));
    if (item.place) {
      head.appendChild(document.createTextNode(" · "));
      head.appendChild(el("span", "mt-place", item.place));
    }
    if (item.stance_label) {
      head.appendChild(document.createTextNode(" · "));
      head.appendChild(el("span", "mt-stance", item.stance_label));
    }
    head.appendChild(document.createTextNode(" · "));
    head.appendChild(el("span", "mt-time", item.time));
    li.appendChild(head);
    li.appendChild(el("p", "mt-text", item.text));
    return li;
  }

  function refreshMaps() {
    // static/js/map.js reloads the markers in view when the map has moved: say it has.
    var maps = window.participatieMaps || {};
    Object.keys(maps).forEach(function (id) {
      if (maps[id] && typeof maps[id].fire === "function") { maps[id].fire("moveend"); }
    });
  }

  function setOffline(value) {
    if (value === offline) { return; }
    offline = value;
    if (connection) { connection.textContent = value ? messages.offline : messages.online; }
    if (!value && connection) {
      window.setTimeout(function () { if (!offline) { connection.textContent = ""; } }, 4000);
    }
  }

  function showItems(data) {
    var items = data.items || [];
    if (items.length && list) {
      var empty = root.querySelector("[data-mt-empty]");
      if (empty) { empty.remove(); }
      items.forEach(function (item) {
        if (!list.querySelector('[data-id="' + item.id + '"]')) { list.insertBefore(itemNode(item), list.firstChild); }
      });
      if (items.length === 1) {
        announce(format(messages.new_from, { organisation: items[0].organisation || "" }));
      } else {
        var names = [];
        items.forEach(function (item) { if (names.indexOf(item.organisation) === -1) { names.push(item.organisation); } });
        announce(format(messages.new_from, { organisation: names.join(", ") }));
      }
      refreshMaps();
    }
    if (typeof data.last === "number" && data.last > last) { last = data.last; }
    if (data.status && data.status !== root.getAttribute("data-status")) {
      root.setAttribute("data-status", data.status);
      if (data.status === "afgerond" && formStatus) { formStatus.textContent = messages.closed; }
      if (statusText && data.status_label) { statusText.textContent = data.status_label; }
    }
    return data.more;
  }

  function poll() {
    if (polling) { return; }
    polling = true;
    var separator = feedUrl.indexOf("?") === -1 ? "?" : "&";
    fetch(feedUrl + separator + "na=" + last, { credentials: "same-origin", cache: "no-store",
                                                headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.json();
      })
      .then(function (data) {
        setOffline(false);
        polling = false;
        if (showItems(data)) { poll(); return; }  // more waiting: fetch the rest at once
        schedule();
      })
      .catch(function () {
        setOffline(true);
        polling = false;
        schedule();
      });
  }

  function schedule() {
    window.clearTimeout(pollTimer);
    pollTimer = window.setTimeout(poll, POLL_MS);
  }

  // --- the form -----------------------------------------------------------------------------------

  function showError(message, errors) {
    if (!errorBox) { return; }
    errorText.textContent = message || messages.error;
    var old = errorBox.querySelector("ul");
    if (old) { old.remove(); }
    var names = Object.keys(errors || {});
    if (names.length) {
      var ul = el("ul");
      names.forEach(function (name) {
        var text = errors[name];
        ul.appendChild(el("li", null, Array.isArray(text) ? text.join(" ") : text));
      });
      errorBox.appendChild(ul);
    }
    errorBox.hidden = false;
    errorBox.focus();
  }

  function clearAfterSend() {
    var text = form.querySelector("textarea");
    if (text) { text.value = ""; }
    var clear = root.querySelector("[data-map-action=clear]");
    if (clear && !clear.disabled) { clear.click(); }
    var geometry = form.querySelector("#contribution-geometry");
    if (geometry) { geometry.value = ""; }
    ["#contribution-zone", "#contribution-place"].forEach(function (selector) {
      var select = form.querySelector(selector);
      if (select) { select.value = ""; }
    });
  }

  var retryTimer = null;
  var sending = false;

  function send() {
    if (sending) { return; }
    sending = true;
    window.clearTimeout(retryTimer);
    if (formStatus) { formStatus.textContent = messages.sending; }
    var button = form.querySelector("button[type=submit]");
    fetch(form.action, { method: "POST", body: new FormData(form), credentials: "same-origin",
                         headers: { Accept: "application/json" } })
      .then(function (response) {
        return response.json().then(function (data) { return { ok: response.ok, data: data }; },
                                     function () { return { ok: false, data: {} }; });
      })
      .then(function (result) {
        sending = false;
        if (result.ok) {
          if (errorBox) { errorBox.hidden = true; }
          if (result.data.submission_key) {
            var key = form.querySelector("[name=submission_key]");
            if (key) { key.value = result.data.submission_key; }
          }
          clearAfterSend();
          if (formStatus) { formStatus.textContent = result.data.message || messages.saved; }
          poll();
        } else {
          // Refused or invalid: the text stays in the form; say why.
          if (formStatus) { formStatus.textContent = ""; }
          showError(result.data.message, result.data.errors);
        }
      })
      .catch(function () {
        // No connection: keep everything, say so, and try again.
        sending = false;
        setOffline(true);
        if (formStatus) { formStatus.textContent = messages.send_failed; }
        retryTimer = window.setTimeout(function () {
          if (formStatus) { formStatus.textContent = messages.retrying; }
          send();
        }, RETRY_MS);
      });
    if (button) { button.blur(); }
  }

  if (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      send();
    });
  }

  schedule();
})();
