import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { phoneAuthenticationMethodResource } from '../../shared/models/phoneAuthenticationMethod';
import { itemPhoneResource } from '../../shared/models/itemPhone';
import type { FaultMode, FaultProxy } from '../support/faultProxy';
import { invoke, type Invocation } from '../support/invoke';
import { loadServiceBehindFaultProxy, type IsolatedService } from '../support/isolated';
import { storedItems, type StoredItem } from '../support/storage';
import { userToken } from '../support/tokens';

/**
 * Storage faults through a real HTTPS proxy in front of the Cosmos-compatible server. For every fault
 * and every kind of write: a bounded answer (503 or 429 with Retry-After), nothing half-written (no
 * document, or exactly the document a 201 would have returned), and a 201 as soon as the fault ends.
 */

/** Far above any retry budget of the service; only proves that a fault cannot hold a request open. */
const LATENCY_BOUND_MS = 30_000;

interface Fault {
  name: string;
  expected: 201 | 429 | 503;
  /** Starts the fault; resolves to the function that ends it. */
  apply(proxy: FaultProxy): Promise<() => Promise<void>>;
}

const setMode = (mode: FaultMode) => (proxy: FaultProxy) => {
  proxy.mode = mode;
  return Promise.resolve(() => {
    proxy.mode = { kind: 'pass' };
    return Promise.resolve();
  });
};

const refuseConnections = async (proxy: FaultProxy) => {
  await proxy.refuse();
  return () => proxy.resume();
};

const FAULTS: Fault[] = [
  { name: 'connections refused', expected: 503, apply: refuseConnections },
  { name: 'a stall past the timeout', expected: 503, apply: setMode({ kind: 'stall' }) },
  { name: 'a reset mid-request', expected: 503, apply: setMode({ kind: 'reset' }) },
  { name: 'throttling past the retries', expected: 429, apply: setMode({ kind: 'throttle', retryAfterMs: 50 }) },
  { name: 'storage answering 503', expected: 503, apply: setMode({ kind: 'status', status: 503 }) },
  // The write lands but its answer is lost: the service reads back whether its write id landed, and
  // since it did, the request succeeds with exactly what was stored.
  {
    name: 'the write landing with its answer lost',
    expected: 201,
    apply: setMode({ kind: 'loseResponse', methods: ['POST', 'PUT'] }),
  },
];

interface Operation {
  name: string;
  container: 'phoneMethods' | 'profilePhones';
  /** Anything the user must already have before the faulty call (written without faults). */
  prepare?(service: IsolatedService, userId: string): Promise<void>;
  call(service: IsolatedService, userId: string): Promise<Invocation>;
  /** Items the faulty call itself may leave behind, from a user's stored items. */
  written: (documents: StoredItem[]) => StoredItem[];
  /** What of an item must be stored exactly as answered. */
  comparable: (item: Record<string, unknown>) => Record<string, unknown>;
  schema: { parse(value: unknown): unknown };
}

/** The reported SMS sign-in state follows the tenant policy; the stored one is the user's own setting. */
const withoutSignInState = ({ smsSignInState: _state, ...rest }: Record<string, unknown>) => rest;

const adminCall = async (service: IsolatedService, userId: string, body: object) =>
  invoke(service.createPhoneMethod, { userId, token: await userToken(), body, path: 'authentication/phoneMethods' });

const OPERATIONS: Operation[] = [
  {
    name: 'phone method (create)',
    container: 'phoneMethods',
    call: (service, userId) => adminCall(service, userId, { phoneNumber: '+1 2065550100', phoneType: 'mobile' }),
    written: (documents) => documents,
    comparable: withoutSignInState,
    schema: phoneAuthenticationMethodResource,
  },
  {
    name: 'alternateMobile phone method (read, then create)',
    container: 'phoneMethods',
    prepare: async (service, userId) => {
      expect((await adminCall(service, userId, { phoneNumber: '+1 2065550100', phoneType: 'mobile' })).status).toBe(
        201,
      );
    },
    call: (service, userId) =>
      adminCall(service, userId, { phoneNumber: '+44 7700900123', phoneType: 'alternateMobile' }),
    written: (documents) => documents.filter((document) => document.phoneType === 'alternateMobile'),
    comparable: withoutSignInState,
    schema: phoneAuthenticationMethodResource,
  },
  {
    name: 'profile phone',
    container: 'profilePhones',
    call: async (service, userId) =>
      invoke(service.createProfilePhone, {
        userId,
        token: await userToken({ oid: userId, scp: 'User.ReadWrite', wids: [] }),
        body: { number: '+1 425 555 0100', type: 'mobile' },
        path: 'profile/phones',
      }),
    written: (documents) => documents,
    comparable: (item) => item,
    schema: itemPhoneResource,
  },
];

let proxy: FaultProxy;
let service: IsolatedService;
const latencies: string[] = [];
let casesRun = 0;
let documentsChecked = 0;

let close: () => Promise<void>;

beforeAll(async () => {
  ({ proxy, service, close } = await loadServiceBehindFaultProxy());
});

afterAll(async () => {
  await close();
  console.log(
    `storage faults: ${casesRun} cases, ${proxy.faultsInjected} faults injected, ${documentsChecked} documents checked; ` +
      `latencies ${latencies.join(', ')}`,
  );
});

describe.each(OPERATIONS)('$name', (operation) => {
  test.each(FAULTS)('$name', async (fault) => {
    casesRun += 1;
    const userId = randomUUID();
    await operation.prepare?.(service, userId);
    const faultsBefore = proxy.faultsInjected;

    const endFault = await fault.apply(proxy);
    const started = performance.now();
    let result: Invocation;
    try {
      result = await operation.call(service, userId);
    } finally {
      await endFault();
    }
    const elapsed = performance.now() - started;
    latencies.push(`${operation.container}/${fault.name}=${Math.round(elapsed)}ms`);

    expect(result.status).toBe(fault.expected);
    expect(elapsed).toBeLessThan(LATENCY_BOUND_MS);
    if (fault.name !== 'connections refused') expect(proxy.faultsInjected).toBeGreaterThan(faultsBefore);
    if (fault.expected === 201) {
      // Settled as a success: stored exactly once, exactly as answered.
      const { '@odata.context': _context, ...answered } = result.body;
      const stored = operation.written(await storedItems(operation.container, userId));
      documentsChecked += stored.length;
      expect(stored.map(operation.comparable)).toEqual([operation.comparable(answered)]);
      return;
    }
    expect(result.body.error.code).toBe(fault.expected === 429 ? 'tooManyRequests' : 'serviceNotAvailable');
    expect(result.headers.get('retry-after')).toMatch(/^[1-9]\d*$/);

    // A failed request writes nothing: not even the write whose answer was lost.
    const left = operation.written(await storedItems(operation.container, userId));
    documentsChecked += left.length;
    expect(left).toEqual([]);

    // Full recovery: the same call succeeds right after, and stores exactly what it answered.
    const retried = await operation.call(service, userId);
    expect(retried.status).toBe(201);
    const { '@odata.context': _context, ...resource } = retried.body;
    expect(operation.schema.parse(resource)).toBeTruthy();
    const stored = operation.written(await storedItems(operation.container, userId));
    documentsChecked += stored.length;
    expect(stored.map(operation.comparable)).toEqual([operation.comparable(resource)]);
  });
});
