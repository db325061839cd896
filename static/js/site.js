// Moves focus to an error summary, so keyboard and screen-reader users hear what to fix first.
(function () {
  "use strict";
  var summary = document.querySelector(".error-summary");
  if (summary) { summary.focus(); }
})();
