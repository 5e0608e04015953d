import { createPrivateKey, randomUUID, type KeyObject } from 'node:crypto';
import { SignJWT, type JWTPayload } from 'jose';
import { registerTestUser } from './standInDirectory';
import { AUTHENTICATION_ADMINISTRATOR, TEST_AUDIENCE, TEST_CLIENT_APP_ID, TEST_TENANT_ID } from './constants';

interface TokenOptions {
  /** Claims to add or override; a claim set to `undefined` is removed. */
  claims?: Record<string, unknown>;
  /** Protected header fields to add or override. */
  header?: Record<string, unknown>;
  key?: KeyObject;
  kid?: string;
  /** Lifetime in seconds from now (default one hour); negative gives an expired token. */
  expiresIn?: number;
}

export const v2Issuer = (tenant = TEST_TENANT_ID) => `https://login.microsoftonline.com/${tenant}/v2.0`;
export const v1Issuer = (tenant = TEST_TENANT_ID) => `https://sts.windows.net/${tenant}/`;

function defaultKey(): { key: KeyObject; kid: string } {
  return { key: createPrivateKey(process.env.TEST_SIGNING_KEY_PEM!), kid: process.env.TEST_SIGNING_KID! };
}

/** A real RS256 token signed with the test key the JWKS server publishes. */
export async function signToken(options: TokenOptions = {}): Promise<string> {
  const fallback = defaultKey();
  const now = Math.floor(Date.now() / 1000);
  const claims: JWTPayload = {
    iss: v2Issuer(),
    aud: TEST_AUDIENCE,
    tid: TEST_TENANT_ID,
    iat: now,
    nbf: now,
    exp: now + (options.expiresIn ?? 3600),
    ver: '2.0',
    ...options.claims,
  };
  for (const [name, value] of Object.entries(claims)) if (value === undefined) delete claims[name];
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: options.kid ?? fallback.kid, ...options.header })
    .sign(options.key ?? fallback.key);
}

interface UserTokenOptions {
  oid?: string;
  scp?: string;
  wids?: string[];
  upn?: string;
  name?: string;
  extra?: Record<string, unknown>;
}

/**
 * A delegated (user) token, by default an Authentication Administrator with the phone scope. The user
 * (its oid and user principal name) is added to the run's stand-in directory, as Entra ID only issues
 * tokens to users it has.
 */
export async function userToken(options: UserTokenOptions = {}): Promise<string> {
  const oid = options.oid ?? randomUUID();
  const upn = options.extra?.preferred_username ?? options.upn ?? `user-${oid.slice(0, 8)}@contoso.example`;
  if (typeof upn === 'string' && /^[0-9a-f-]{36}$/i.test(oid))
    await registerTestUser({ id: oid, userPrincipalName: upn });
  return signToken({
    claims: {
      oid,
      sub: 'pairwise-subject-' + oid.slice(0, 8),
      scp: options.scp ?? 'UserAuthenticationMethod.ReadWrite.All',
      wids: options.wids ?? [AUTHENTICATION_ADMINISTRATOR],
      preferred_username: options.upn ?? `user-${oid.slice(0, 8)}@contoso.example`,
      name: options.name ?? 'Adele Vance',
      azp: TEST_CLIENT_APP_ID,
      idtyp: 'user',
      ...options.extra,
    },
  });
}

/** An app-only token (client credentials), as Entra issues it: `roles`, no `scp`, `oid == sub`. */
export function appToken(roles: string[], extra: Record<string, unknown> = {}): Promise<string> {
  const oid = randomUUID();
  return signToken({ claims: { oid, sub: oid, roles, azp: TEST_CLIENT_APP_ID, idtyp: 'app', ...extra } });
}
