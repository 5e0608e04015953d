'use strict';
/**
 * Preloaded (`node --require`) into the benchmark's measured process in place of tsx: each TypeScript
 * file is compiled with esbuild and the output settings the deployed bundle is built with
 * (scripts/nodeOutput.json; scripts/bundle.ts keeps no names either). tsx keeps names, which makes
 * every function a handler creates at run time pay an `Object.defineProperty(fn, 'name', ...)`, about
 * 2.5 µs each under load, that the code running in Azure never pays. Plain JavaScript, so nothing has
 * to compile it first.
 */
const { readFileSync } = require('node:fs');
const esbuild = require('esbuild');
const output = require('../nodeOutput.json');

require.extensions['.ts'] = (module, filename) => {
  const { code } = esbuild.transformSync(readFileSync(filename, 'utf8'), { ...output, loader: 'ts', sourcefile: filename, keepNames: false });
  module._compile(code, filename);
};
