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
import { ROUTE_PREFIX } from '../../shared/http/graphResponses';
import { registrationsOf } from '../../shared/http/pipeline';
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
  const batches = batchRegistrationsOf([ROUTE_PREFIX]);

  it('registers exactly one function per operation and route (users/{userId} and me), named as the descriptors say, and $batch', () => {
    expect(registered.functions.map((fn) => fn.name).sort()).toEqual(
      [...expected, ...batches].map((registration) => registration.name).sort(),
    );
    expect(expected.length).toBe(2 * operations.length);
  });

  it('registers POST $batch as an anonymous httpTrigger', () => {
    expect(batches.map((batch) => batch.route)).toEqual(['$batch']);
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

  it("serves /user/{userId} and Graph's /users/{userId} for profile phones, and /me for everything", () => {
    const routes = expected.map((registration) => registration.route);
    expect(routes).toContain('{collection:regex(^(users|user)$)}/{userId}/profile/phones/{id}');
    expect(routes).toContain('users/{userId}/authentication/phoneMethods');
    expect(routes).toContain('me/profile/phones');
    expect(routes).toContain('me/authentication/phoneMethods');
  });

  it('registers the appStart hook that validates configuration when the worker starts', () => {
    expect(registered.hooks).toContain('appStart');
  });
});

describe('host.json', () => {
  it('serves every route under /beta', () => {
    const host = JSON.parse(readFileSync(path.join(repoRoot, 'host.json'), 'utf8'));
    expect(host.version).toBe('2.0');
    expect(host.extensions.http.routePrefix).toBe('beta');
  });
});
