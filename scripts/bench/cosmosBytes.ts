import type { Services } from '../../shared/services';
import { jsonBytes } from '../../shared/storage/documentLimit';
import type { CosmosProbe } from './cosmosProbe';
import { newUserId, seedPhones, type PhoneSize } from './fixtures';
import type { LoadRequest } from './load';
import type { LoadRunner } from './loadChild';
import { failuresOf } from './throughput';

/**
 * What a user's data costs as it grows: the bytes the measured process sends to and receives from
 * Cosmos DB for one request of each profile-phone operation, for a user with 1, 10 and 100 typical
 * phones and with 100 at their largest (every property at its limit; fixtures.ts). Every write
 * replaces the user's whole document, so a write's bytes grow with the document, whatever it changes.
 * Counted at the process's HTTP client (CosmosProbe.bytes) around requests sent one at a time with
 * nothing else talking to Cosmos. Bytes do not depend on the machine's speed: no gate, one pass.
 */

export const USER_SIZES: ReadonlyArray<{ phones: number; size: PhoneSize }> = [
  { phones: 1, size: 'typical' },
  { phones: 10, size: 'typical' },
  { phones: 100, size: 'typical' },
  { phones: 100, size: 'largest' },
];

const OPERATIONS = [
  'listProfilePhones',
  'getProfilePhone',
  'createProfilePhone',
  'updateProfilePhone',
  'deleteProfilePhone',
] as const;
const PHONES = 'profile/phones';
/** Users (one request each) per operation and size: sizes do not vary, a few requests average the ids' lengths. */
const REQUESTS = 10;

export interface CosmosBytesRow {
  operation: string;
  /** The user's profile phones before the request (a create's user has one fewer, so it writes the n-th). */
  phones: number;
  size: PhoneSize;
  /** The user's document as written, without Cosmos's system properties. */
  documentBytes: number;
  requests: number;
  cosmosPerRequest: number;
  sentPerRequest: number;
  receivedPerRequest: number;
  failures: number;
}

type Operation = (typeof OPERATIONS)[number];

/** The request for one prepared user; the phones' ids for the ones that name one. */
function requestFor(operation: Operation, userId: string, phoneIds: string[]): LoadRequest {
  const base = `/beta/users/${userId}/${PHONES}`;
  switch (operation) {
    case 'listProfilePhones':
      return { method: 'GET', path: base };
    case 'getProfilePhone':
      return { method: 'GET', path: `${base}/${phoneIds[0]}` };
    case 'createProfilePhone':
      return {
        method: 'POST',
        path: base,
        body: JSON.stringify({ number: '+1 206 555 0100', type: 'mobile', displayName: 'Desk' }),
      };
    case 'updateProfilePhone':
      return {
        method: 'PATCH',
        path: `${base}/${phoneIds[0]}`,
        body: JSON.stringify({ number: '+1 206 555 0199', type: 'business' }),
      };
    case 'deleteProfilePhone':
      return { method: 'DELETE', path: `${base}/${phoneIds[0]}` };
  }
}

export async function measureCosmosBytes(
  services: Services,
  load: LoadRunner,
  probe: CosmosProbe,
  origin: string,
  tokens: string[],
  log: (line: string) => void,
): Promise<CosmosBytesRow[]> {
  const rows: CosmosBytesRow[] = [];
  for (const { phones, size } of USER_SIZES) {
    for (const operation of OPERATIONS) {
      const held = operation === 'createProfilePhone' ? phones - 1 : phones;
      const requests: LoadRequest[] = [];
      let documentBytes = 0;
      for (let n = 0; n < REQUESTS; n += 1) {
        const userId = newUserId();
        const seeded = await seedPhones(services.containers, userId, held, size);
        documentBytes = jsonBytes({ id: userId, userId, recentWrites: [], phones: seeded });
        requests.push(
          requestFor(
            operation,
            userId,
            seeded.map((phone) => phone.id),
          ),
        );
      }
      const before = { ...probe.bytes, requests: probe.requests };
      const result = await load.run({ origin, requests, tokens, connections: 1 });
      const after = probe.bytes;
      const per = (total: number) => total / Math.max(1, result.requests);
      const row: CosmosBytesRow = {
        operation,
        phones,
        size,
        documentBytes,
        requests: result.requests,
        cosmosPerRequest: per(probe.requests - before.requests),
        sentPerRequest: per(after.sent - before.sent),
        receivedPerRequest: per(after.received - before.received),
        failures: failuresOf(result) + (REQUESTS - result.requests),
      };
      rows.push(row);
      log(
        `bytes ${operation}, ${phones} ${size}: sent ${row.sentPerRequest.toFixed(0)}, received ${row.receivedPerRequest.toFixed(0)} per request`,
      );
    }
  }
  return rows;
}
