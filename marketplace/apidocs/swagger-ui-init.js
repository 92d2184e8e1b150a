// Starts Swagger UI on /api/docs with the settings the page carries on its container, so that the
// page needs no inline script and its CSP allows scripts from this server only.
window.addEventListener("load", function () {
  var container = document.getElementById("swagger-ui-container");
  var config = Object.assign(
    { url: container.dataset.specUrl, dom_id: "#swagger-ui-container" },
    JSON.parse(container.dataset.config)
  );
  window.ui = SwaggerUIBundle(config);
});
