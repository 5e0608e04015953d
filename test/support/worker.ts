import { execFileSync } from 'node:child_process';
import path from 'node:path';

const registrationDir = path.resolve(__dirname, '..', 'registration');
const stubRoot = path.join(registrationDir, 'functions-core-stub');
const runner = path.join(registrationDir, 'loadEntryPoints.js');
const MARKER = 'REGISTRATIONS ';

interface Binding {
  type: string;
  direction: string;
  authLevel?: string;
  methods?: string[];
  route?: string;
}

/** What the stand-in `@azure/functions-core` recorded while an app's `main` was loaded. */
export interface Registered {
  entryPoint: string;
  files: string[];
  programmingModel: { name: string; version: string } | null;
  functions: Array<{ name: string; bindings: Record<string, Binding> }>;
  hooks: string[];
}

/**
 * Loads `appRoot`'s package.json `main` in a fresh Node process the way the Functions worker does
 * (test/registration/loadEntryPoints.js), with only the worker-provided module resolvable besides
 * what `extraEnv` adds.
 */
export function loadLikeTheWorker(appRoot: string, extraEnv: NodeJS.ProcessEnv = {}): Registered {
  const stdout = execFileSync(process.execPath, [runner, appRoot], {
    cwd: appRoot,
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', ...extraEnv, NODE_PATH: stubRoot, NODE_OPTIONS: '' },
    timeout: 60_000,
  });
  const line = stdout.split('\n').find((text) => text.startsWith(MARKER));
  if (!line) throw new Error(`no registrations reported; stdout was:\n${stdout}`);
  return JSON.parse(line.slice(MARKER.length)) as Registered;
}
