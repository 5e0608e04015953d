import { randomUUID } from 'node:crypto';
import { createItemPhoneBody, itemPhoneFromBody, type ItemPhone } from '../../shared/models/itemPhone';
import {
  PHONE_METHOD_IDS,
  phoneMethodFromBody,
  smsNumberKey,
  type PhoneAuthenticationMethod,
  type SmsSignInState,
} from '../../shared/models/phoneAuthenticationMethod';
import type { Containers } from '../../shared/storage/cosmos';

/**
 * What each operation needs in storage to answer 2xx, keyed by operation name. `prepare` writes a
 * user's state with raw container calls (nothing of the service runs) and returns the request to send
 * for that user. A `consumes` operation changes the state it needs (a delete, a create of the one
 * mobile), so every request gets its own prepared user; the others cycle over a small pool.
 * An operation missing here is reported by the benchmark, not skipped silently.
 */

interface BenchRequest {
  method: string;
  /** Below `users/{userId}/`, e.g. `profile/phones/{id}`. */
  path: string;
  body?: object;
}

export interface Fixture {
  consumes: boolean;
  prepare(containers: Containers, userId: string): Promise<BenchRequest>;
}

/** Object ids unique to this process: a random first group, then a counter. */
const RUN = randomUUID().slice(0, 8);
let users = 0;
export function newUserId(): string {
  users += 1;
  return `${RUN}-0000-4000-8000-${users.toString(16).padStart(12, '0')}`;
}

/**
 * Phone numbers never used before in this process (claims of old numbers stay in storage), shaped as
 * real ones are: US numbers in assigned area codes. (An unassigned +1 area code makes libphonenumber
 * try every +1 country's patterns, about 10 µs more per parse; docs/performance.md.)
 */
const AREA_CODES = ['206', '425', '253', '360', '509'];
let numbers = Number.parseInt(RUN, 16) % 1_000_000;
function newPhoneNumber(): string {
  numbers += 1;
  const exchange = 200 + (Math.floor(numbers / AREA_CODES.length) % 800);
  const line = Math.floor(numbers / (AREA_CODES.length * 800)) % 10_000;
  return `+1 ${AREA_CODES[numbers % AREA_CODES.length]}${exchange}${String(line).padStart(4, '0')}`;
}

const MOBILE = PHONE_METHOD_IDS.mobile;
const PHONES = 'profile/phones';
const METHODS = 'authentication/phoneMethods';

function profilePhone(userId: string, n: number): ItemPhone {
  const at = new Date().toISOString();
  const author = { user: { id: userId, displayName: null } };
  return itemPhoneFromBody(
    createItemPhoneBody.parse({ number: `+1 206 555 01${String(n).padStart(2, '0')}`, type: 'mobile' }),
    {
      id: randomUUID(),
      createdDateTime: at,
      createdBy: author,
      lastModifiedDateTime: at,
      lastModifiedBy: author,
    },
  );
}

/**
 * A character that takes the most bytes a character of a profile phone's text can take in the stored
 * JSON: 3 bytes of UTF-8 per UTF-16 code unit (the limits count code units; a 4-byte character is two
 * of them; the control characters JSON would escape as 6 bytes are refused).
 */
const WIDEST = '\u96fb';
const widest = (length: number) => WIDEST.repeat(length);

/** A create body with every property at its longest (number 64, displayName 256, 8 source types of 64). */
export function largestItemPhoneBody() {
  return {
    number: `1${widest(63)}`,
    type: 'businessFax',
    displayName: widest(256),
    allowedAudiences: 'me,family,contacts,groupMembers,organization,federatedOrganizations,everyone',
    inference: { confidenceScore: 0.0000012345678901234567, userHasVerifiedAccuracy: false },
    source: { type: Array.from({ length: 8 }, () => widest(64)) },
  } as const;
}

/** The display names a token may carry into createdBy and lastModifiedBy, at their longest (256). */
export const LARGEST_DISPLAY_NAME = widest(256);

/** A stored profile phone at its largest: the largest body, written by a user and an app with the longest names. */
export function largestItemPhone(): ItemPhone {
  const at = new Date().toISOString();
  const author = {
    user: { id: randomUUID(), displayName: LARGEST_DISPLAY_NAME },
    application: { id: randomUUID(), displayName: LARGEST_DISPLAY_NAME },
  };
  return itemPhoneFromBody(createItemPhoneBody.parse(largestItemPhoneBody()), {
    id: randomUUID(),
    createdDateTime: at,
    createdBy: author,
    lastModifiedDateTime: at,
    lastModifiedBy: author,
  });
}

/** How a user's profile phones are seeded: as the throughput fixtures write them, or at their largest. */
export type PhoneSize = 'typical' | 'largest';

export async function seedPhones(
  containers: Containers,
  userId: string,
  count: number,
  size: PhoneSize = 'typical',
): Promise<ItemPhone[]> {
  const phones = Array.from({ length: count }, (_, n) =>
    size === 'typical' ? profilePhone(userId, n) : largestItemPhone(),
  );
  await containers.profilePhones.items.create({ id: userId, userId, recentWrites: [], phones });
  return phones;
}

/** A user whose mobile is in `state` (a `ready` mobile also owns its number's claim, as the service leaves it). */
async function seedMobile(
  containers: Containers,
  userId: string,
  state: SmsSignInState,
  office = false,
): Promise<PhoneAuthenticationMethod> {
  const now = new Date();
  const mobile = {
    ...phoneMethodFromBody({ phoneNumber: newPhoneNumber(), phoneType: 'mobile' }, { smsSignInEnabled: true, now }),
    smsSignInState: state,
  };
  const methods = [mobile];
  if (office)
    methods.push(
      phoneMethodFromBody({ phoneNumber: newPhoneNumber(), phoneType: 'office' }, { smsSignInEnabled: true, now }),
    );
  await containers.phoneMethods.items.create({ id: userId, userId, recentWrites: [], methods });
  if (state === 'ready') {
    const id = smsNumberKey(mobile.phoneNumber);
    // As a create leaves it once its lease has ended.
    await containers.smsSignInNumbers.items.create({ id, ownerUserId: userId, leases: [] });
  }
  return mobile;
}

export const FIXTURES: Record<string, Fixture> = {
  listProfilePhones: {
    consumes: false,
    prepare: async (c, userId) => (await seedPhones(c, userId, 3), { method: 'GET', path: PHONES }),
  },
  getProfilePhone: {
    consumes: false,
    prepare: async (c, userId) => ({ method: 'GET', path: `${PHONES}/${(await seedPhones(c, userId, 3))[1]!.id}` }),
  },
  createProfilePhone: {
    consumes: true,
    prepare: () =>
      Promise.resolve({
        method: 'POST',
        path: PHONES,
        body: { number: '+1 206 555 0100', type: 'mobile', displayName: 'Desk' },
      }),
  },
  updateProfilePhone: {
    consumes: false,
    prepare: async (c, userId) => ({
      method: 'PATCH',
      path: `${PHONES}/${(await seedPhones(c, userId, 3))[0]!.id}`,
      body: { number: '+1 206 555 0199', type: 'business' },
    }),
  },
  deleteProfilePhone: {
    consumes: true,
    prepare: async (c, userId) => ({ method: 'DELETE', path: `${PHONES}/${(await seedPhones(c, userId, 2))[0]!.id}` }),
  },
  listPhoneMethods: {
    consumes: false,
    prepare: async (c, userId) => (await seedMobile(c, userId, 'ready', true), { method: 'GET', path: METHODS }),
  },
  getPhoneMethod: {
    consumes: false,
    prepare: async (c, userId) => (
      await seedMobile(c, userId, 'ready', true),
      { method: 'GET', path: `${METHODS}/${MOBILE}` }
    ),
  },
  createPhoneMethod: {
    consumes: true,
    prepare: () =>
      Promise.resolve({
        method: 'POST',
        path: METHODS,
        body: { phoneNumber: newPhoneNumber(), phoneType: 'mobile' },
      }),
  },
  updatePhoneMethod: {
    consumes: true,
    prepare: async (c, userId) => (
      await seedMobile(c, userId, 'ready'),
      { method: 'PATCH', path: `${METHODS}/${MOBILE}`, body: { phoneNumber: newPhoneNumber() } }
    ),
  },
  deletePhoneMethod: {
    consumes: true,
    prepare: async (c, userId) => (
      await seedMobile(c, userId, 'ready'),
      { method: 'DELETE', path: `${METHODS}/${MOBILE}` }
    ),
  },
  enableSmsSignIn: {
    consumes: true,
    prepare: async (c, userId) => (
      await seedMobile(c, userId, 'notEnabled'),
      { method: 'POST', path: `${METHODS}/${MOBILE}/enableSmsSignIn` }
    ),
  },
  disableSmsSignIn: {
    consumes: true,
    prepare: async (c, userId) => (
      await seedMobile(c, userId, 'ready'),
      { method: 'POST', path: `${METHODS}/${MOBILE}/disableSmsSignIn` }
    ),
  },
};

/** `/authentication/methods` serves the same phone methods: the same users and requests, on its path. */
const AUTHENTICATION_METHODS = 'authentication/methods';
const onAuthenticationMethods = (fixture: Fixture): Fixture => ({
  consumes: fixture.consumes,
  prepare: async (c, userId) => {
    const request = await fixture.prepare(c, userId);
    return { ...request, path: request.path.replace(METHODS, AUTHENTICATION_METHODS) };
  },
});
FIXTURES.listAuthenticationMethods = onAuthenticationMethods(FIXTURES.listPhoneMethods!);
FIXTURES.getAuthenticationMethod = onAuthenticationMethods(FIXTURES.getPhoneMethod!);
FIXTURES.enableAuthenticationMethodSmsSignIn = onAuthenticationMethods(FIXTURES.enableSmsSignIn!);
FIXTURES.disableAuthenticationMethodSmsSignIn = onAuthenticationMethods(FIXTURES.disableSmsSignIn!);

/** Prepares `count` users (in parallel batches) and returns their ids and requests, in order. */
export async function prepareUsers(
  fixture: Fixture,
  containers: Containers,
  count: number,
): Promise<Array<{ userId: string; request: BenchRequest }>> {
  const prepared: Array<{ userId: string; request: BenchRequest }> = [];
  const BATCH = 32;
  for (let start = 0; start < count; start += BATCH) {
    const ids = Array.from({ length: Math.min(BATCH, count - start) }, newUserId);
    const requests = await Promise.all(ids.map((userId) => fixture.prepare(containers, userId)));
    ids.forEach((userId, i) => prepared.push({ userId, request: requests[i]! }));
  }
  return prepared;
}
