// Shows how many characters are left in a text box with a maxlength, as people type.
// The box names its counter with data-counter="<id>". The counter is polite and only speaks when
// typing pauses, so that screen readers are not interrupted on every key.
(function () {
  "use strict";
  var boxes = document.querySelectorAll("textarea[maxlength][data-counter]");
  Array.prototype.forEach.call(boxes, function (box) {
    var counter = document.getElementById(box.getAttribute("data-counter"));
    if (!counter) { return; }
    var max = parseInt(box.getAttribute("maxlength"), 10);
    var lang = document.documentElement.lang;
    var timer = null;
    function text(left) {
      if (lang === "en") {
        return left === 1 ? "1 character left" : left + " characters left";
      }
      return left === 1 ? "Nog 1 teken over" : "Nog " + left + " tekens over";
    }
    function update() {
      var left = Math.max(0, max - box.value.length);
      counter.textContent = text(left);
    }
    box.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(update, 400);
    });
    update();
  });
})();
