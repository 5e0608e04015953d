import { createPublicKey, generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import { SignJWT } from 'jose';
import { z } from 'zod';

/**
 * The local development token issuer: an RS256 key pair (made at start, or kept between runs of
 * `npm start` by scripts/local/devIssuerKey.ts), its public key served as a JWKS, and tokens shaped
 * like Entra's v2 access tokens. The service verifies them exactly as it verifies Entra's (same code
 * path, issuer and key set from AUTH_ISSUER / AUTH_JWKS_URI), so nothing in the service knows it is
 * talking to a development issuer.
 */

/** Directory role template id of Authentication Administrator (the phoneMethods delegated rule). */
export const AUTHENTICATION_ADMINISTRATOR = 'c4e39bd9-1100-46d3-8c65-fb160da0071f';
/** Stand-in tenant and client app of development tokens (fixed, so log lines are easy to read). */
const DEV_TENANT_ID = '00000000-0000-4000-8000-000000000001';
const DEV_CLIENT_APP_ID = '00000000-0000-4000-8000-000000000002';
export const DEFAULT_DEV_AUDIENCE = 'api://graph-phones-local';
export const DEV_ISSUER_PATH = '/dev-issuer';
const MAX_LIFETIME_SECONDS = 24 * 3600;

/** Bounds of a token request, so a token (and the headers that carry it) stays small. */
export const MAX_TOKEN_REQUEST_BYTES = 4096;
const TOKEN_LIMITS = { items: 20, itemLength: 128, scpLength: 1024, textLength: 256 } as const;

/** Printable text without control characters. */
const text = (max: number) =>
  z
    .string()
    .trim()
    .max(max, `must be at most ${max} characters`)
    .regex(/^[^\p{Cc}]*$/u, 'must not contain control characters');

const commaList = z
  .union([
    z.string().max(TOKEN_LIMITS.items * (TOKEN_LIMITS.itemLength + 1)),
    z.array(z.string()).max(TOKEN_LIMITS.items),
  ])
  .transform((value) => (Array.isArray(value) ? value : value.split(',')).map((item) => item.trim()).filter(Boolean))
  .pipe(
    z.array(text(TOKEN_LIMITS.itemLength)).max(TOKEN_LIMITS.items, `must list at most ${TOKEN_LIMITS.items} values`),
  );

/** What a caller may ask for: the options of `npm run token` and of `POST /dev-issuer/token`. */
const tokenRequestSchema = z
  .object({
    oid: z.guid('must be a GUID').toLowerCase().optional(),
    scp: text(TOKEN_LIMITS.scpLength)
      .refine(
        (value) => value.split(/\s+/).filter(Boolean).length <= TOKEN_LIMITS.items,
        `must list at most ${TOKEN_LIMITS.items} scopes`,
      )
      .optional(),
    roles: commaList.optional(),
    wids: commaList.optional(),
    idtyp: z.enum(['user', 'app']).optional(),
    upn: text(TOKEN_LIMITS.textLength).min(1).optional(),
    name: text(TOKEN_LIMITS.textLength).min(1).optional(),
    lifetime: z.coerce.number().int().min(60).max(MAX_LIFETIME_SECONDS).optional(),
  })
  .strict();

export type TokenRequest = z.input<typeof tokenRequestSchema>;

export interface DevIssuer {
  issuer: string;
  jwksUri: string;
  audience: string;
  /** The public key set, as served at `GET /dev-issuer/keys`. */
  jwks(): { keys: object[] };
  /** A signed token; throws a ZodError for invalid options. */
  mint(request?: TokenRequest): Promise<string>;
}

/** The default delegated token's scopes: with the default role, every operation on any user. */
export const DEFAULT_DELEGATED_SCOPES = 'User.ReadWrite User.ReadWrite.All UserAuthenticationMethod.ReadWrite.All';

/** A signing key and its key id. */
export interface DevIssuerKey {
  privateKey: KeyObject;
  kid: string;
}

/**
 * With no options the token is a delegated one that works for every example: the user's own and
 * other users' profile phones (`User.ReadWrite`, `User.ReadWrite.All`) and other users' phone methods
 * (`UserAuthenticationMethod.ReadWrite.All` and the Authentication Administrator role). `--idtyp app`
 * (or only `--roles`) gives an app-only token.
 */
function claimsFor(options: z.output<typeof tokenRequestSchema>): Record<string, unknown> {
  const oid = options.oid ?? randomUUID();
  const app =
    options.idtyp === 'app' ||
    (options.idtyp === undefined && options.roles !== undefined && options.scp === undefined);
  if (app) {
    return {
      oid,
      sub: oid,
      idtyp: 'app',
      roles: options.roles ?? [],
      azp: DEV_CLIENT_APP_ID,
      ...(options.name ? { app_displayname: options.name } : {}),
    };
  }
  const upn = options.upn ?? `dev-${oid.slice(0, 8)}@graph-phones.local`;
  return {
    oid,
    sub: `dev-subject-${oid}`,
    idtyp: 'user',
    scp: options.scp ?? DEFAULT_DELEGATED_SCOPES,
    wids: options.wids ?? [AUTHENTICATION_ADMINISTRATOR],
    ...(options.roles ? { roles: options.roles } : {}),
    upn,
    preferred_username: upn,
    name: options.name ?? 'Local Developer',
    azp: DEV_CLIENT_APP_ID,
  };
}

/** Creates the issuer for a server whose base URL is `baseUrl` (e.g. `http://127.0.0.1:7071`). */
export function createDevIssuer(baseUrl: string, audience: string, key: DevIssuerKey = newDevIssuerKey()): DevIssuer {
  const { privateKey, kid } = key;
  const publicJwk = { ...createPublicKey(privateKey).export({ format: 'jwk' }), kid, use: 'sig', alg: 'RS256' };
  const issuer = `${baseUrl}${DEV_ISSUER_PATH}`;
  return {
    issuer,
    jwksUri: `${issuer}/keys`,
    audience,
    jwks: () => ({ keys: [publicJwk] }),
    mint: (request = {}) => sign(privateKey, kid, issuer, audience, tokenRequestSchema.parse(request)),
  };
}

export function newDevIssuerKey(): DevIssuerKey {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { privateKey, kid: `dev-${randomUUID().slice(0, 8)}` };
}

async function sign(
  key: KeyObject,
  kid: string,
  issuer: string,
  audience: string,
  options: z.output<typeof tokenRequestSchema>,
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ ...claimsFor(options), tid: DEV_TENANT_ID, ver: '2.0' })
    .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid })
    .setIssuer(issuer)
    .setAudience(audience)
    .setIssuedAt(now)
    .setNotBefore(now)
    .setExpirationTime(now + (options.lifetime ?? 3600))
    .sign(key);
}
