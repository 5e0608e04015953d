import { rmSync } from 'node:fs';
import path from 'node:path';
import { build, type BuildOptions, type Metafile } from 'esbuild';
import nodeOutput from './nodeOutput.json';

/** The repository root (this file is scripts/bundle.ts). */
export const ROOT = path.resolve(__dirname, '..');
/** What package.json `main` points at: the one file the Functions worker loads. */
export const BUNDLE_FILE = 'dist/main.js';
/** Every file a deployment needs besides node (no node_modules): the bundle, its map, host.json and package.json. */
export const DEPLOYMENT_FILES = [BUNDLE_FILE, `${BUNDLE_FILE}.map`, 'host.json', 'package.json'];

/**
 * Provided by the Node.js worker at run time; `@azure/functions` requires it inside a try/catch and
 * switches to test mode without it, so a plain `node` can still load the bundle.
 */
const WORKER_PROVIDED = ['@azure/functions-core'];

interface BundleOptions {
  minify?: boolean;
}

interface BundleOutput {
  file: string;
  bytes: number;
  /** Bytes of the bundle by package (`(app)` for our own code), largest first. */
  packages: Array<{ name: string; bytes: number }>;
  warnings: number;
}

/**
 * One bundle for all functions, not one per function: the worker loads `main` once per process, so
 * `@azure/functions`, the Cosmos client and the key set exist once per process, as they do in tests.
 * Per-function bundles would each carry their own copy of every module-level singleton.
 */
export async function bundle(options: BundleOptions = {}): Promise<BundleOutput> {
  rmSync(path.join(ROOT, 'dist'), { recursive: true, force: true });
  const result = await build({
    ...NODE_BUNDLE,
    entryPoints: [path.join(ROOT, 'functions', 'index.ts')],
    outfile: path.join(ROOT, BUNDLE_FILE),
    minify: options.minify ?? false,
    // Error and class names are logged (`errorType`) and compared by the SDKs: keep them when minifying.
    keepNames: options.minify ?? false,
  });
  return {
    file: BUNDLE_FILE,
    bytes: result.metafile.outputs[BUNDLE_FILE]?.bytes ?? 0,
    packages: bytesByPackage(result.metafile, BUNDLE_FILE),
    warnings: result.warnings.length,
  };
}

/**
 * What the code is compiled to: CommonJS for Node 20. A file of its own because the benchmark's
 * measured process compiles the sources with the same settings (scripts/bench/compileAsDeployed.cjs).
 */
const NODE_OUTPUT = nodeOutput as Pick<BuildOptions, 'platform' | 'target' | 'format'>;

/** The settings every bundle shares: one file, nothing left in node_modules. */
const NODE_BUNDLE = {
  bundle: true,
  ...NODE_OUTPUT,
  external: WORKER_PROVIDED,
  sourcemap: true,
  // Stack traces need the mappings only; the sources are in git.
  sourcesContent: false,
  metafile: true,
  // Metafile paths are then relative to the root: `dist/main.js`, `node_modules/...`.
  absWorkingDir: ROOT,
  logLevel: 'warning',
} satisfies BuildOptions;

/** Groups the bundle's input bytes by npm package, to see what the deployment is made of. */
function bytesByPackage(metafile: Metafile, outfile: string): Array<{ name: string; bytes: number }> {
  const output = metafile.outputs[outfile];
  const totals = new Map<string, number>();
  for (const [input, { bytesInOutput }] of Object.entries(output?.inputs ?? {})) {
    const name = packageOf(input);
    totals.set(name, (totals.get(name) ?? 0) + bytesInOutput);
  }
  return [...totals].map(([name, bytes]) => ({ name, bytes })).sort((a, b) => b.bytes - a.bytes);
}

/** The innermost package a bundled file belongs to (nested node_modules count as their own package). */
function packageOf(input: string): string {
  const at = input.lastIndexOf('node_modules/');
  if (at < 0) return '(app)';
  const match = /^node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input.slice(at));
  return match ? match[1]! : '(app)';
}

if (require.main === module) {
  bundle({ minify: process.argv.includes('--minify') })
    .then((out) => {
      const top = out.packages.slice(0, 8).map((p) => `${p.name} ${(p.bytes / 1024).toFixed(0)} KiB`);
      console.log(`${out.file}: ${(out.bytes / 1024).toFixed(0)} KiB (${top.join(', ')})`);
      if (out.warnings > 0) process.exitCode = 1;
    })
    .catch((error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    });
}
