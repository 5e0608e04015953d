'use strict';
/**
 * Loads the app the way the Functions host's Node.js worker does: resolve package.json `main` (a file
 * or a glob) against the app root and require every match, with `@azure/functions-core` resolvable
 * (NODE_PATH points at functions-core-stub/). Prints what was registered as one JSON line after a marker.
 * Plain JavaScript in a fresh process, so neither Jest's module system nor a TS loader is involved.
 *
 * Usage: node loadEntryPoints.js <appRoot>
 */
const fs = require('node:fs');
const path = require('node:path');

const MARKER = 'REGISTRATIONS ';

/** Minimal glob for `main`: `*` and `?` within a segment, `**` across segments. */
function expandGlob(root, pattern) {
  const segments = pattern.split('/').filter((segment) => segment !== '' && segment !== '.');
  const matches = [];
  walk(root, 0);
  return matches.sort();

  function walk(dir, index) {
    if (index === segments.length) {
      if (fs.statSync(dir).isFile()) matches.push(dir);
      return;
    }
    const segment = segments[index];
    if (segment === '**') {
      walk(dir, index + 1);
      for (const entry of readDir(dir)) if (entry.isDirectory()) walk(path.join(dir, entry.name), index);
      return;
    }
    if (!/[*?]/.test(segment)) {
      const next = path.join(dir, segment);
      if (fs.existsSync(next)) walk(next, index + 1);
      return;
    }
    const regex = new RegExp(
      `^${segment
        .replace(/[.+^${}()|[\]\\]/g, '\\$&')
        .replace(/\*/g, '[^/]*')
        .replace(/\?/g, '[^/]')}$`,
    );
    for (const entry of readDir(dir)) if (regex.test(entry.name)) walk(path.join(dir, entry.name), index + 1);
  }
}

function readDir(dir) {
  try {
    return fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
}

function main(appRoot) {
  const { main: entryPoint } = JSON.parse(fs.readFileSync(path.join(appRoot, 'package.json'), 'utf8'));
  if (typeof entryPoint !== 'string') throw new Error('package.json has no "main": the worker would find no functions');
  const files = expandGlob(appRoot, entryPoint);
  if (files.length === 0) throw new Error(`package.json "main" (${entryPoint}) matches no file: build first`);
  for (const file of files) require(file);
  const core = require('@azure/functions-core');
  const report = {
    entryPoint,
    files: files.map((file) => path.relative(appRoot, file).split(path.sep).join('/')),
    ...core.recorded(),
  };
  process.stdout.write(`${MARKER}${JSON.stringify(report)}\n`);
}

main(path.resolve(process.argv[2] ?? '.'));
