import { spawn, spawnSync } from 'node:child_process';

/**
 * `npm run start:func`: the app under Azure Functions Core Tools v4 (`func start`). Without Core Tools
 * on PATH it says, in one line, what to install instead of ending in `func: not found`. With
 * `--check` it only checks (run before the build, so a missing `func` is reported first).
 */

const INSTALL =
  'Azure Functions Core Tools v4 is needed for npm run start:func: install it (npm install -g azure-functions-core-tools@4, ' +
  'or see https://learn.microsoft.com/azure/azure-functions/functions-run-local), or use npm start, which needs nothing installed.';

/** The installed Core Tools version, or a one-line reason it cannot be used. */
function coreToolsProblem(): string | undefined {
  const probe = spawnSync('func', ['--version'], {
    encoding: 'utf8',
    shell: process.platform === 'win32',
    timeout: 30_000,
  });
  if (probe.error || probe.status !== 0) return `\`func\` was not found on PATH. ${INSTALL}`;
  const version = probe.stdout.trim();
  const major = Number(/^(\d+)\./.exec(version)?.[1]);
  if (major !== 4) return `\`func\` is version ${version || 'unknown'}, not 4. ${INSTALL}`;
  return undefined;
}

function main(): void {
  const problem = coreToolsProblem();
  if (problem) {
    console.error(problem);
    process.exit(1);
  }
  if (process.argv.includes('--check')) return;
  const child = spawn('func', ['start', ...process.argv.slice(2)], {
    stdio: 'inherit',
    shell: process.platform === 'win32',
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

if (require.main === module) main();
