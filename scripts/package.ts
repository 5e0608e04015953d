import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BUNDLE_FILE, DEPLOYMENT_FILES, ROOT } from './bundle';
import { zip } from './zip';

export interface PackageResult {
  files: Array<{ name: string; bytes: number }>;
  totalBytes: number;
  /** The same files as one zip (what a zip deploy of the built package uploads). */
  zipBytes: number;
  /** Bare `require("x")` calls left in the bundle that are neither Node built-ins nor worker-provided. */
  unresolvedRequires: string[];
  /** `node -e "require('./dist/main.js')"` succeeded in a folder holding only the deployment files. */
  loadsWithoutNodeModules: boolean;
}

const WORKER_PROVIDED = new Set(['@azure/functions-core']);

/**
 * Copies the deployment files (of a finished `npm run build`) into `dir`, emptied first, or into a fresh
 * temp folder with no node_modules anywhere above it. `npm run package` (which `azd package` and
 * `azd deploy` run after the build) stages into dist/package, the folder azure.yaml deploys.
 */
export function stageDeployment(target?: string): string {
  let dir: string;
  if (target === undefined) {
    dir = mkdtempSync(path.join(tmpdir(), 'graph-phones-deploy-'));
  } else {
    dir = path.resolve(ROOT, target);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
  }
  for (const file of DEPLOYMENT_FILES) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    copyFileSync(path.join(ROOT, file), path.join(dir, file));
  }
  return dir;
}

/** Requires that a plain Node cannot satisfy: any would fail at run time without node_modules. */
function unresolvedRequires(source: string): string[] {
  const builtins = new Set(builtinModules);
  const names = [...source.matchAll(/\brequire\(\s*["']([^"'./][^"']*)["']\s*\)/g)].map((m) => m[1]!);
  return [...new Set(names)]
    .filter((name) => !name.startsWith('node:') && !builtins.has(name) && !WORKER_PROVIDED.has(name))
    .sort();
}

export function measurePackage(): PackageResult {
  const files = DEPLOYMENT_FILES.map((name) => ({ name, bytes: statSync(path.join(ROOT, name)).size }));
  const archive = zip(DEPLOYMENT_FILES.map((name) => ({ name, data: readFileSync(path.join(ROOT, name)) })));
  const dir = stageDeployment();
  let loads = false;
  try {
    execFileSync(process.execPath, ['-e', `require('./${BUNDLE_FILE}')`], {
      cwd: dir,
      stdio: 'pipe',
      env: { PATH: process.env.PATH },
    });
    loads = true;
  } catch (error) {
    console.error(
      `the bundle does not load without node_modules: ${(error as { stderr?: Buffer }).stderr?.toString() ?? String(error)}`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return {
    files,
    totalBytes: files.reduce((sum, file) => sum + file.bytes, 0),
    zipBytes: archive.length,
    unresolvedRequires: unresolvedRequires(readFileSync(path.join(ROOT, BUNDLE_FILE), 'utf8')),
    loadsWithoutNodeModules: loads,
  };
}

if (require.main === module) {
  // `tsx scripts/package.ts <folder>`: stage the deployment package into <folder>.
  const target = process.argv[2];
  if (!target) {
    console.error('usage: tsx scripts/package.ts <folder>');
    process.exitCode = 2;
  } else {
    const dir = stageDeployment(target);
    console.log(`${path.relative(ROOT, dir) || '.'}: ${DEPLOYMENT_FILES.join(', ')}`);
  }
}
