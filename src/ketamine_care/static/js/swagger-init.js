// Starts Swagger UI on /api/v1/docs from the settings the page carries in a data attribute
// (no inline script: the page is under the same Content-Security-Policy as every other).
(function () {
  const config = JSON.parse(document.body.dataset.swaggerSettings);
  config.dom_id = "#swagger-ui";
  config.presets = [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset];
  SwaggerUIBundle(config);
})();
