import { generateKeyPairSync, type KeyObject } from 'node:crypto';

export interface TestKey {
  kid: string;
  privateKey: KeyObject;
  publicJwk: Record<string, unknown>;
}

type KeyPair = { privateKey: KeyObject; publicKey: KeyObject };

const newKeyPair = (): KeyPair => generateKeyPairSync('rsa', { modulusLength: 2048 });

/** A fresh RS256 key pair with its public JWK as Entra publishes it. */
export function newTestKey(kid: string, pair: KeyPair = newKeyPair()): TestKey {
  const { privateKey, publicKey } = pair;
  return { kid, privateKey, publicJwk: { ...publicKey.export({ format: 'jwk' }), kid, use: 'sig', alg: 'RS256' } };
}

let fileKeyPair: KeyPair | undefined;

/**
 * An RS256 key under `kid` whose pair is made once per test file: generating a 2048-bit pair costs
 * 50-300 ms of CPU, and a suite that builds a fresh key server, key set and verifier for every test
 * needs its own kid each time, not its own modulus. A key that must differ from another (an attacker's,
 * a rotation's) comes from `newTestKey`.
 */
export function fileTestKey(kid: string): TestKey {
  fileKeyPair ??= newKeyPair();
  return newTestKey(kid, fileKeyPair);
}
