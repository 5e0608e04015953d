import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import packageJson from '../../package.json';
import { formatReport, migrate, type MigrationReport } from '../../scripts/migrate';
import { presentPhoneMethod, type PhoneAuthenticationMethod } from '../../shared/models/phoneAuthenticationMethod';
import { ALTERNATE_MOBILE_ID, MOBILE_ID, OFFICE_ID } from '../support/constants';
import { loadServiceWith, type IsolatedService } from '../support/isolated';
import {
  checkNumberInvariants,
  claimId,
  PHONE_METHODS,
  randomNumber,
  storedClaim,
  storedMethods,
} from '../support/phoneMethods';
import { resourceCalls } from '../support/resourceCalls';
import { testService } from '../support/service';
import { storedItems, testContainer } from '../support/storage';
import { PRIVILEGED_AUTHENTICATION_ADMINISTRATOR } from '../support/constants';
import { userToken } from '../support/tokens';

/**
 * The first-release migration (scripts/migrate.ts) against the real test server: first-release
 * documents are written straight into the containers, migrated, and then read back through the
 * handlers. Every test works on its own fresh users (the server is shared with every suite).
 */

const smsOn = loadServiceWith({ SMS_SIGN_IN_ENABLED: 'true' });
afterAll(() => smsOn.dispose());

let token: string;
beforeAll(async () => {
  // A Privileged Authentication Administrator reads numbers whole (an Authentication Administrator alone reads them masked).
  token = await userToken({
    scp: 'User.ReadWrite.All UserAuthenticationMethod.ReadWrite.All',
    wids: [PRIVILEGED_AUTHENTICATION_ADMINISTRATOR],
  });
});

const run = (service: IsolatedService, users: string[], options: { dryRun?: boolean } = {}) =>
  migrate(service.services, { ...options, onlyUsers: new Set(users) });

type Legacy = Record<string, unknown> & { id: string };

/** A first-release profile phone document: the itemPhone resource plus the partition key. */
async function legacyPhone(userId: string, overrides: Record<string, unknown> = {}): Promise<Legacy> {
  const at = new Date(Date.now() - 86_400_000 + Math.floor(Math.random() * 1000)).toISOString();
  const author = { user: { id: randomUUID(), displayName: 'Adele Vance' } };
  const resource = {
    '@odata.type': '#microsoft.graph.itemPhone',
    id: randomUUID(),
    allowedAudiences: 'organization',
    inference: null,
    source: { type: ['User'] },
    createdDateTime: at,
    createdBy: author,
    lastModifiedDateTime: at,
    lastModifiedBy: author,
    displayName: 'Desk line',
    type: 'business',
    number: `+1 425 555 ${String(Math.floor(Math.random() * 10_000)).padStart(4, '0')}`,
    ...overrides,
  };
  await testContainer('profilePhones').items.create({ ...resource, userId });
  return resource;
}

const METHOD_IDS = { mobile: MOBILE_ID, alternateMobile: ALTERNATE_MOBILE_ID, office: OFFICE_ID } as const;

/** A first-release phone method document: the resource as computed at create time, plus the partition key. */
async function legacyMethod(
  userId: string,
  phoneType: keyof typeof METHOD_IDS,
  smsSignInState = phoneType === 'mobile' ? 'ready' : 'notSupported',
  phoneNumber = randomNumber(),
): Promise<PhoneAuthenticationMethod> {
  const resource = {
    '@odata.type': '#microsoft.graph.phoneAuthenticationMethod',
    id: METHOD_IDS[phoneType],
    phoneNumber,
    phoneType,
    smsSignInState,
    createdDateTime: new Date(Date.now() - 86_400_000).toISOString(),
  } as PhoneAuthenticationMethod;
  await testContainer('phoneMethods').items.create({ ...resource, userId });
  return resource;
}

async function exists(name: 'profilePhones' | 'phoneMethods', id: string, userId: string): Promise<boolean> {
  try {
    const { resource } = await testContainer(name).item(id, userId).read<Legacy>();
    return resource !== undefined;
  } catch (error) {
    if ((error as { code?: unknown }).code === 404) return false;
    throw error;
  }
}

const listPhones = (service: IsolatedService, userId: string) =>
  resourceCalls(service.handlers, 'profile/phones').list(userId, { token });
const listMethods = (service: IsolatedService, userId: string) =>
  resourceCalls(service.handlers, PHONE_METHODS).list(userId, { token });
const byId = <T extends { id: string }>(items: T[]) => [...items].sort((a, b) => a.id.localeCompare(b.id));
/** A create's answer as its item is listed (without the single-entity context). */
const asListed = <Item extends { id: string; '@odata.context'?: unknown }>({
  '@odata.context': _context,
  ...item
}: Item) => item;

/** The raw user document (etag included), to see that a second run writes nothing. */
async function userDocument(name: 'profilePhones' | 'phoneMethods', userId: string): Promise<Legacy | undefined> {
  try {
    const { resource } = await testContainer(name).item(userId, userId).read<Legacy>();
    return resource ?? undefined;
  } catch (error) {
    if ((error as { code?: unknown }).code === 404) return undefined;
    throw error;
  }
}

test('readAll (a ReadFeed) works against the test server and sees a written document', async () => {
  const userId = randomUUID();
  const phone = await legacyPhone(userId);
  const seen: string[] = [];
  for await (const { resources } of testContainer('profilePhones').items.readAll().getAsyncIterator()) {
    for (const doc of resources) if (doc.userId === userId) seen.push(String(doc.id));
  }
  expect(seen).toEqual([phone.id]);
});

test('first-release items are served identically afterwards, the legacy documents are gone, and a second run changes nothing', async () => {
  const service = testService();
  const userId = randomUUID();
  const phones = [
    await legacyPhone(userId),
    await legacyPhone(userId, { displayName: null, type: null, source: null, allowedAudiences: 'me' }),
  ];
  const methods = [
    await legacyMethod(userId, 'mobile'),
    await legacyMethod(userId, 'alternateMobile'),
    await legacyMethod(userId, 'office'),
  ];
  // Before: invisible to this release.
  expect((await listPhones(service, userId)).body.value).toEqual([]);

  const first = await run(service, [userId]);
  expect(first.profilePhones).toMatchObject({
    users: 1,
    migrated: 2,
    skipped: 0,
    deleted: 2,
    changed: 0,
    failedUsers: 0,
    usersOverQuota: 0,
  });
  // SMS sign-in is off in this service: the mobile stored `ready` by the first release becomes notEnabled.
  expect(first.phoneMethods).toMatchObject({
    users: 1,
    migrated: 3,
    skipped: 0,
    deleted: 3,
    failedUsers: 0,
    mobiles: { notEnabled: 1 },
    alternateMobileWithoutMobile: 0,
  });

  const listedPhones = await listPhones(service, userId);
  expect(listedPhones.status).toBe(200);
  expect(byId(listedPhones.body.value)).toEqual(byId(phones));
  const listedMethods = await listMethods(service, userId);
  expect(listedMethods.status).toBe(200);
  expect(byId(listedMethods.body.value)).toEqual(byId(methods.map((method) => presentPhoneMethod(method, false))));
  expect((await storedMethods(userId)).find((method) => method.phoneType === 'mobile')!.smsSignInState).toBe(
    'notEnabled',
  );
  for (const phone of phones) expect(await exists('profilePhones', phone.id, userId)).toBe(false);
  for (const method of methods) expect(await exists('phoneMethods', method.id, userId)).toBe(false);

  const before = [await userDocument('profilePhones', userId), await userDocument('phoneMethods', userId)];
  const second = await run(service, [userId]);
  expect(second.profilePhones).toMatchObject({ users: 0, migrated: 0, skipped: 0, deleted: 0 });
  expect(second.phoneMethods).toMatchObject({ users: 0, migrated: 0, skipped: 0, deleted: 0 });
  expect([await userDocument('profilePhones', userId), await userDocument('phoneMethods', userId)]).toEqual(before);
});

test('a run interrupted after the fold and before the deletes is finished by the next run without a second copy', async () => {
  const service = testService();
  const userId = randomUUID();
  const phone = await legacyPhone(userId);
  const office = await legacyMethod(userId, 'office');
  await run(service, [userId]);
  const folded = [await userDocument('profilePhones', userId), await userDocument('phoneMethods', userId)];
  // As if the first run had stopped before deleting: the first-release documents are still there.
  await testContainer('profilePhones').items.create({ ...phone, userId });
  await testContainer('phoneMethods').items.create({ ...office, userId });

  const report = await run(service, [userId]);
  expect(report.profilePhones).toMatchObject({ users: 1, migrated: 0, skipped: 1, deleted: 1 });
  expect(report.phoneMethods).toMatchObject({ users: 1, migrated: 0, skipped: 1, deleted: 1 });
  expect([await userDocument('profilePhones', userId), await userDocument('phoneMethods', userId)]).toEqual(folded);
  expect(await exists('profilePhones', phone.id, userId)).toBe(false);
  expect(await exists('phoneMethods', office.id, userId)).toBe(false);
});

test('a user with both first-release and new items ends with both; an item already there is kept as it is', async () => {
  const service = testService();
  const userId = randomUUID();
  const created = await resourceCalls(service.handlers, 'profile/phones').create(userId, {
    token,
    body: { number: '+1 206 555 0199', type: 'home' },
  });
  expect(created.status).toBe(201);
  const mobile = await resourceCalls(service.handlers, PHONE_METHODS).create(userId, {
    token,
    body: { phoneNumber: randomNumber(), phoneType: 'mobile' },
  });
  expect(mobile.status).toBe(201);
  const oldPhone = await legacyPhone(userId);
  const oldOffice = await legacyMethod(userId, 'office');
  await legacyMethod(userId, 'mobile', 'notEnabled'); // the user has a mobile already: this one is dropped

  const report = await run(service, [userId]);
  expect(report.profilePhones).toMatchObject({ users: 1, migrated: 1, skipped: 0, deleted: 1 });
  expect(report.phoneMethods).toMatchObject({ users: 1, migrated: 1, skipped: 1, deleted: 2 });

  expect(byId((await listPhones(service, userId)).body.value)).toEqual(byId([asListed(created.body), oldPhone]));
  expect(byId((await listMethods(service, userId)).body.value)).toEqual(
    byId([asListed(mobile.body), presentPhoneMethod(oldOffice, false)]),
  );
  expect(await exists('phoneMethods', MOBILE_ID, userId)).toBe(false);
  expect(await storedItems('profilePhones', userId)).toHaveLength(2);
});

test('with SMS sign-in on, two users whose first-release mobiles are ready on one number end with exactly one ready', async () => {
  const [first, second] = [randomUUID(), randomUUID()];
  const number = randomNumber();
  await legacyMethod(first, 'mobile', 'ready', number);
  await legacyMethod(second, 'mobile', 'ready', number);

  const report = await run(smsOn, [first, second]);
  expect(report.phoneMethods).toMatchObject({
    users: 2,
    migrated: 2,
    deleted: 2,
    failedUsers: 0,
    mobiles: { ready: 1, phoneNumberNotUnique: 1 },
  });
  const ready = await checkNumberInvariants([first, second], number);
  expect(ready).toHaveLength(1);
  const states = await Promise.all(
    [first, second].map(async (userId) => (await listMethods(smsOn, userId)).body.value[0]?.smsSignInState),
  );
  expect(states.sort()).toEqual(['phoneNumberNotUnique', 'ready']);
  expect(await storedClaim(number)).toMatchObject({
    id: claimId(number),
    ownerUserId: ready[0],
    leases: [{ id: expect.any(String) as unknown, until: expect.any(String) as unknown }],
  });

  // A second run changes nothing, and the number stays with its owner.
  const again = await run(smsOn, [first, second]);
  expect(again.phoneMethods).toMatchObject({ users: 0, migrated: 0, deleted: 0 });
  expect(await checkNumberInvariants([first, second], number)).toEqual(ready);
});

test('with SMS sign-in on, a first-release ready mobile loses to a number already ready in this release', async () => {
  const [current, legacy] = [randomUUID(), randomUUID()];
  const number = randomNumber();
  const created = await resourceCalls(smsOn.handlers, PHONE_METHODS).create(current, {
    token,
    body: { phoneNumber: number, phoneType: 'mobile' },
  });
  expect(created.body.smsSignInState).toBe('ready');
  const old = await legacyMethod(legacy, 'mobile', 'ready', number);
  const report = await run(smsOn, [legacy]);
  expect(report.phoneMethods.mobiles).toEqual({ phoneNumberNotUnique: 1 });
  expect((await listMethods(smsOn, legacy)).body.value).toEqual([{ ...old, smsSignInState: 'phoneNumberNotUnique' }]);
  expect(await checkNumberInvariants([current, legacy], number)).toEqual([current]);
});

test('profile phones past MAX_PROFILE_PHONES_PER_USER and an alternateMobile without a mobile are migrated and reported', async () => {
  using small = loadServiceWith({ MAX_PROFILE_PHONES_PER_USER: '2' });
  const userId = randomUUID();
  const phones = [await legacyPhone(userId), await legacyPhone(userId), await legacyPhone(userId)];
  const alternate = await legacyMethod(userId, 'alternateMobile');
  const report = await run(small, [userId]);
  expect(report.profilePhones).toMatchObject({ migrated: 3, usersOverQuota: 1 });
  expect(report.phoneMethods).toMatchObject({ migrated: 1, alternateMobileWithoutMobile: 1 });
  expect(byId((await listPhones(small, userId)).body.value)).toEqual(byId(phones));
  expect((await listMethods(small, userId)).body.value).toEqual([presentPhoneMethod(alternate, false)]);
});

test('a dry run writes and deletes nothing; documents that are not first-release items are left alone', async () => {
  const service = testService();
  const userId = randomUUID();
  const phone = await legacyPhone(userId);
  const method = await legacyMethod(userId, 'mobile');
  await testContainer('profilePhones').items.create({ id: 'not-a-phone', userId, note: 'unrelated' });

  const dry = await run(smsOn, [userId], { dryRun: true });
  expect(dry).toMatchObject({ dryRun: true, unrecognized: 1 });
  expect(dry.profilePhones).toMatchObject({ users: 1, migrated: 1, deleted: 1 });
  expect(dry.phoneMethods).toMatchObject({ users: 1, migrated: 1, deleted: 1, mobiles: { toClaim: 1 } });
  expect(await exists('profilePhones', phone.id, userId)).toBe(true);
  expect(await exists('phoneMethods', method.id, userId)).toBe(true);
  expect(await userDocument('profilePhones', userId)).toBeUndefined();
  expect(await storedClaim(method.phoneNumber)).toBeUndefined();

  const report = await run(service, [userId]);
  expect(report.unrecognized).toBe(1);
  expect(await exists('profilePhones', 'not-a-phone', userId)).toBe(true);
  expect(await exists('profilePhones', phone.id, userId)).toBe(false);
});

test('the printed report has counts only: no phone number, name or user id', async () => {
  const userId = randomUUID();
  const phone = await legacyPhone(userId, { displayName: 'Megan Bowen private line' });
  const method = await legacyMethod(userId, 'mobile');
  const report: MigrationReport = await run(smsOn, [userId]);
  const printed = formatReport(report);
  for (const secret of [
    phone.number,
    phone.displayName,
    'Adele Vance',
    method.phoneNumber,
    claimId(method.phoneNumber),
    userId,
  ]) {
    expect(printed).not.toContain(secret);
  }
  expect(printed).toContain('profilePhones: 1 users, 1 items migrated');
});

test('npm run migrate -- --dry-run runs from the configuration and writes nothing', async () => {
  const root = join(__dirname, '..', '..');
  // What `npm run migrate -- --dry-run` runs, without npm's own output around it.
  expect(packageJson.scripts.migrate).toBe('tsx scripts/migrate.ts');
  const userId = randomUUID();
  const phone = await legacyPhone(userId);
  const { stdout } = await promisify(execFile)(
    join(root, 'node_modules', '.bin', 'tsx'),
    ['scripts/migrate.ts', '--dry-run'],
    { cwd: root, env: process.env },
  );
  expect(stdout).toMatch(/^Dry run: nothing was written\.\nprofilePhones: \d+ users, \d+ items to migrate/);
  expect(stdout).not.toContain(phone.number);
  expect(await exists('profilePhones', phone.id, userId)).toBe(true);
});
