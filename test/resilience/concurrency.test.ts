import { randomUUID } from 'node:crypto';
import { MOBILE_ID } from '../support/constants';
import { invoke } from '../support/invoke';
import { storedItems } from '../support/storage';
import { userToken } from '../support/tokens';
import { countBy } from '../support/counts';
import { testService } from '../support/service';

const { createPhoneMethod, createProfilePhone } = testService();

/**
 * Concurrency against the real Cosmos-compatible server: one winner per phone type, no lost or
 * duplicated profile phones. (The sustained load run is in load.test.ts: the local server must load
 * the functions itself, so it cannot share a file that imports them.)
 */

const METHODS = 'authentication/phoneMethods';
const PHONES = 'profile/phones';
const summary: string[] = [];

afterAll(() => console.log(`concurrency: ${summary.join('; ')}`));

test('50 simultaneous creates of the same phone type for one user: exactly one 201, 49 409, one document', async () => {
  const userId = randomUUID();
  const tokens = await Promise.all(Array.from({ length: 50 }, () => userToken()));
  const results = await Promise.all(
    tokens.map((token, index) =>
      invoke(createPhoneMethod, {
        userId,
        token,
        body: { phoneNumber: `+1 20655501${String(index).padStart(2, '0')}`, phoneType: 'mobile' },
        path: METHODS,
      }),
    ),
  );
  const statuses = countBy(results.map((result) => result.status));
  summary.push(`same type x50 -> ${JSON.stringify(statuses)}`);
  expect(statuses).toEqual({ 201: 1, 409: 49 });

  const winner = results.find((result) => result.status === 201)!;
  const stored = await storedItems('phoneMethods', userId);
  expect(stored).toHaveLength(1);
  expect(stored[0]).toMatchObject({
    id: MOBILE_ID,
    phoneNumber: winner.body.phoneNumber,
    createdDateTime: winner.body.createdDateTime,
  });
});

test('300 simultaneous profile phones over 30 users: all stored, none lost or duplicated', async () => {
  const users = await Promise.all(
    Array.from({ length: 30 }, async () => {
      const oid = randomUUID();
      return { oid, token: await userToken({ oid, scp: 'User.ReadWrite', wids: [] }) };
    }),
  );
  const calls = users.flatMap((user) =>
    Array.from({ length: 10 }, (_, index) => ({
      user,
      body: { number: `+1 425 555 01${String(index).padStart(2, '0')}`, type: 'mobile' },
    })),
  );
  const results = await Promise.all(
    calls.map(({ user, body }) =>
      invoke(createProfilePhone, { userId: user.oid, token: user.token, body, path: PHONES }),
    ),
  );
  expect(countBy(results.map((result) => result.status))).toEqual({ 201: 300 });

  let documents = 0;
  for (const user of users) {
    const answered = results.filter((_, index) => calls[index]!.user === user).map((result) => result.body.id);
    const stored = (await storedItems('profilePhones', user.oid)).map((document) => document.id);
    documents += stored.length;
    expect(new Set(answered).size).toBe(10);
    expect(stored.sort()).toEqual(answered.sort());
  }
  summary.push(`profile phones x300 over 30 users -> ${documents} documents`);
});
