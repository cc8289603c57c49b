// The import form: a file over the server's limit is refused before it is sent (the server
// refuses it too, but only after the browser has started sending it).
(function () {
  "use strict";
  function setup() {
    var input = document.querySelector("input[type=file][data-max-bytes]");
    if (!input) return;
    var limit = Number(input.getAttribute("data-max-bytes"));
    input.addEventListener("change", function () {
      var file = input.files && input.files[0];
      var tooLarge = file && limit && file.size > limit;
      input.setCustomValidity(
        tooLarge ? "This file is larger than " + Math.round(limit / 1048576) + " MiB; split it." : ""
      );
      if (tooLarge) input.reportValidity();
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setup);
  else setup();
})();
