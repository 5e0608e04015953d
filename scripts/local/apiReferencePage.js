// The API page's script (served by scripts/local/apiReference.ts; runs in the browser, no build step).
/* global SwaggerUIBundle */
'use strict';

// Swagger UI sets a token only for a scheme of a loaded document: a token chosen earlier waits for it.
let documentLoaded;
const loaded = new Promise((resolve) => (documentLoaded = resolve));

const ui = SwaggerUIBundle({
  url: '/openapi.json',
  dom_id: '#swagger-ui',
  deepLinking: true,
  tryItOutEnabled: true,
  displayRequestDuration: true,
  persistAuthorization: false,
  // Nothing is sent anywhere but this server: no validator badge.
  validatorUrl: null,
  onComplete: () => documentLoaded(),
});

const select = document.getElementById('dev-token');
const presetsElement = document.getElementById('dev-token-presets');
if (select && presetsElement) {
  const presets = JSON.parse(presetsElement.textContent);
  const status = document.getElementById('dev-token-status');
  select.addEventListener('change', async () => {
    const request = presets[select.value];
    if (!request) return;
    status.textContent = 'asking the development issuer…';
    try {
      const response = await fetch('/dev-issuer/token', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(request),
      });
      const body = await response.json();
      if (!response.ok) throw new Error(body.error ? body.error.message : `HTTP ${response.status}`);
      // The document's http bearer scheme: every operation lists it, so "Execute" sends this token.
      await loaded;
      ui.preauthorizeApiKey('bearerToken', body.access_token);
      status.textContent = `token set for: ${select.options[select.selectedIndex].text}`;
      status.dataset.ready = select.value;
    } catch (error) {
      status.textContent = `no token: ${error.message}`;
      delete status.dataset.ready;
    }
  });
}
