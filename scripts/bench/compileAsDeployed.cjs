'use strict';
/**
 * Preloaded (`node --require`) into the benchmark's measured process in place of tsx, so the code
 * measured is compiled the way the deployed bundle is (scripts/bundle.ts), with the output settings
 * of scripts/nodeOutput.json:
 *
 * - The app's entry (functions/index.ts) is bundled: its modules share one scope, so one module
 *   reading another's export is a plain variable read, as in dist/main.js. Compiled file by file,
 *   each such read goes through a getter. The baselines (baselines.ts) are bundled the same way, so
 *   both sides of the comparison reach storage through the same kind of code. npm packages stay
 *   outside (`packages: 'external'`): the host emulation and the app must share one @azure/functions,
 *   and the process one Cosmos client.
 * - Every other file (the host emulation, the benchmark) is compiled on its own.
 * - Names are not kept. tsx keeps them, which makes every function created at run time pay an
 *   `Object.defineProperty(fn, 'name', ...)` (about 2.5 µs each under load) that the deployed code
 *   never pays.
 *
 * Plain JavaScript, so nothing has to compile it first.
 */
const { readFileSync } = require('node:fs');
const path = require('node:path');
const esbuild = require('esbuild');
const output = require('../nodeOutput.json');

const ROOT = path.resolve(__dirname, '..', '..');
const BUNDLED = new Set([path.join(ROOT, 'functions', 'index.ts'), path.join(__dirname, 'baselines.ts')]);
const COMMON = { ...output, keepNames: false, logLevel: 'warning' };

function bundled(filename) {
  const result = esbuild.buildSync({
    ...COMMON,
    entryPoints: [filename],
    bundle: true,
    packages: 'external',
    write: false,
    absWorkingDir: ROOT,
  });
  return result.outputFiles[0].text;
}

function transformed(filename) {
  return esbuild.transformSync(readFileSync(filename, 'utf8'), { ...COMMON, loader: 'ts', sourcefile: filename }).code;
}

require.extensions['.ts'] = (module, filename) => {
  module._compile(BUNDLED.has(filename) ? bundled(filename) : transformed(filename), filename);
};
