/**
 * What `func start` would index. The project is built with its own `npm run build`, then a fresh Node
 * process loads package.json `main` the way the Functions worker does, with a stand-in for the
 * worker-provided `@azure/functions-core` (test/registration/functions-core-stub) that records every
 * `registerFunction` call. Without that module `@azure/functions` silently registers nothing ("test
 * mode"), which is why the handler tests alone cannot catch a missing or misrouted registration.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { operations } from '../../functions/operations';
import { batchRegistrationsOf } from '../../shared/http/batch';
import { API_VERSIONS } from '../../shared/http/versions';
import { registrationsOf } from '../../shared/http/pipeline';
import { UNMATCHED_ROUTE_FUNCTION } from '../../shared/http/unmatchedRoute';
import { compareOrdinalIgnoreCase } from '../../scripts/local/functionHost';
import { loadLikeTheWorker, type Registered } from '../support/worker';

const repoRoot = path.resolve(__dirname, '..', '..');
/** Builds exactly as `npm run build` does, so the test follows whatever that script and `main` become. */
function build(): void {
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: repoRoot, stdio: 'pipe', timeout: 180_000 });
}

let registered: Registered;

beforeAll(() => {
  build();
  registered = loadLikeTheWorker(repoRoot);
}, 240_000);

const byName = (name: string) => registered.functions.find((fn) => fn.name === name);
const triggerOf = (name: string) =>
  Object.values(byName(name)?.bindings ?? {}).find((binding) => binding.direction === 'in');
const outputsOf = (name: string) =>
  Object.values(byName(name)?.bindings ?? {}).filter((binding) => binding.direction === 'out');

describe('loading package.json main like the Functions worker', () => {
  it('finds built files and leaves @azure/functions out of test mode', () => {
    expect(registered.files.length).toBeGreaterThan(0);
    expect(registered.programmingModel?.name).toBe('@azure/functions');
  });

  const expected = registrationsOf(operations);
  const batches = batchRegistrationsOf(API_VERSIONS);

  it('registers exactly one function per operation, version and route (users/{userId} and me), named as the descriptors say, and $batch per version', () => {
    expect(registered.functions.map((fn) => fn.name).sort()).toEqual(
      [...expected, ...batches]
        .map((registration) => registration.name)
        .concat(UNMATCHED_ROUTE_FUNCTION)
        .sort(),
    );
    const versions = operations.reduce((sum, operation) => sum + Object.keys(operation.versions).length, 0);
    expect(expected.length).toBe(2 * versions);
    expect(new Set(expected.map((registration) => registration.name)).size).toBe(expected.length);
    expect(expected.filter((r) => r.version === 'v1.0').map((r) => r.name)).toContain('listPhoneMethodsV1');
    expect(expected.filter((r) => r.version === 'v1.0').map((r) => r.name)).toContain('updatePhoneMethodMeV1');
  });

  it('registers POST $batch as an anonymous httpTrigger', () => {
    expect(batches.map((batch) => batch.route)).toEqual(['beta/$batch', 'v1.0/$batch']);
    for (const { name, route } of batches) {
      expect(triggerOf(name)).toEqual(
        expect.objectContaining({ type: 'httpTrigger', authLevel: 'anonymous', route, methods: ['POST'] }),
      );
    }
  });

  it('each is an anonymous httpTrigger for exactly its method and route, with an http output', () => {
    for (const { name, route, operation } of expected) {
      expect([name, triggerOf(name)]).toEqual([
        name,
        expect.objectContaining({ type: 'httpTrigger', direction: 'in', authLevel: 'anonymous', route }),
      ]);
      expect([name, triggerOf(name)?.methods]).toEqual([name, [operation.method]]);
      expect(outputsOf(name)).toEqual([expect.objectContaining({ type: 'http', direction: 'out' })]);
    }
  });

  it("serves /user/{userId} and Graph's /users/{userId} for profile phones (beta only), and /me for everything", () => {
    const routes = expected.map((registration) => registration.route);
    expect(routes).toContain('beta/{collection:regex(^(users|user)$)}/{userId}/profile/phones/{id}');
    expect(routes).toContain('beta/users/{userId}/authentication/phoneMethods');
    expect(routes).toContain('v1.0/users/{userId}/authentication/phoneMethods');
    expect(routes).toContain('beta/me/profile/phones');
    expect(routes).toContain('beta/me/authentication/phoneMethods');
    expect(routes).toContain('v1.0/me/authentication/phoneMethods/{id}/enableSmsSignIn');
    expect(routes.filter((route) => route.startsWith('v1.0/') && route.includes('profile'))).toEqual([]);
  });

  it('registers the catch-all for every other path under /beta/ and /v1.0/, every method, named to come last in the host route order', () => {
    expect(triggerOf(UNMATCHED_ROUTE_FUNCTION)).toEqual(
      expect.objectContaining({
        type: 'httpTrigger',
        authLevel: 'anonymous',
        route: '{version:regex(^(beta|v1\\.0)$)}/{*path}',
      }),
    );
    expect(triggerOf(UNMATCHED_ROUTE_FUNCTION)?.methods).toEqual(
      expect.arrayContaining(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']),
    );
    // The host maps routes in the order of function names compared with OrdinalIgnoreCase and takes
    // the first that matches: every operation's function must come before the catch-all.
    const ordered = registered.functions.map((fn) => fn.name).sort(compareOrdinalIgnoreCase);
    expect(ordered.at(-1)).toBe(UNMATCHED_ROUTE_FUNCTION);
    expect(compareOrdinalIgnoreCase('listPhoneMethodsV1', UNMATCHED_ROUTE_FUNCTION)).toBe(-1);
  });

  it('registers the appStart hook that validates configuration when the worker starts', () => {
    expect(registered.hooks).toContain('appStart');
  });
});

describe('host.json', () => {
  it('has an empty route prefix: every route starts with its version, as `npm start` serves it', () => {
    const host = JSON.parse(readFileSync(path.join(repoRoot, 'host.json'), 'utf8')) as {
      version: string;
      extensions: { http: { routePrefix: string } };
    };
    expect(host.version).toBe('2.0');
    expect(host.extensions.http.routePrefix).toBe('');
    for (const { route } of registrationsOf(operations)) expect(route).toMatch(/^(beta|v1\.0)\//);
  });
});
