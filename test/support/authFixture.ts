import { randomUUID } from 'node:crypto';
import { HttpRequest } from '@azure/functions';
import type { Config } from '../../shared/config';
import { KeySet, type KeySetOptions } from '../../shared/auth/keySet';
import {
  createTokenVerifier,
  type CachingTokenVerifier,
  type TokenVerifierOptions,
} from '../../shared/auth/verifyToken';
import { TEST_AUDIENCE, TEST_TENANT_ID } from './constants';
import { startJwksServer, type JwksServer } from './jwksServer';
import { fileTestKey, type TestKey } from './keys';
import { signToken, v1Issuer, v2Issuer } from './tokens';

/**
 * The verifier on its own: a real JWKS server on loopback publishing an RS256 key under a fresh kid
 * (the file's key pair: see fileTestKey), a KeySet and a verifier over it sharing one injectable
 * clock, tokens signed relative to that clock, and real HttpRequest objects. No function handler, no
 * storage.
 */

export const COOL_DOWN_MS = 5 * 60_000;
export const MAX_AGE_MS = 12 * 60 * 60_000;

/** A clock the KeySet, the verifier and the token signer share; it only moves when told to. */
class TestClock {
  ms = Date.now();
  readonly now = (): number => this.ms;
  advance(ms: number): void {
    this.ms += ms;
  }
  get seconds(): number {
    return Math.floor(this.ms / 1000);
  }
}

interface SignOptions {
  key?: TestKey;
  /** Overrides the key's kid in the header. */
  kid?: string;
  claims?: Record<string, unknown>;
  /** Lifetime in seconds from the clock's now (default one hour). */
  expiresIn?: number;
}

export interface AuthFixture extends AsyncDisposable {
  clock: TestClock;
  key: TestKey;
  jwks: JwksServer;
  auth: Config['auth'];
  keySet: KeySet;
  verifier: CachingTokenVerifier;
  /** A new KeySet and verifier over the same JWKS server and clock (e.g. with other options). */
  rebuild(options?: { keySet?: KeySetOptions; verifier?: TokenVerifierOptions }): void;
  /** A delegated administrator token signed (by default) with `key`, times taken from the clock. */
  sign(options?: SignOptions): Promise<string>;
  authenticate(token: string): Promise<import('../../shared/auth/caller').Caller>;
  close(): Promise<void>;
}

export function requestWith(headers: Record<string, string>): HttpRequest {
  return new HttpRequest({
    method: 'POST',
    url: 'http://localhost:7071/beta/users/me/authentication/phoneMethods',
    headers,
  });
}

export const bearer = (token: string) => requestWith({ authorization: `Bearer ${token}` });

export async function startAuthFixture(
  options: { keySet?: KeySetOptions; verifier?: TokenVerifierOptions } = {},
): Promise<AuthFixture> {
  const clock = new TestClock();
  const key = fileTestKey(`kid-${randomUUID().slice(0, 8)}`);
  const jwks = await startJwksServer([key.publicJwk]);
  const auth: Config['auth'] = {
    tenantIds: [TEST_TENANT_ID],
    audiences: [TEST_AUDIENCE],
    issuers: [v1Issuer(), v2Issuer()],
    jwksUri: new URL(jwks.url),
  };
  const fixture: AuthFixture = {
    clock,
    key,
    jwks,
    auth,
    keySet: undefined as never,
    verifier: undefined as never,
    rebuild(next = {}) {
      fixture.keySet = new KeySet(auth.jwksUri, { now: clock.now, ...next.keySet });
      fixture.verifier = createTokenVerifier(auth, fixture.keySet, { now: clock.now, ...next.verifier });
    },
    sign(sign = {}) {
      const signer = sign.key ?? key;
      const now = clock.seconds;
      const oid = randomUUID();
      return signToken({
        key: signer.privateKey,
        kid: sign.kid ?? signer.kid,
        claims: {
          iat: now,
          nbf: now,
          exp: now + (sign.expiresIn ?? 3600),
          oid,
          sub: `pairwise-${oid.slice(0, 8)}`,
          scp: 'UserAuthenticationMethod.ReadWrite.All',
          wids: ['c4e39bd9-1100-46d3-8c65-fb160da0071f'],
          idtyp: 'user',
          ...sign.claims,
        },
      });
    },
    authenticate: async (token) => fixture.verifier.authenticate(bearer(token)),
    close: () => fixture.jwks.close(),
    [Symbol.asyncDispose]: () => fixture.jwks.close(),
  };
  fixture.rebuild(options);
  return fixture;
}

/** The GraphError an authentication failed with (status, code, headers), or a failure if it succeeded. */
export async function refusal(
  outcome: unknown,
): Promise<{ status: number; code: string; message: string; headers: Record<string, string> }> {
  try {
    await outcome;
  } catch (error) {
    const graph = error as { status?: number; code?: string; message: string; headers?: Record<string, string> };
    if (typeof graph.status !== 'number') throw error;
    return { status: graph.status, code: graph.code!, message: graph.message, headers: graph.headers ?? {} };
  }
  throw new Error('expected the token to be refused, but it was accepted');
}
