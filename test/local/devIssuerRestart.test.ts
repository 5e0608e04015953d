import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SAMPLE_USER_ID } from '../../scripts/local/devTokenPresets';
import { startNpmStart } from '../support/npmStartProcess';

/**
 * `npm start` keeps the development issuer's key in the user's cache folder ($XDG_CACHE_HOME), so a
 * token survives a restart; a token signed by a key the issuer no longer has gets a 401 that says
 * where it came from and how to get a new one.
 */

let cacheHome: string;
beforeAll(() => {
  cacheHome = mkdtempSync(join(tmpdir(), 'graph-phones-cache-'));
});
afterAll(() => rmSync(cacheHome, { recursive: true, force: true }));

async function mint(url: string): Promise<string> {
  const response = await fetch(`${url}/dev-issuer/token`, { method: 'POST', body: '{}' });
  return ((await response.json()) as { access_token: string }).access_token;
}

const list = (url: string, token: string) =>
  fetch(`${url}/beta/users/${SAMPLE_USER_ID}/profile/phones`, { headers: { authorization: `Bearer ${token}` } });

test('a token outlives a restart; after the key is gone, its 401 names the earlier npm start', async () => {
  const first = await startNpmStart({ cacheHome });
  const token = await mint(first.url);
  expect((await list(first.url, token)).status).toBe(200);
  expect(await first.stop()).toBe(0);

  const keyFile = join(cacheHome, 'graph-phones', 'dev-issuer-key.json');
  expect(statSync(keyFile).mode & 0o777).toBe(0o600);
  expect(statSync(join(cacheHome, 'graph-phones')).mode & 0o777).toBe(0o700);

  {
    // Stopped at the end of this block, before the next start on the same port.
    await using second = await startNpmStart({ cacheHome, port: first.port });
    expect((await list(second.url, token)).status).toBe(200);
  }

  rmSync(keyFile);
  await using third = await startNpmStart({ cacheHome, port: first.port });
  const stale = await list(third.url, token);
  expect(stale.status).toBe(401);
  const { error } = (await stale.json()) as { error: { code: string; message: string } };
  expect(error.code).toBe('InvalidAuthenticationToken');
  expect(error.message).toContain('minted by an earlier `npm start`? get a new one with npm run token');
  expect(stale.headers.get('www-authenticate')).toContain('error="invalid_token"');
  // A token of this run is accepted.
  expect((await list(third.url, await mint(third.url))).status).toBe(200);
}, 180_000);
