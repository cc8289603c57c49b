// Starts Swagger UI on /api/v1/docs. A file of its own because the page's Content-Security-
// Policy allows no inline script; the document's address comes from the page.
window.addEventListener("DOMContentLoaded", function () {
  var root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: root.dataset.openapi,
    dom_id: "#swagger-ui",
    deepLinking: true,
  });
});
