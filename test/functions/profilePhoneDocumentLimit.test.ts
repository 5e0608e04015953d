import { randomUUID } from 'node:crypto';
import { itemPhoneFromBody, type ItemPhone } from '../../shared/models/itemPhone';
import { jsonBytes } from '../../shared/storage/documentLimit';
import {
  MAX_STORED_PHONE_BYTES,
  profilePhoneDocumentLimit,
  DOCUMENT_OVERHEAD_BYTES,
} from '../../shared/storage/profilePhones';
import { LARGEST_DISPLAY_NAME, largestItemPhone, largestItemPhoneBody } from '../../scripts/bench/fixtures';
import { invoke, type Invocation } from '../support/invoke';
import { loadServiceWith, type IsolatedService } from '../support/isolated';
import { testContainer } from '../support/storage';
import { userToken } from '../support/tokens';

/**
 * The bound on one user's profile-phone document (shared/storage/documentLimit.ts): at a quota of 3 it
 * is 3 * 6,400 + 1,024 bytes. A user at the quota with every phone at its largest stays under it; a
 * write that would pass it (possible only with data that came in another way: a lowered quota,
 * migrated or older data) is 409 quotaLimitReached and writes nothing; a change that adds nothing
 * goes through, so such a user can always get back under it.
 */

const QUOTA = 3;
const LIMIT = profilePhoneDocumentLimit(QUOTA);
const COLLECTION = 'profile/phones';
let service: IsolatedService;

beforeAll(() => {
  service = loadServiceWith({ MAX_PROFILE_PHONES_PER_USER: String(QUOTA) });
});
afterAll(() => service.dispose());

/** A caller editing their own profile; `longNames`: their token carries the longest display names it may. */
async function self(longNames = true) {
  const oid = randomUUID();
  const token = await userToken({
    oid,
    scp: 'User.ReadWrite',
    wids: [],
    ...(longNames ? { name: LARGEST_DISPLAY_NAME, extra: { app_displayname: LARGEST_DISPLAY_NAME } } : {}),
  });
  return { oid, token };
}

const create = (oid: string, token: string, body: unknown) =>
  invoke(service.createProfilePhone, { userId: oid, token, body, path: COLLECTION });
const byId = (name: 'update' | 'delete', oid: string, token: string, id: string, body?: unknown) =>
  invoke(service.handlers[`${name}ProfilePhone`]!, {
    userId: oid,
    token,
    method: name === 'update' ? 'PATCH' : 'DELETE',
    params: { id },
    path: `${COLLECTION}/${id}`,
    body,
  });

const errorOf = (result: Invocation) => (result.body as { error: { code: string; message: string } }).error;
const idOf = (result: Invocation) => (result.body as ItemPhone).id;
const container = () => testContainer('profilePhones');
interface StoredDocument {
  id: string;
  userId: string;
  recentWrites: string[];
  phones: ItemPhone[];
}
async function storedDocument(userId: string): Promise<StoredDocument | undefined> {
  return (await container().item(userId, userId).read<StoredDocument>()).resource;
}
/** The document as the service writes it (no system properties), to measure it as the service does. */
const written = (doc: StoredDocument) => ({
  id: doc.id,
  userId: doc.userId,
  recentWrites: doc.recentWrites,
  phones: doc.phones,
});

/** A small phone whose displayName is padded so that the user's document weighs `documentBytes`. */
function paddedPhone(userId: string, documentBytes: number): ItemPhone {
  const at = new Date().toISOString();
  const author = { user: { id: userId, displayName: null } };
  const phone = itemPhoneFromBody(
    { number: '+1 206 555 0100' },
    { id: randomUUID(), createdDateTime: at, createdBy: author, lastModifiedDateTime: at, lastModifiedBy: author },
  );
  const base = jsonBytes({ id: userId, userId, recentWrites: [], phones: [{ ...phone, displayName: '' }] });
  return { ...phone, displayName: 'x'.repeat(documentBytes - base) };
}

/** Seeds a user's document straight into storage, as data that came in another way would be. */
async function seed(userId: string, phones: ItemPhone[]): Promise<StoredDocument> {
  await container().items.create({ id: userId, userId, recentWrites: [], phones });
  return (await storedDocument(userId))!;
}

test('the largest stored phone is within MAX_STORED_PHONE_BYTES, and the limit is its multiple plus the overhead', () => {
  const phone = largestItemPhone();
  expect(jsonBytes(phone) + 1).toBeLessThanOrEqual(MAX_STORED_PHONE_BYTES);
  const document = {
    id: randomUUID(),
    userId: randomUUID(),
    recentWrites: Array.from({ length: 16 }, () => randomUUID()),
    phones: [],
  };
  expect(jsonBytes(document)).toBeLessThanOrEqual(DOCUMENT_OVERHEAD_BYTES);
  expect(profilePhoneDocumentLimit(100)).toBe(100 * MAX_STORED_PHONE_BYTES + DOCUMENT_OVERHEAD_BYTES);
  // The largest quota the configuration accepts stays under Cosmos DB's 2 MB item limit.
  expect(profilePhoneDocumentLimit(250)).toBeLessThan(2 * 1024 * 1024 - 1024);
});

test('a user at the quota with every phone at its largest never meets the limit: create and PATCH succeed', async () => {
  const { oid, token } = await self();
  const ids: string[] = [];
  for (let n = 0; n < QUOTA; n += 1) {
    const result = await create(oid, token, largestItemPhoneBody());
    expect(result.status).toBe(201);
    ids.push(idOf(result));
  }
  // Each stored phone is as large as the largest the fixture builds: the constant's derivation holds.
  const doc = (await storedDocument(oid))!;
  for (const phone of doc.phones) expect(jsonBytes(phone)).toBe(jsonBytes(largestItemPhone()));

  const patched = await byId('update', oid, token, ids[0]!, { displayName: LARGEST_DISPLAY_NAME.slice(1) + '\u96fc' });
  expect(patched.status).toBe(200);
  const after = (await storedDocument(oid))!;
  expect(after.phones).toHaveLength(QUOTA);
  expect(jsonBytes(written(after))).toBeLessThanOrEqual(LIMIT);
  expect(errorOf(await create(oid, token, { number: '1' })).code).toBe('quotaLimitReached');
});

test('the create that would pass the limit is 409 quotaLimitReached and writes nothing', async () => {
  const { oid, token } = await self();
  // 5,000 bytes left: room for a small phone by this caller (about 3,600 bytes with its long names), not for a largest one.
  const before = await seed(oid, [paddedPhone(oid, LIMIT - 5000)]);

  const result = await create(oid, token, largestItemPhoneBody());
  expect(result.status).toBe(409);
  expect(errorOf(result).code).toBe('quotaLimitReached');
  expect(errorOf(result).message).toContain(`${LIMIT} bytes`);
  expect(await storedDocument(oid)).toEqual(before);

  // One that stays under it is written.
  const small = await create(oid, token, { number: '1' });
  expect(small.status).toBe(201);
  expect((await storedDocument(oid))!.phones).toHaveLength(2);
});

test('the PATCH that would pass the limit is 409 quotaLimitReached and writes nothing', async () => {
  const { oid, token } = await self();
  const phone = paddedPhone(oid, LIMIT - 50);
  const before = await seed(oid, [phone]);

  const result = await byId('update', oid, token, phone.id, { type: 'business', number: '+1 206 555 0100 x123' });
  expect(result.status).toBe(409);
  expect(errorOf(result).code).toBe('quotaLimitReached');
  expect(await storedDocument(oid)).toEqual(before);
});

test('a document over the limit already can be brought back under it: a shorter value and a delete go through', async () => {
  // Short names: a PATCH also rewrites lastModifiedBy with the caller's names.
  const { oid, token } = await self(false);
  const big = paddedPhone(oid, LIMIT + 2000);
  const other = paddedPhone(oid, 1000);
  await seed(oid, [big, other]);

  // Growing it is refused ...
  const grow = await byId('update', oid, token, other.id, { source: { type: 'LinkedIn' } });
  expect(grow.status).toBe(409);
  expect(errorOf(grow).code).toBe('quotaLimitReached');
  // ... a change that keeps it over the limit but smaller goes through ...
  const shorter = await byId('update', oid, token, other.id, { displayName: 'Desk' });
  expect(shorter.status).toBe(200);
  expect(jsonBytes(written((await storedDocument(oid))!))).toBeGreaterThan(LIMIT);
  // ... and so does a delete, which brings it under.
  expect((await byId('delete', oid, token, big.id)).status).toBe(204);
  const after = (await storedDocument(oid))!;
  expect(after.phones.map((p) => p.id)).toEqual([other.id]);
  expect(jsonBytes(written(after))).toBeLessThan(LIMIT);
});
