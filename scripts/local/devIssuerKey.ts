import { createPrivateKey, type JsonWebKey } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { newDevIssuerKey, type DevIssuerKey } from '../devIssuer';

/**
 * The development issuer's signing key, kept between runs of `npm start` in the user's cache folder
 * (outside the repository, readable by the user only), so a token minted before a restart stays
 * valid for its lifetime. It signs only development tokens, which only a local server on this machine
 * with the development issuer accepts; deleting the file makes every earlier token invalid.
 */

/** `$XDG_CACHE_HOME/graph-phones/dev-issuer-key.json` (else `~/.cache/...`). */
export function devIssuerKeyFile(env: NodeJS.ProcessEnv = process.env): string {
  const cache =
    env.XDG_CACHE_HOME && path.isAbsolute(env.XDG_CACHE_HOME) ? env.XDG_CACHE_HOME : path.join(homedir(), '.cache');
  return path.join(cache, 'graph-phones', 'dev-issuer-key.json');
}

/** The key saved in `file`, or a new one saved there (0600, folder 0700); an unreadable file is replaced. */
export function persistentDevIssuerKey(file: string): DevIssuerKey {
  try {
    const saved = JSON.parse(readFileSync(file, 'utf8')) as { kid?: unknown; jwk?: JsonWebKey };
    if (typeof saved.kid === 'string' && /^dev-[0-9a-f]{8}$/.test(saved.kid) && saved.jwk?.kty === 'RSA') {
      return { kid: saved.kid, privateKey: createPrivateKey({ key: saved.jwk, format: 'jwk' }) };
    }
  } catch {
    // Missing or damaged: a new key replaces it.
  }
  const key = newDevIssuerKey();
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, JSON.stringify({ kid: key.kid, jwk: key.privateKey.export({ format: 'jwk' }) }), {
    mode: 0o600,
  });
  chmodSync(temporary, 0o600);
  renameSync(temporary, file);
  return key;
}
