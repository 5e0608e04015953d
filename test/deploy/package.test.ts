/**
 * The deployment package, built the way `azd deploy` builds it (azure.yaml): `npm run build` (the
 * single-file bundle) then `npm run package` (stages the deployment files in the folder azure.yaml
 * names as `dist`). The build runs in a copy of the project's build inputs, so it cannot race the
 * registration test's build of dist/ in the work tree. The staged folder is zipped as a zip deploy
 * uploads it, unpacked into a clean temp folder with no node_modules anywhere above it, and its
 * package.json `main` is loaded the way the Functions Node.js worker loads it
 * (test/registration/loadEntryPoints.js, with the stand-in for the worker-provided
 * @azure/functions-core). azure.yaml and .funcignore must describe this package.
 */
import { execFileSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DEPLOYMENT_FILES } from '../../scripts/bundle';
import { unzip, zip } from '../../scripts/zip';
import { loadLikeTheWorker, type Registered } from '../support/worker';

const repoRoot = path.resolve(__dirname, '..', '..');
/** `dist:` of the api service in azure.yaml: the folder azd zips and uploads. */
function azureYamlDist(): string {
  const text = readFileSync(path.join(repoRoot, 'azure.yaml'), 'utf8');
  const api = /\n {2}api:\n((?: {4}.*\n|\s*\n)*)/.exec(text)?.[1] ?? '';
  const dist = /^ {4}dist: *(\S+)\s*$/m.exec(api)?.[1];
  if (!dist) throw new Error('azure.yaml: the api service names no `dist` folder (the prebuilt package azd deploys)');
  return dist;
}

function listFiles(dir: string, prefix = ''): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => {
      const relative = prefix ? `${prefix}/${entry.name}` : entry.name;
      return entry.isDirectory() ? listFiles(path.join(dir, entry.name), relative) : [relative];
    })
    .sort();
}

/** What `npm run build` and `npm run package` read: copied, with the repository's node_modules linked. */
const BUILD_INPUTS = ['package.json', 'host.json', 'tsconfig.json', 'functions', 'shared', 'scripts'];

function copyBuildInputs(into: string): void {
  for (const name of BUILD_INPUTS) cpSync(path.join(repoRoot, name), path.join(into, name), { recursive: true });
  symlinkSync(path.join(repoRoot, 'node_modules'), path.join(into, 'node_modules'), 'dir');
}

function npmRun(cwd: string, script: string): void {
  // NODE_ENV=production as azd sets it for the package step.
  execFileSync('npm', ['run', script, '--silent'], {
    cwd,
    stdio: 'pipe',
    timeout: 180_000,
    env: { ...process.env, NODE_ENV: 'production' },
  });
}

let staged: string[];
let unpackedRoot: string;
let workDir: string;
let fromPackage: Registered;

beforeAll(() => {
  workDir = mkdtempSync(path.join(tmpdir(), 'graph-phones-deploy-test-'));
  const project = path.join(workDir, 'project');
  copyBuildInputs(project);
  npmRun(project, 'build');
  npmRun(project, 'package');
  const stagedDir = path.join(project, azureYamlDist());
  staged = listFiles(stagedDir);
  const archive = zip(staged.map((name) => ({ name, data: readFileSync(path.join(stagedDir, name)) })));

  unpackedRoot = path.join(workDir, 'wwwroot');
  for (const entry of unzip(archive)) {
    const target = path.join(unpackedRoot, entry.name);
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, entry.data);
  }
  fromPackage = loadLikeTheWorker(unpackedRoot);
}, 300_000);

afterAll(() => {
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

describe('deployment package (azure.yaml: prebuilt single-file bundle, no remote build)', () => {
  it('azure.yaml deploys the staged package with no remote build', () => {
    const text = readFileSync(path.join(repoRoot, 'azure.yaml'), 'utf8');
    expect(text).toMatch(/^ {4}remoteBuild: false\s*$/m);
    expect(text).toMatch(/^ {4}host: function\s*$/m);
    // The staged folder is build output, never committed.
    expect(azureYamlDist()).toMatch(/^dist\//);
  });

  it('holds exactly the deployment files: the bundle, its map, host.json and package.json', () => {
    expect(staged).toEqual([...DEPLOYMENT_FILES].sort());
    const manifest = JSON.parse(readFileSync(path.join(unpackedRoot, 'package.json'), 'utf8')) as { main?: string };
    expect(staged).toContain(manifest.main);
  });

  it('.funcignore is an allowlist of the same files', () => {
    const lines = readFileSync(path.join(repoRoot, '.funcignore'), 'utf8')
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line !== '' && !line.startsWith('#'));
    expect(lines[0]).toBe('*');
    const allowedFiles = lines
      .filter((line) => line.startsWith('!') && !line.endsWith('/'))
      .map((line) => line.slice(1));
    expect(allowedFiles.sort()).toEqual([...DEPLOYMENT_FILES].sort());
    // Every other line re-includes a folder that holds an allowed file.
    for (const folder of lines.filter((line) => line.startsWith('!') && line.endsWith('/'))) {
      expect(DEPLOYMENT_FILES.some((file) => file.startsWith(folder.slice(1)))).toBe(true);
    }
    expect(lines.filter((line) => !line.startsWith('!') && line !== '*')).toEqual([]);
  });

  it('is unpacked where no node_modules can be found', () => {
    for (let dir = unpackedRoot; ; dir = path.dirname(dir)) {
      expect({ dir, nodeModules: existsSync(path.join(dir, 'node_modules')) }).toEqual({ dir, nodeModules: false });
      if (path.dirname(dir) === dir) break;
    }
  });

  it('loads like the Functions worker: @azure/functions out of test mode, the functions and the appStart hook registered', () => {
    expect(fromPackage.programmingModel?.name).toBe('@azure/functions');
    expect(fromPackage.files).toEqual([fromPackage.entryPoint]);
    const names = fromPackage.functions.map((fn) => fn.name);
    // test/registration checks the full list and each route; here: the package carries them all.
    expect(names).toEqual(expect.arrayContaining(['createPhoneMethod', 'createProfilePhone']));
    for (const fn of fromPackage.functions) {
      expect({
        name: fn.name,
        triggers: Object.values(fn.bindings).filter((b) => (b as { type?: string }).type === 'httpTrigger').length,
      }).toEqual({
        name: fn.name,
        triggers: 1,
      });
    }
    expect(fromPackage.hooks).toContain('appStart');
  });
});
