// Every page: the theme switch (system -> light -> dark), remembered in a cookie so the
// server renders the chosen theme at once (no flash of the wrong colours).
(function () {
  "use strict";
  var order = ["system", "light", "dark"];
  function setup() {
    // A destructive form asks first (its data-confirm text). Without JavaScript it posts
    // straight away: the form is still a POST with its CSRF token.
    document.addEventListener("submit", function (event) {
      var form = event.target;
      var question = form instanceof HTMLFormElement && form.getAttribute("data-confirm");
      if (question && !window.confirm(question)) event.preventDefault();
    });
    var picker = document.querySelector("[data-new-question-track]");
    if (picker) picker.addEventListener("change", function () {
      document.getElementById("new-question").setAttribute("href", picker.value);
    });
    // Filters fold on a phone (unless one is ticked) and open again on a wider screen.
    var folding = document.querySelector("[data-fold-on-phone]");
    if (folding) {
      var phone = window.matchMedia("(max-width: 760px)");
      var fold = function () {
        if (!phone.matches) folding.open = true;
        else if (!folding.querySelector("input:checked")) folding.open = false;
      };
      fold();
      phone.addEventListener("change", fold);
    }
    // The filters are swapped with the results (their counts follow the search): the box just
    // ticked keeps the keyboard focus, found again by its name and value.
    var ticked = null;
    document.addEventListener("htmx:beforeSwap", function () {
      var active = document.activeElement;
      ticked = active && active.closest && active.closest("#facet-lists") ? active : null;
    });
    document.addEventListener("htmx:afterSettle", function () {
      if (!ticked) return;
      var boxes = document.querySelectorAll("#facet-lists input");
      for (var i = 0; i < boxes.length; i++) {
        if (boxes[i].name === ticked.name && boxes[i].value === ticked.value) {
          boxes[i].focus();
          break;
        }
      }
      ticked = null;
    });
    // A short name (slug) follows the name typed until the person edits it themselves; the
    // server makes the same one from the name when it comes empty.
    document.querySelectorAll("[data-slug-from]").forEach(function (slug) {
      var source = document.getElementById(slug.getAttribute("data-slug-from"));
      if (!source) return;
      var derive = function (name) {
        return name.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase()
          .replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 64).replace(/-+$/, "");
      };
      var own = slug.value !== "" && slug.value !== derive(source.value);
      slug.addEventListener("input", function () { own = slug.value !== ""; });
      source.addEventListener("input", function () { if (!own) slug.value = derive(source.value); });
    });
    var button = document.getElementById("theme-toggle");
    if (!button) return;
    button.addEventListener("click", function () {
      var root = document.documentElement;
      var now = root.getAttribute("data-theme") || "system";
      var next = order[(order.indexOf(now) + 1) % order.length];
      root.setAttribute("data-theme", next);
      document.cookie = "studyhall_theme=" + next + "; path=/; max-age=31536000; samesite=lax";
      button.setAttribute("aria-label", "Colour theme: " + next);
      button.querySelector(".theme-name").textContent = next.charAt(0).toUpperCase() + next.slice(1);
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setup);
  else setup();
})();
