import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { startLocalServer, type LocalServer } from '../../scripts/localServer';
import { storedItems } from '../support/storage';
import { userToken } from '../support/tokens';
import { countBy } from '../support/counts';

/**
 * A sustained, bounded load run over HTTP through the local server (the real handlers behind
 * node:http) against the real Cosmos-compatible server: zero 5xx, and every 201 stored. This file must
 * not import functions/ itself: the local server records their registrations when it loads them.
 */

const METHODS = 'authentication/phoneMethods';
const PHONES = 'profile/phones';
const summary: string[] = [];

afterAll(() => console.log(`load: ${summary.join('; ')}`));

describe('sustained load over HTTP (the local server)', () => {
  let server: LocalServer;
  beforeAll(async () => {
    server = await startLocalServer({ port: 0, quiet: true });
  });
  afterAll(() => server?.close());

  test('2000 requests at concurrency 8: zero 5xx, and every 201 is stored', async () => {
    const TOTAL = 2_000;
    const CONCURRENCY = 8;
    const users = await Promise.all(
      Array.from({ length: 20 }, async () => {
        const oid = randomUUID();
        return { oid, self: await userToken({ oid, scp: 'User.ReadWrite', wids: [] }) };
      }),
    );
    const admin = await userToken();
    // A realistic mix: profile phones (201), phone methods (201, then 409), bad bodies (400), no token (401).
    const request = (index: number): [string, RequestInit] => {
      const user = users[index % users.length]!;
      const kind = Math.floor(index / users.length) % 10; // every user gets every kind of request
      if (kind < 6)
        return [`${server.baseUrl}/users/${user.oid}/${PHONES}`, post(user.self, { number: `555 01${index % 100}` })];
      if (kind < 8)
        return [
          `${server.baseUrl}/users/${user.oid}/${METHODS}`,
          post(admin, { phoneNumber: '+1 2065550100', phoneType: kind === 6 ? 'mobile' : 'office' }),
        ];
      if (kind === 8)
        return [
          `${server.baseUrl}/users/${user.oid}/${PHONES}`,
          post(user.self, { number: 'String', type: 'unknownFutureValue' }),
        ];
      return [`${server.baseUrl}/users/${user.oid}/${PHONES}`, post(undefined, { number: '555 0100' })];
    };

    const statuses: number[] = [];
    let next = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < TOTAL) {
          const [url, init] = request(next++);
          const response = await fetch(url, init);
          await response.arrayBuffer();
          statuses.push(response.status);
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    const counts = countBy(statuses);
    summary.push(
      `sustained ${statuses.length} requests in ${seconds.toFixed(1)} s (${Math.round(statuses.length / seconds)}/s) -> ${JSON.stringify(counts)}`,
    );

    expect(statuses).toHaveLength(TOTAL);
    expect(statuses.filter((status) => status >= 500)).toEqual([]);
    expect(Object.keys(counts).sort()).toEqual(['201', '400', '401', '409']);

    let storedPhones = 0;
    let storedMethods = 0;
    for (const user of users) {
      storedPhones += (await storedItems('profilePhones', user.oid)).length;
      storedMethods += (await storedItems('phoneMethods', user.oid)).length;
    }
    expect(storedMethods).toBe(users.length * 2);
    expect(storedPhones + storedMethods).toBe(counts[201]);
  });
});

function post(token: string | undefined, body: unknown): RequestInit {
  return {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  };
}
