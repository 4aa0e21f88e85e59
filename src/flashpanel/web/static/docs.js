// Starts Swagger UI on /docs (a file, not an inline script: the Content-Security-Policy forbids those).
// validatorUrl: null keeps every request on this server (Swagger UI's default badge asks an outside
// validator); "Try it out" sends the key given in "Authorize" the way the chosen security scheme says.
(function () {
  "use strict";
  var container = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: container.dataset.schemaUrl,
    dom_id: "#swagger-ui",
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
    validatorUrl: null,
    displayRequestDuration: true,
  });
})();
