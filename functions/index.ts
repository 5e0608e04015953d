// The app's entry (package.json `main` is its bundle): loading it registers every HTTP function.
import { app } from '@azure/functions';
import { acceptedTenantsLine } from '../shared/auth/tenants';
import { getConfig } from '../shared/config';
import { batchRegistrationsOf, handleBatch } from '../shared/http/batch';
import { handle, registrationsOf } from '../shared/http/pipeline';
import { API_VERSIONS } from '../shared/http/versions';
import {
  UNMATCHED_ROUTE,
  UNMATCHED_ROUTE_FUNCTION,
  UNMATCHED_ROUTE_METHODS,
  unmatchedRouteHandler,
} from '../shared/http/unmatchedRoute';
import { createServices, directoryMode, type OwnedServices, type ServiceParts } from '../shared/services';
import { operations } from './operations';

let services: OwnedServices | undefined;
let parts: ServiceParts = {};

/** The process's services: one configuration, Cosmos client, key set and directory, built on first use. */
export function processServices(): OwnedServices {
  services ??= createServices(getConfig(), parts);
  return services;
}

/** For `npm start`: its development directory in place of Microsoft Graph. Call before the app starts. */
export function provideServiceParts(provided: ServiceParts): void {
  if (services) throw new Error('The services were built before their parts were provided.');
  parts = provided;
}

/** Releases the process's Cosmos client (graceful shutdown of the local server). */
export function disposeProcessServices(): void {
  services?.dispose();
  services = undefined;
}

// A bad setting fails the app at start with the variable's name instead of failing the first request.
// The directory mode and the accepted tenants are named at start (in the host's log; the local server
// passes its own printer).
app.hook.appStart((context) => {
  const { config } = processServices();
  const print = context.hookData.print;
  const say = typeof print === 'function' ? (print as (line: string) => void) : console.log;
  say(JSON.stringify({ event: 'start', directory: directoryMode(config, parts) }));
  say(acceptedTenantsLine(config.auth));
});

const registrations = registrationsOf(operations);
for (const registration of registrations) {
  app.http(registration.name, {
    methods: [registration.operation.method],
    // The JWT is verified in code (shared/auth); the Functions key is not part of Graph's API.
    authLevel: 'anonymous',
    route: registration.route,
    handler: handle(registration, processServices),
  });
}

// JSON batching, once per version served: each item is answered by one of the registrations above.
for (const batch of batchRegistrationsOf(API_VERSIONS)) {
  app.http(batch.name, {
    methods: ['POST'],
    authLevel: 'anonymous',
    route: batch.route,
    handler: handleBatch(batch, registrations, processServices),
  });
}

// Any other path under /beta/ or /v1.0/ gets Graph's error body (400 naming the segment, or 405),
// never the host's bare 404. Its name sorts last: the host tries routes in the order of function names.
app.http(UNMATCHED_ROUTE_FUNCTION, {
  methods: UNMATCHED_ROUTE_METHODS,
  authLevel: 'anonymous',
  route: UNMATCHED_ROUTE,
  handler: unmatchedRouteHandler(registrations),
});
