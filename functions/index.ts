// The app's entry (package.json `main` is its bundle): loading it registers every HTTP function.
import { app } from '@azure/functions';
import { acceptedTenantsLine } from '../shared/auth/tenants';
import { getConfig } from '../shared/config';
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
// The accepted tenants are named at start (in the host's log; the local server passes its own printer).
app.hook.appStart((context) => {
  const { config } = processServices();
  const print = context.hookData.print;
  (typeof print === 'function' ? (print as (line: string) => void) : console.log)(acceptedTenantsLine(config.auth));
});

for (const registration of registrationsOf(operations)) {
  app.http(registration.name, {
    methods: [registration.operation.method],
    // The JWT is verified in code (shared/auth); the Functions key is not part of Graph's API.
    authLevel: 'anonymous',
    route: registration.route,
    handler: handle(registration, processServices),
  });
}
