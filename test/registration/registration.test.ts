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

const repoRoot = path.resolve(__dirname, '..', '..');
const stubRoot = path.join(__dirname, 'functions-core-stub');
const runner = path.join(__dirname, 'loadEntryPoints.js');
const MARKER = 'REGISTRATIONS ';

interface Binding {
  type: string;
  direction: string;
  authLevel?: string;
  methods?: string[];
  route?: string;
}
interface Registered {
  entryPoint: string;
  files: string[];
  programmingModel: { name: string; version: string } | null;
  functions: Array<{ name: string; bindings: Record<string, Binding> }>;
  hooks: string[];
}

/** Builds exactly as `npm run build` does, so the test follows whatever that script and `main` become. */
function build(): void {
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: repoRoot, stdio: 'pipe', timeout: 180_000 });
}

function loadLikeTheWorker(): Registered {
  const stdout = execFileSync(process.execPath, [runner, repoRoot], {
    cwd: repoRoot,
    encoding: 'utf8',
    env: { ...process.env, NODE_PATH: stubRoot, NODE_OPTIONS: '' },
    timeout: 60_000,
  });
  const line = stdout.split('\n').find((text) => text.startsWith(MARKER));
  if (!line) throw new Error(`no registrations reported; stdout was:\n${stdout}`);
  return JSON.parse(line.slice(MARKER.length)) as Registered;
}

let registered: Registered;

beforeAll(() => {
  build();
  registered = loadLikeTheWorker();
}, 240_000);

const byName = (name: string) => registered.functions.find((fn) => fn.name === name);
const triggerOf = (name: string) => Object.values(byName(name)?.bindings ?? {}).find((binding) => binding.direction === 'in');
const outputsOf = (name: string) => Object.values(byName(name)?.bindings ?? {}).filter((binding) => binding.direction === 'out');

describe('loading package.json main like the Functions worker', () => {
  it('finds built files and leaves @azure/functions out of test mode', () => {
    expect(registered.files.length).toBeGreaterThan(0);
    expect(registered.programmingModel?.name).toBe('@azure/functions');
  });

  it('registers exactly createPhoneMethod and createProfilePhone', () => {
    expect(registered.functions.map((fn) => fn.name).sort()).toEqual(['createPhoneMethod', 'createProfilePhone']);
  });

  it.each([
    ['createPhoneMethod', 'users/{userId}/authentication/phoneMethods'],
    ['createProfilePhone', '{collection:regex(^users?$)}/{userId}/profile/phones'],
  ])('%s: anonymous POST-only httpTrigger on %s with an http output', (name, route) => {
    expect(triggerOf(name)).toMatchObject({ type: 'httpTrigger', direction: 'in', authLevel: 'anonymous', route });
    expect(triggerOf(name)?.methods).toEqual(['POST']);
    expect(outputsOf(name)).toEqual([expect.objectContaining({ type: 'http', direction: 'out' })]);
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

/**
 * .funcignore decides what a deployment uploads. azure.yaml asks for a remote build, so the package
 * must carry what `npm run build` reads and must not carry node_modules (azd rejects that combination).
 */
describe('.funcignore', () => {
  const rules = readFileSync(path.join(repoRoot, '.funcignore'), 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map(toRule);

  interface Rule {
    negated: boolean;
    dirOnly: boolean;
    regex: RegExp;
  }

  /** The subset of .gitignore syntax the file uses: `!`, trailing `/`, `*` and a `/` that anchors. */
  function toRule(line: string): Rule {
    const negated = line.startsWith('!');
    let pattern = negated ? line.slice(1) : line;
    const dirOnly = pattern.endsWith('/');
    pattern = pattern.replace(/\/$/, '');
    const anchored = pattern.includes('/');
    const body = pattern
      .replace(/^\//, '')
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '[^/]*')
      .replace(/\?/g, '[^/]');
    return { negated, dirOnly, regex: new RegExp(`^${anchored ? '' : '(?:.*/)?'}${body}$`) };
  }

  /** Git's rule: the last matching pattern wins, and nothing inside an ignored directory comes back. */
  function isIgnored(file: string): boolean {
    const parts = file.split('/');
    for (let depth = 1; depth <= parts.length; depth++) {
      const candidate = parts.slice(0, depth).join('/');
      const isDirectory = depth < parts.length;
      let ignored = false;
      for (const rule of rules) {
        if ((!rule.dirOnly || isDirectory) && rule.regex.test(candidate)) ignored = !rule.negated;
      }
      if (ignored) return true;
    }
    return false;
  }

  const packageJson = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8'));
  const remoteBuild = /^\s*remoteBuild:\s*true\b/m.test(readFileSync(path.join(repoRoot, 'azure.yaml'), 'utf8'));

  it('matches azure.yaml: a remote build uploads sources, not node_modules or a local dist', () => {
    expect(remoteBuild).toBe(true);
    expect(isIgnored('node_modules/@azure/functions/package.json')).toBe(true);
    expect(isIgnored(packageJson.main.replace(/\*/g, 'x'))).toBe(true);
  });

  it('keeps what the host and the remote build need', () => {
    const buildScriptFiles: string[] = String(packageJson.scripts.build).match(/[\w./-]+\.(?:ts|js|json)\b/g) ?? [];
    for (const file of [
      'host.json',
      'package.json',
      'package-lock.json',
      'tsconfig.json',
      'functions/createPhoneMethod.ts',
      'functions/createProfilePhone.ts',
      'shared/http/handle.ts',
      'shared/storage/indexingPolicy.json',
      ...buildScriptFiles,
    ]) {
      expect([file, isIgnored(file)]).toEqual([file, false]);
    }
  });

  it('leaves out tests, infra, docs, CI, git and every local settings file', () => {
    for (const file of [
      'test/registration/registration.test.ts',
      'infra/main.bicep',
      'docs/deploy.md',
      '.git/config',
      '.github/workflows/ci.yml',
      '.ci/run',
      'coverage/lcov.info',
      'local.settings.json',
      'local.settings.sample.json',
      'scripts/openapi.ts',
      'README.md',
    ]) {
      expect([file, isIgnored(file)]).toEqual([file, true]);
    }
  });
});
