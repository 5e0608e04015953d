import { KeyObject, verify } from 'node:crypto';
import { decodeProtectedHeader, jwtVerify, type CryptoKey } from 'jose';
import type { z } from 'zod';
import type { Config } from '../../shared/config';
import { CLOCK_TOLERANCE_SECONDS } from '../../shared/auth/verifyToken';

/**
 * The floors each stage is compared with, all on the same input the stage gets:
 * - jose's own `jwtVerify` of the token with the key already in hand (the verifier's options);
 * - a bare `node:crypto` RS256 verify of its signature (the physical floor: split, decode, verify);
 * - a bare `JSON.parse` + zod parse of a body with the operation's own schema.
 */

export function joseFloor(auth: Config['auth'], key: CryptoKey): (token: string) => Promise<unknown> {
  const options = {
    algorithms: ['RS256'],
    issuer: auth.issuers,
    audience: auth.audiences,
    clockTolerance: CLOCK_TOLERANCE_SECONDS,
    requiredClaims: ['exp', 'iss', 'aud', 'oid'],
  };
  return (token) => jwtVerify(token, key, options);
}

export function cryptoFloor(key: CryptoKey): (token: string) => boolean {
  const keyObject = KeyObject.from(key);
  return (token) => {
    const dot = token.lastIndexOf('.');
    const valid = verify(
      'RSA-SHA256',
      Buffer.from(token.slice(0, dot)),
      keyObject,
      Buffer.from(token.slice(dot + 1), 'base64url'),
    );
    if (!valid) throw new Error('the crypto floor refused a token the service accepts');
    return valid;
  };
}

export function jsonZodFloor(schema: z.ZodType): (text: string) => unknown {
  return (text) => schema.parse(JSON.parse(text));
}

/** The kid a token names (to take its key from the service's key set). */
export const kidOf = (token: string): string => String(decodeProtectedHeader(token).kid);
