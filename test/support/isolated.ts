import type { HttpHandler } from '@azure/functions';
import { operations } from '../../functions/operations';
import type { KeySet } from '../../shared/auth/keySet';
import { parseConfig } from '../../shared/config';
import { handle, registrationsOf } from '../../shared/http/pipeline';
import { createServices, type OwnedServices, type ServiceParts, type Services } from '../../shared/services';
import { DEFAULT_STORAGE_TIMING, type StorageTiming } from '../../shared/storage/timing';
import { startFaultProxy, type FaultProxy } from './faultProxy';

/** Every registered function's handler by its name (`createPhoneMethod`, `listProfilePhonesMe`, ...). */
export type Handlers = Record<string, HttpHandler>;

export interface IsolatedService {
  handlers: Handlers;
  /** Shorthands for the two create operations, which most suites exercise. */
  createPhoneMethod: HttpHandler;
  createProfilePhone: HttpHandler;
  services: OwnedServices;
  /** The service's key set (to count fetches). */
  keySet(): KeySet;
  dispose(): void;
  /** `using service = loadServiceWith(...)` disposes it at the end of the block. */
  [Symbol.dispose](): void;
}

/** Every registered function's handler over these services (hand-built ones too: a shifted clock, one container behind a proxy). */
export function handlersFor(services: Services): Handlers {
  return Object.fromEntries(
    registrationsOf(operations).map((registration) => [registration.name, handle(registration, () => services)]),
  );
}

/**
 * An independent copy of the service (its own configuration, Cosmos client and key set), as a separate
 * Functions worker process would be: the test environment with some variables changed.
 */
export function loadServiceWith(
  overrides: Record<string, string | undefined> = {},
  parts: ServiceParts = {},
): IsolatedService {
  const services = createServices(parseConfig({ ...process.env, ...overrides }), parts);
  const handlers = handlersFor(services);
  return {
    handlers,
    createPhoneMethod: handlers.createPhoneMethod!,
    createProfilePhone: handlers.createProfilePhone!,
    services,
    keySet: () => services.keySet,
    dispose: () => services.dispose(),
    [Symbol.dispose]: () => services.dispose(),
  };
}

/**
 * The storage bounds of a service behind the fault proxy: a fault that costs a deadline (a stall, a
 * reset or a refused connection, which the SDK retries until the deadline ends it) costs 1.5 s there
 * instead of production's 8 s, still many times a healthy call through the proxy. Leases and clock skew
 * stay production's, so the service may share storage with services built with the defaults.
 */
export const FAULT_PROXY_STORAGE_TIMING: StorageTiming = { ...DEFAULT_STORAGE_TIMING, operationDeadlineMs: 1_500 };

/** A copy of the service whose storage traffic goes through a real fault proxy, with `storageTiming`. */
export async function loadServiceBehindFaultProxy(
  overrides: Record<string, string | undefined> = {},
  storageTiming: StorageTiming = FAULT_PROXY_STORAGE_TIMING,
): Promise<{
  proxy: FaultProxy;
  service: IsolatedService;
  close: () => Promise<void>;
  /** `await using` stops both at the end of the block. */
  [Symbol.asyncDispose]: () => Promise<void>;
}> {
  const proxy = await startFaultProxy(process.env.COSMOS_ENDPOINT!);
  const service = loadServiceWith({ ...overrides, COSMOS_ENDPOINT: proxy.url });
  service.services.storageTiming = storageTiming;
  const close = async () => {
    service.dispose();
    await proxy.close();
  };
  return { proxy, service, close, [Symbol.asyncDispose]: close };
}
