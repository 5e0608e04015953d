/**
 * Outside the Functions host, `@azure/functions` runs in "test mode" and prints a warning with
 * console.warn at every `app.http`/`app.hook` call and the first time it notices (its src/app.ts and
 * src/hooks/registerHook.ts). Tests load the entry many times on purpose, so these exact lines are
 * dropped; any other warning, including other ones from that package, still prints.
 */
export const FUNCTIONS_TEST_MODE_WARNINGS: readonly RegExp[] = [
  /^WARNING: Failed to detect the Azure Functions runtime\. Switching "@azure\/functions" package to test mode - not all features are supported\.$/,
  /^WARNING: Skipping call to register function "[^"\n]*" because the "@azure\/functions" package is in test mode\.$/,
  /^WARNING: Skipping call to (register|dispose) \w+ hook because the "@azure\/functions" package is in test mode\.$/,
];

export function isFunctionsTestModeWarning(args: readonly unknown[]): boolean {
  return (
    args.length === 1 &&
    typeof args[0] === 'string' &&
    FUNCTIONS_TEST_MODE_WARNINGS.some((pattern) => pattern.test(args[0] as string))
  );
}

const warn = console.warn.bind(console);
console.warn = (...args: unknown[]) => {
  if (!isFunctionsTestModeWarning(args)) warn(...args);
};
