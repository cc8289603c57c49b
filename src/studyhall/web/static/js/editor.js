// The question editor: show the fields of the chosen type only (the others are disabled, so
// they are not sent), and the "new question" track picker on the list page.
(function () {
  "use strict";
  function setup() {
    var select = document.querySelector("[data-type-select]");
    if (select) {
      var update = function () {
        document.querySelectorAll(".type-fields, .type-fields [data-for]").forEach(function (box) {
          var on = box.dataset.for.split(" ").indexOf(select.value) >= 0;
          box.hidden = !on;
          box.querySelectorAll("input, textarea, select").forEach(function (el) { el.disabled = !on; });
        });
      };
      select.addEventListener("change", update);
      update();
    }
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setup);
  else setup();
})();
