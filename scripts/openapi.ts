import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { buildOpenApiDocument } from '../shared/openapi';

/**
 * Writes openapi.json from the zod models (`npm run openapi`). With `--check` it writes nothing and
 * fails when the committed file is out of date, so CI catches a model change without a regenerated file.
 */
const OUTPUT_FILE = path.resolve(__dirname, '..', 'openapi.json');

export function renderOpenApiDocument(): string {
  return `${JSON.stringify(buildOpenApiDocument(), null, 2)}\n`;
}

function main(argv: readonly string[]): number {
  const rendered = renderOpenApiDocument();
  if (argv.includes('--check')) {
    const committed = readCommitted();
    if (committed === rendered) return 0;
    console.error('openapi.json is out of date with the zod models: run `npm run openapi` and commit the result.');
    return 1;
  }
  writeFileSync(OUTPUT_FILE, rendered);
  console.log(`Wrote ${path.relative(process.cwd(), OUTPUT_FILE) || OUTPUT_FILE}`);
  return 0;
}

function readCommitted(): string | undefined {
  try {
    return readFileSync(OUTPUT_FILE, 'utf8');
  } catch {
    return undefined;
  }
}

if (require.main === module) {
  process.exitCode = main(process.argv.slice(2));
}
