import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { devIssuerKeyFile, persistentDevIssuerKey } from '../../../scripts/local/devIssuerKey';

/** The development issuer's key file: kept, private, replaced when damaged or exposed, optional. */

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'graph-phones-key-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const sameKey = (a: ReturnType<typeof persistentDevIssuerKey>, b: ReturnType<typeof persistentDevIssuerKey>) =>
  a.kid === b.kid && a.privateKey.equals(b.privateKey);

test('lives in $XDG_CACHE_HOME/graph-phones (else ~/.cache), never a relative folder', () => {
  expect(devIssuerKeyFile({ XDG_CACHE_HOME: '/var/cache/me' })).toBe('/var/cache/me/graph-phones/dev-issuer-key.json');
  expect(devIssuerKeyFile({ XDG_CACHE_HOME: 'relative' })).toMatch(/\/\.cache\/graph-phones\/dev-issuer-key\.json$/);
});

test('the first call saves a key (0600 in a 0700 folder) that the next call reads back', () => {
  const file = join(dir, 'graph-phones', 'dev-issuer-key.json');
  const first = persistentDevIssuerKey(file);
  expect(statSync(file).mode & 0o777).toBe(0o600);
  expect(statSync(join(dir, 'graph-phones')).mode & 0o777).toBe(0o700);
  expect(sameKey(persistentDevIssuerKey(file), first)).toBe(true);
});

test('a damaged file, or one others may read, is replaced by a new key', () => {
  const file = join(dir, 'dev-issuer-key.json');
  writeFileSync(file, '{"kid":"dev-12345678","jwk":{"kty":"RSA"', { mode: 0o600 });
  const replaced = persistentDevIssuerKey(file);
  expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ kid: replaced.kid });

  chmodSync(file, 0o644);
  const fresh = persistentDevIssuerKey(file);
  expect(sameKey(fresh, replaced)).toBe(false);
  expect(statSync(file).mode & 0o777).toBe(0o600);
});

test('where nothing can be written, the key lives in memory only', () => {
  const blocker = join(dir, 'not-a-folder');
  writeFileSync(blocker, '');
  const key = persistentDevIssuerKey(join(blocker, 'graph-phones', 'dev-issuer-key.json'));
  expect(key.kid).toMatch(/^dev-[0-9a-f]{8}$/);
});
