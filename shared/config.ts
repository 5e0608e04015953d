import { z } from 'zod';
import { entraIssuerTenant } from './auth/tenants';

/** A comma-separated list of non-empty values, e.g. `AUTH_AUDIENCE=api://x,1111-...`. */
const commaSeparated = z
  .string()
  .transform((text) =>
    text
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item.length > 0),
  )
  .pipe(z.array(z.string()).min(1, 'must list at least one value'));

/** Microsoft Graph's global endpoint: the directory `{userId}` is resolved through by default. */
export const DEFAULT_DIRECTORY_ENDPOINT = 'https://graph.microsoft.com';

const httpsOrLoopbackUrl = z.url({ message: 'must be an absolute URL', abort: true }).refine(
  (value) => {
    if (!URL.canParse(value)) return false;
    const url = new URL(value);
    return url.protocol === 'https:' || isLoopbackHost(url.hostname);
  },
  { message: 'must be an https URL (plain http is accepted only on localhost)' },
);

/**
 * The environment the service reads, one key per variable (docs/behaviour.md lists them). The keys are the
 * variable names, so this object is also the list that infra and local.settings.sample.json must match.
 */
const configSchema = z
  .object({
    AUTH_TENANT_ID: commaSeparated
      .pipe(z.array(z.guid('must list Entra tenant ids (GUIDs), comma separated').toLowerCase()))
      .transform((ids) => [...new Set(ids)])
      .optional(),
    AUTH_AUDIENCE: commaSeparated,
    AUTH_ISSUER: commaSeparated.optional(),
    AUTH_JWKS_URI: httpsOrLoopbackUrl.optional(),
    COSMOS_ENDPOINT: httpsOrLoopbackUrl,
    COSMOS_KEY: z.string().min(1).optional(),
    COSMOS_DATABASE: z.string().min(1).default('graph-phones'),
    COSMOS_PHONE_METHODS_CONTAINER: z.string().min(1).default('phoneMethods'),
    COSMOS_PROFILE_PHONES_CONTAINER: z.string().min(1).default('profilePhones'),
    COSMOS_SMS_SIGN_IN_NUMBERS_CONTAINER: z.string().min(1).default('smsSignInNumbers'),
    SMS_SIGN_IN_ENABLED: z.stringbool().default(false),
    // Bounded so a user's document (all their profile phones) stays far inside Cosmos DB's 2 MiB item limit.
    MAX_PROFILE_PHONES_PER_USER: z.coerce.number().int().min(1).max(250).default(100),
    MAX_BODY_BYTES: z.coerce.number().int().min(256).max(1_048_576).default(16_384),
    PUBLIC_BASE_URL: httpsOrLoopbackUrl
      .refine((value) => !URL.canParse(value) || isBareOrigin(new URL(value)), {
        message: 'must be an origin such as https://phones.contoso.example (no path, query or fragment)',
      })
      .optional(),
    PORT: z.coerce.number().int().min(1).max(65_535).default(7071),
    // The tenant's directory that resolves `{userId}`; `none` turns lookups off (object ids and the caller's own UPN).
    DIRECTORY_ENDPOINT: z
      .literal('none')
      .or(
        httpsOrLoopbackUrl.refine((value) => !URL.canParse(value) || isBareOrigin(new URL(value)), {
          message: 'must be an origin such as https://graph.microsoft.com (no path), or none',
        }),
      )
      .default(DEFAULT_DIRECTORY_ENDPOINT),
    DIRECTORY_CACHE_SECONDS: z.coerce.number().int().min(1).max(86_400).default(300),
  })
  .superRefine((env, ctx) => {
    if (!env.AUTH_TENANT_ID && !env.AUTH_ISSUER) {
      ctx.addIssue({ code: 'custom', path: ['AUTH_ISSUER'], message: 'is required when AUTH_TENANT_ID is not set' });
    }
    if (!env.AUTH_TENANT_ID && !env.AUTH_JWKS_URI) {
      ctx.addIssue({ code: 'custom', path: ['AUTH_JWKS_URI'], message: 'is required when AUTH_TENANT_ID is not set' });
    }
  });

/**
 * Platform settings the service also reads. Not service variables: the platform's conventions name
 * them (AZURE_CLIENT_ID is how @azure/identity's own credentials pick a user-assigned identity).
 */
const platformSchema = z.object({
  AZURE_CLIENT_ID: z.guid("must be the user-assigned managed identity's client id (a GUID)").toLowerCase().optional(),
});

export type ConfigVariable = keyof z.input<typeof configSchema>;
/** Every variable name the service reads (for the infra and settings consistency checks). */
export const configVariableNames = Object.keys(configSchema.shape) as ConfigVariable[];

export interface Config {
  auth: {
    /**
     * The tenants a token's `tid` must be one of: AUTH_TENANT_ID's list, else the one tenant the Entra
     * issuers of AUTH_ISSUER name; empty (not pinned) only when no Entra issuer is configured.
     */
    tenantIds: string[];
    audiences: string[];
    issuers: string[];
    jwksUri: URL;
  };
  cosmos: {
    endpoint: string;
    key?: string;
    /** Only a key-authenticated emulator on loopback gets TLS verification turned off. */
    allowSelfSignedCertificate: boolean;
    database: string;
    phoneMethodsContainer: string;
    profilePhonesContainer: string;
    smsSignInNumbersContainer: string;
  };
  smsSignInEnabled: boolean;
  maxProfilePhonesPerUser: number;
  /** The origin links (`Location`, `@odata.context`, `@odata.nextLink`) are built from; else the request's, validated. */
  publicBaseUrl?: string;
  maxBodyBytes: number;
  port: number;
  /** Where `{userId}` is resolved; `undefined` when DIRECTORY_ENDPOINT is `none` (no lookups). */
  directory?: {
    /** An origin, e.g. https://graph.microsoft.com; tokens are asked for `{endpoint}/.default`. */
    endpoint: string;
    /** How long a found user is remembered. */
    cacheSeconds: number;
    /** The user-assigned managed identity's client id (AZURE_CLIENT_ID), when set. */
    managedIdentityClientId?: string;
  };
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

function isBareOrigin(url: URL): boolean {
  return url.pathname === '/' && url.search === '' && url.hash === '' && url.username === '' && url.password === '';
}

export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return host === 'localhost' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
}

/** Parses an environment into the typed configuration; throws a ConfigError naming each bad variable. */
export function parseConfig(env: NodeJS.ProcessEnv): Config {
  // Treat empty strings like absent values: app settings and .json samples often carry "".
  const present = Object.fromEntries(
    configVariableNames.map((name) => [name, env[name] === '' ? undefined : env[name]]),
  );
  const parsed = configSchema.safeParse(present);
  const platform = platformSchema.safeParse({ AZURE_CLIENT_ID: env.AZURE_CLIENT_ID || undefined });
  if (!parsed.success || !platform.success) {
    const issues = [...(parsed.error?.issues ?? []), ...(platform.error?.issues ?? [])];
    const problems = issues.map((issue) => `${String(issue.path[0] ?? 'config')}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration: ${problems.join('; ')}`);
  }
  const e = parsed.data;
  const tenants = e.AUTH_TENANT_ID ?? [];
  const issuers =
    e.AUTH_ISSUER ??
    tenants.flatMap((tenant) => [
      `https://sts.windows.net/${tenant}/`,
      `https://login.microsoftonline.com/${tenant}/v2.0`,
    ]);
  const endpointHost = new URL(e.COSMOS_ENDPOINT).hostname;
  return {
    auth: {
      tenantIds: tenants.length > 0 ? tenants : tenantsOfIssuers(issuers),
      audiences: e.AUTH_AUDIENCE,
      issuers,
      // Entra signs every tenant's tokens with the same keys; `common` serves them for several tenants.
      jwksUri: new URL(
        e.AUTH_JWKS_URI ??
          `https://login.microsoftonline.com/${tenants.length === 1 ? tenants[0] : 'common'}/discovery/v2.0/keys`,
      ),
    },
    cosmos: {
      endpoint: e.COSMOS_ENDPOINT,
      key: e.COSMOS_KEY,
      allowSelfSignedCertificate: e.COSMOS_KEY !== undefined && isLoopbackHost(endpointHost),
      database: e.COSMOS_DATABASE,
      phoneMethodsContainer: e.COSMOS_PHONE_METHODS_CONTAINER,
      profilePhonesContainer: e.COSMOS_PROFILE_PHONES_CONTAINER,
      smsSignInNumbersContainer: e.COSMOS_SMS_SIGN_IN_NUMBERS_CONTAINER,
    },
    smsSignInEnabled: e.SMS_SIGN_IN_ENABLED,
    maxProfilePhonesPerUser: e.MAX_PROFILE_PHONES_PER_USER,
    publicBaseUrl: e.PUBLIC_BASE_URL === undefined ? undefined : new URL(e.PUBLIC_BASE_URL).origin,
    maxBodyBytes: e.MAX_BODY_BYTES,
    port: e.PORT,
    directory:
      e.DIRECTORY_ENDPOINT === 'none'
        ? undefined
        : {
            endpoint: new URL(e.DIRECTORY_ENDPOINT).origin,
            cacheSeconds: e.DIRECTORY_CACHE_SECONDS,
            managedIdentityClientId: platform.data.AZURE_CLIENT_ID,
          },
  };
}

/** Without AUTH_TENANT_ID, the tenant of the Entra issuers in AUTH_ISSUER: one at most (several must be listed). */
function tenantsOfIssuers(issuers: string[]): string[] {
  const tenants = [...new Set(issuers.map(entraIssuerTenant).filter((tenant) => tenant !== undefined))];
  if (tenants.length > 1)
    throw new ConfigError(
      `Invalid configuration: AUTH_ISSUER names issuers of ${tenants.length} tenants (${tenants.join(', ')}): list the tenants to accept in AUTH_TENANT_ID (comma separated)`,
    );
  return tenants;
}

let current: Config | undefined;

/** The process's configuration, parsed from process.env on first use and never again. */
export function getConfig(): Config {
  current ??= parseConfig(process.env);
  return current;
}
