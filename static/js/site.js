// Site-wide behaviour that works without it too: every page stays usable with JavaScript off.
(function () {
  "use strict";

  // Moves focus to an error summary, so keyboard and screen-reader users hear what to fix first.
  var summary = document.querySelector(".error-summary");
  if (summary) { summary.focus(); }

  // A link in the error summary puts the cursor in its field (a plain #link only scrolls) and shows
  // the field's label and hint with it, as in the GOV.UK and NL Design System error summary.
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest(".error-summary a[href^='#']");
    if (!link) { return; }
    var target = document.getElementById(decodeURIComponent(link.getAttribute("href").slice(1)));
    if (!target) { return; }
    var field = target.matches("input, select, textarea") ? target : target.querySelector("input, select, textarea");
    if (!field && target.hasAttribute("tabindex")) { field = target; }
    if (!field) { return; }
    event.preventDefault();
    (field.closest(".form-field, fieldset") || field).scrollIntoView();
    field.focus({ preventScroll: true });
  });
})();
