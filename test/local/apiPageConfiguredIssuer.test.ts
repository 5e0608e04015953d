import { startLocalServer, type LocalServer } from '../../scripts/localServer';

/**
 * `npm start` with a configured token issuer (the test key server, as a real tenant would be): the API
 * page is there, but offers no development tokens (a token from the issuer goes in "Authorize"), and
 * nothing in the document names a development user.
 */

let server: LocalServer;
beforeAll(async () => {
  // The environment of the test run (globalSetup): a configured issuer and the test Cosmos server.
  server = await startLocalServer({ port: 0, quiet: true });
});
afterAll(() => server?.close());

test('the page without development tokens, the document without a sample user', async () => {
  expect(server.devIssuer).toBeUndefined();
  const html = await (await fetch(`${server.url}/docs`)).text();
  expect(html).toContain('<div id="swagger-ui"></div>');
  expect(html).not.toContain('<select id="dev-token"');
  expect(html).not.toContain('dev-token-presets');
  const document = await (await fetch(`${server.url}/openapi.json`)).text();
  expect(document).not.toContain('"example":"8f0f2b5e');
  expect(JSON.parse(document)).toMatchObject({ servers: [{ url: server.url }] });
  expect((await fetch(`${server.url}/dev-issuer/token`, { method: 'POST', body: '{}' })).status).toBe(404);
});
