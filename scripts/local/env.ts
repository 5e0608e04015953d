import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { StartupError } from './startupError';

/** Environment handling of the local server: what is set, temporary overrides, local.settings.json. */

export function isSet(name: string): boolean {
  const value = process.env[name];
  return value !== undefined && value !== '';
}

/** Sets the given variables and returns how to put every variable back as it was. */
export function applyEnv(overrides: Record<string, string | undefined>): () => void {
  const saved = { ...process.env };
  for (const [name, value] of Object.entries(overrides)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  return () => {
    for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
    Object.assign(process.env, saved);
  };
}

export interface LocalSettings {
  path: string;
  /** The variables the file filled in (the ones the environment left unset). */
  applied: string[];
}

export const LOCAL_SETTINGS_FILE = 'local.settings.json';

/** The `Values` of a local.settings.json, or undefined when there is none. One-line error when it is not JSON. */
export function readLocalSettingsValues(
  path = join(process.cwd(), LOCAL_SETTINGS_FILE),
): Record<string, string> | undefined {
  if (!existsSync(path)) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new StartupError(
      `${path} is not valid JSON (${error instanceof Error ? error.message : String(error)}): fix it or remove it.`,
    );
  }
  const values = (parsed as { Values?: unknown } | null)?.Values;
  if (values === undefined) return {};
  if (values === null || typeof values !== 'object' || Array.isArray(values))
    throw new StartupError(`${path}: "Values" must be an object of strings.`);
  return Object.fromEntries(
    Object.entries(values).filter((entry): entry is [string, string] => typeof entry[1] === 'string'),
  );
}

/**
 * Like `func start`: a local.settings.json in the working directory (untracked; the tracked
 * local.settings.sample.json is never read) fills in variables that are not already set.
 */
export function applyLocalSettings(path = join(process.cwd(), LOCAL_SETTINGS_FILE)): LocalSettings | undefined {
  const values = readLocalSettingsValues(path);
  if (!values) return undefined;
  const applied: string[] = [];
  for (const [name, value] of Object.entries(values)) {
    if (process.env[name] === undefined) {
      process.env[name] = value;
      applied.push(name);
    }
  }
  return { path, applied };
}
