// The app's entry (package.json `main` is its bundle): loading it registers every HTTP function.
import { app } from '@azure/functions';
import { getConfig } from '../shared/config';
import { batchRegistrationsOf, handleBatch } from '../shared/http/batch';
import { ROUTE_PREFIX } from '../shared/http/graphResponses';
import { handle, registrationsOf } from '../shared/http/pipeline';
import { createServices, type OwnedServices } from '../shared/services';
import { operations } from './operations';

let services: OwnedServices | undefined;

/** The process's services: one configuration, Cosmos client and key set, built on first use. */
export function processServices(): OwnedServices {
  services ??= createServices(getConfig());
  return services;
}

/** Releases the process's Cosmos client (graceful shutdown of the local server). */
export function disposeProcessServices(): void {
  services?.dispose();
  services = undefined;
}

// A bad setting fails the app at start with the variable's name instead of failing the first request.
app.hook.appStart(() => {
  processServices();
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
for (const batch of batchRegistrationsOf([ROUTE_PREFIX])) {
  app.http(batch.name, {
    methods: ['POST'],
    authLevel: 'anonymous',
    route: batch.route,
    handler: handleBatch(batch, registrations, processServices),
  });
}
