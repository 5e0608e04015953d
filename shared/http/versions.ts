/**
 * The Graph versions the service answers under. The version is the first segment of every route
 * (host.json's route prefix is empty), so one Functions app serves `/beta/...` and `/v1.0/...`.
 */
export const API_VERSIONS = ['beta', 'v1.0'] as const;
export type ApiVersion = (typeof API_VERSIONS)[number];

/**
 * Appended to an operation's name to name its function in that version (function names are unique
 * in an app). Beta's functions keep the operation names they had when beta was the only version.
 */
export const FUNCTION_NAME_SUFFIX: Record<ApiVersion, string> = { beta: '', 'v1.0': 'V1' };
