import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { operations } from '../functions/operations';
import { buildOpenApiDocument } from '../shared/openapi';

/**
 * Writes openapi.json from the operation descriptors (`npm run openapi`). With `--check` it writes
 * nothing and fails when the committed file is out of date, so CI catches a descriptor or model
 * change without a regenerated file.
 */
export const OUTPUT_FILE = path.resolve(__dirname, '..', 'openapi.json');

export function renderOpenApiDocument(): string {
  return `${JSON.stringify(buildOpenApiDocument(operations), null, 2)}\n`;
}

/** Why the committed file differs from what the descriptors give, or undefined when it is current. */
export function openApiDrift(file = OUTPUT_FILE): string | undefined {
  const committed = readCommitted(file);
  if (committed === undefined)
    return `${path.basename(file)} is missing: run \`npm run openapi\` and commit the result.`;
  if (committed === renderOpenApiDocument()) return undefined;
  return `${path.basename(file)} is out of date with the operation descriptors: run \`npm run openapi\` and commit the result.`;
}

function main(argv: readonly string[]): number {
  if (argv.includes('--check')) {
    const drift = openApiDrift();
    if (!drift) return 0;
    console.error(drift);
    return 1;
  }
  writeFileSync(OUTPUT_FILE, renderOpenApiDocument());
  console.log(`Wrote ${path.relative(process.cwd(), OUTPUT_FILE) || OUTPUT_FILE}`);
  return 0;
}

function readCommitted(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

if (require.main === module) {
  process.exitCode = main(process.argv.slice(2));
}
