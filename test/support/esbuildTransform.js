'use strict';
/**
 * Jest transformer: TypeScript, and the ESM-only packages jest.config.js lets through
 * (transformIgnorePatterns), become CommonJS with esbuild, the compiler the bundle already uses.
 * Types are not checked here: `npm test` runs `tsc --noEmit` first. esbuild ships a prebuilt binary
 * for every platform npm supports, so the lock file installs everywhere.
 * Plain JavaScript so Jest can load it without transforming it first.
 */
const path = require('node:path');
const { createHash } = require('node:crypto');
const esbuild = require('esbuild');

const LOADERS = {
  '.ts': 'ts',
  '.mts': 'ts',
  '.cts': 'ts',
  '.tsx': 'tsx',
  '.jsx': 'jsx',
  '.js': 'js',
  '.mjs': 'js',
  '.cjs': 'js',
};
const OPTIONS = { format: 'cjs', target: 'es2022', platform: 'node', sourcemap: 'external', sourcesContent: true };

module.exports = {
  process(sourceText, sourcePath) {
    const result = esbuild.transformSync(sourceText, {
      ...OPTIONS,
      loader: LOADERS[path.extname(sourcePath)] ?? 'js',
      sourcefile: sourcePath,
    });
    return { code: result.code, map: result.map };
  },
  getCacheKey(sourceText, sourcePath, transformOptions) {
    return createHash('sha256')
      .update(esbuild.version)
      .update(JSON.stringify(OPTIONS))
      .update(__filename)
      .update(sourcePath)
      .update(transformOptions.configString)
      .update(sourceText)
      .digest('hex');
  },
};
