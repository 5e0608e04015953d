import { readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import path from 'node:path';
import type { DevIssuer } from '../devIssuer';
import type { LocalAnswer } from './answers';
import { isLoopbackAuthority } from './devIssuerEndpoint';
import { DEV_TOKEN_PRESETS, SAMPLE_USER_ID } from './devTokenPresets';

/**
 * The interactive API reference of `npm start`: Swagger UI (the swagger-ui-dist devDependency, served
 * from its own package files, so it works offline) over the service's OpenAPI document, at `/` and
 * `/docs`. With the development issuer the page offers a token per sample caller (devTokenPresets),
 * asked of `POST /dev-issuer/token` and set as the bearer token of every "Try it out". Only the local
 * server serves it: the Function App registers no such route.
 */

export interface ApiReferenceContext {
  openApi: () => string;
  devIssuer?: DevIssuer;
  port: number;
}

const PAGE_PATHS = new Set(['/', '/docs', '/docs/']);
const PACKAGE_ASSETS: Record<string, string> = {
  '/docs/swagger-ui.css': 'text/css; charset=utf-8',
  '/docs/swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
};
const PAGE_SCRIPT = '/docs/page.js';

/** Scripts only from this server, nothing loaded from elsewhere; Swagger UI styles inline and shows data: images. */
const PAGE_HEADERS = {
  'Cache-Control': 'no-cache',
  'Content-Security-Policy':
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
    "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
};

const files = new Map<string, string>();
function packageFile(file: string): string {
  let text = files.get(file);
  if (text === undefined) {
    const root = path.dirname(require.resolve('swagger-ui-dist/package.json'));
    text = readFileSync(
      file === PAGE_SCRIPT ? path.join(__dirname, 'apiReferencePage.js') : path.join(root, path.basename(file)),
      'utf8',
    );
    files.set(file, text);
  }
  return text;
}

const answer = (contentType: string, body: string): LocalAnswer => ({
  status: 200,
  headers: { 'Content-Type': contentType, ...PAGE_HEADERS },
  body,
});

/** The page, its assets and `/openapi.json`, or undefined for any other request (`path` is lower-cased). */
export function serveApiReference(
  request: IncomingMessage,
  path: string,
  method: string,
  context: ApiReferenceContext,
): LocalAnswer | undefined {
  if (method !== 'GET') return undefined;
  if (path === '/openapi.json') {
    return {
      status: 200,
      headers: { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache' },
      body: servedOpenApi(context.openApi(), serverOrigin(request, context.port), context.devIssuer !== undefined),
    };
  }
  if (PAGE_PATHS.has(path)) return answer('text/html; charset=utf-8', pageHtml(context.devIssuer !== undefined));
  if (path === PAGE_SCRIPT) return answer('text/javascript; charset=utf-8', packageFile(PAGE_SCRIPT));
  const contentType = PACKAGE_ASSETS[path];
  return contentType ? answer(contentType, packageFile(path)) : undefined;
}

/** The origin the page was loaded from when it names this server on loopback, else the listening address. */
function serverOrigin(request: IncomingMessage, port: number): string {
  const host = request.headers.host;
  return isLoopbackAuthority(host, port) ? `http://${host!.toLowerCase()}` : `http://127.0.0.1:${port}`;
}

/**
 * The document with this server as its only server; with the development issuer, the sample user's
 * id as the example `userId`, so "Try it out" starts with a user the offered tokens can act on.
 */
export function servedOpenApi(documentText: string, origin: string, devTenant: boolean): string {
  const document = JSON.parse(documentText) as {
    servers?: unknown;
    paths: Record<string, Record<string, { parameters?: Array<{ name: string; in: string; example?: string }> }>>;
  };
  document.servers = [{ url: origin, description: 'this local server (npm start)' }];
  if (devTenant) {
    for (const item of Object.values(document.paths))
      for (const operation of Object.values(item))
        for (const parameter of operation.parameters ?? [])
          if (parameter.in === 'path' && parameter.name === 'userId') parameter.example = SAMPLE_USER_ID;
  }
  return JSON.stringify(document);
}

function pageHtml(devTenant: boolean): string {
  const tokenBar = devTenant
    ? `<div class="dev-tokens">
  <label for="dev-token">Development token</label>
  <select id="dev-token">
    <option value="">choose a sample caller…</option>
${DEV_TOKEN_PRESETS.map((preset) => `    <option value="${preset.id}">${escapeHtml(preset.label)}</option>`).join('\n')}
  </select>
  <span id="dev-token-status" role="status">then open an operation, "Try it out", "Execute"</span>
</div>
<script type="application/json" id="dev-token-presets">${JSON.stringify(
        Object.fromEntries(DEV_TOKEN_PRESETS.map((preset) => [preset.id, preset.request])),
      ).replace(/</g, '\\u003c')}</script>`
    : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>graph-phones API (local)</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/docs/swagger-ui.css">
<style>
  .dev-tokens { font: 14px sans-serif; padding: 12px 20px; background: #eef6ee; border-bottom: 1px solid #cde3cd; display: flex; gap: 10px; align-items: center; flex-wrap: wrap; }
  .dev-tokens select { font-size: 14px; padding: 4px; max-width: 100%; }
  #dev-token-status { color: #333; }
</style>
</head>
<body>
${tokenBar}
<div id="swagger-ui"></div>
<script src="/docs/swagger-ui-bundle.js"></script>
<script src="${PAGE_SCRIPT}"></script>
</body>
</html>
`;
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
