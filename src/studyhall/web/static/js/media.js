// The images page: the upload goes to the media API with this browser's CSRF header, and the
// page opens again with the new image marked. Mistakes (a file too large, not an image) are
// shown beside the field.
(function () {
  "use strict";
  var form = document.getElementById("media-form");
  if (!form) return;
  var input = document.getElementById("media-file");
  var error = document.getElementById("media-file-error");
  var button = document.getElementById("media-upload");
  var csrf = document.querySelector('meta[name="csrf-token"]').getAttribute("content");

  function refuse(text) {
    error.textContent = text;
    input.setAttribute("aria-invalid", "true");
    button.disabled = false;
    input.focus();
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (!input.files.length) { refuse("Choose an image first."); return; }
    error.textContent = "";
    input.removeAttribute("aria-invalid");
    button.disabled = true;
    var body = new FormData();
    body.append("file", input.files[0]);
    fetch(form.dataset.api, {
      method: "POST", credentials: "same-origin", body: body,
      headers: { "X-CSRF-Token": csrf, Accept: "application/json" }
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (answer) {
        if (response.ok && answer.id) {
          window.location.assign(form.dataset.done + "?uploaded=" + answer.id + "#media-" + answer.id);
          return;
        }
        var field = (answer.errors || [])[0];
        refuse((field && field.message) || answer.detail || answer.title || "The image could not be uploaded.");
      });
    }).catch(function () { refuse("Not uploaded: the network failed. Try again."); });
  });

  // A click in a Markdown field selects it, ready to copy.
  document.querySelectorAll(".snippet").forEach(function (snippet) {
    snippet.addEventListener("focus", function () { snippet.select(); });
  });
})();
