import { createPrivateKey, type JsonWebKey } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
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

/**
 * The key saved in `file`, or a new one saved there (0600, folder 0700); a damaged file, or one that
 * others may read, is replaced, and where nothing can be written the new key lives in memory only.
 */
export function persistentDevIssuerKey(file: string): DevIssuerKey {
  try {
    // A key others could read may have been copied: it is not used.
    if ((statSync(file).mode & 0o077) !== 0) throw new Error('readable by others');
    const saved = JSON.parse(readFileSync(file, 'utf8')) as { kid?: unknown; jwk?: JsonWebKey };
    if (typeof saved.kid === 'string' && /^dev-[0-9a-f]{8}$/.test(saved.kid) && saved.jwk?.kty === 'RSA') {
      return { kid: saved.kid, privateKey: createPrivateKey({ key: saved.jwk, format: 'jwk' }) };
    }
  } catch {
    // Missing, damaged or exposed: a new key replaces it.
  }
  const key = newDevIssuerKey();
  try {
    mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    const temporary = `${file}.${process.pid}.tmp`;
    writeFileSync(temporary, JSON.stringify({ kid: key.kid, jwk: key.privateKey.export({ format: 'jwk' }) }), {
      mode: 0o600,
    });
    chmodSync(temporary, 0o600);
    renameSync(temporary, file);
  } catch {
    // A cache folder that cannot be written only costs the tokens' survival of a restart.
  }
  return key;
}
