/* Swagger UI for the gateway's OpenAPI document (/openapi.json): started from this file,
 * not from inline script, so the page's Content-Security-Policy allows it (api/docs_page.py). */
'use strict';

window.ui = SwaggerUIBundle({
  url: '/openapi.json',
  dom_id: '#swagger-ui',
  deepLinking: true,
  validatorUrl: null,  // no call to swagger.io's validator: everything stays on the gateway
  presets: [SwaggerUIBundle.presets.apis],
  layout: 'BaseLayout',
});
