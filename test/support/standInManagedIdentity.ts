import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { closeServer } from './servers';

/**
 * A stand-in for App Service's managed identity endpoint (the protocol Azure Functions publishes in
 * IDENTITY_ENDPOINT and IDENTITY_HEADER, api-version 2019-08-01): `GET ?resource=...&client_id=...`
 * with the `X-IDENTITY-HEADER` secret answers `{access_token, expires_on, resource, token_type,
 * client_id}`. The real `ManagedIdentityCredential` of @azure/identity talks to it unchanged.
 */

export interface TokenRequest {
  resource: string | null;
  clientId: string | null;
  apiVersion: string | null;
  /** The `X-IDENTITY-HEADER` sent matched the secret. */
  headerMatched: boolean;
}

export interface StandInManagedIdentity extends AsyncDisposable {
  /** IDENTITY_ENDPOINT */
  endpoint: string;
  /** IDENTITY_HEADER */
  header: string;
  requests: TokenRequest[];
  /** The tokens issued, by resource (the last one for each). */
  issued: Map<string, string>;
  /** Refuse every request (as an identity without the app assigned would be refused). */
  refuse: boolean;
  /** Seconds a token is valid. Default 3600. */
  lifetimeSeconds: number;
  /** The environment that points @azure/identity at this endpoint. */
  env(): Record<string, string>;
  close(): Promise<void>;
}

export async function startStandInManagedIdentity(): Promise<StandInManagedIdentity> {
  const header = randomBytes(16).toString('hex');
  const identity: StandInManagedIdentity = {
    endpoint: '',
    header,
    requests: [],
    issued: new Map(),
    refuse: false,
    lifetimeSeconds: 3600,
    env: () => ({ IDENTITY_ENDPOINT: identity.endpoint, IDENTITY_HEADER: header }),
    close: () => closeServer(server),
    [Symbol.asyncDispose]: () => closeServer(server),
  };
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://stand-in');
    const recorded: TokenRequest = {
      resource: url.searchParams.get('resource'),
      clientId: url.searchParams.get('client_id'),
      apiVersion: url.searchParams.get('api-version'),
      headerMatched: request.headers['x-identity-header'] === header,
    };
    identity.requests.push(recorded);
    const send = (status: number, body: unknown) => {
      response.writeHead(status, { 'Content-Type': 'application/json' });
      response.end(JSON.stringify(body));
    };
    if (!recorded.headerMatched || recorded.apiVersion !== '2019-08-01' || !recorded.resource) {
      send(400, {
        statusCode: 400,
        message: 'Invalid request: the identity header, api-version or resource is missing.',
      });
      return;
    }
    if (identity.refuse) {
      send(400, { statusCode: 400, message: 'No managed identity with this client id is assigned to the app.' });
      return;
    }
    const token = `stand-in-token.${randomBytes(12).toString('base64url')}`;
    identity.issued.set(recorded.resource, token);
    send(200, {
      access_token: token,
      expires_on: String(Math.floor(Date.now() / 1000) + identity.lifetimeSeconds),
      resource: recorded.resource,
      token_type: 'Bearer',
      client_id: recorded.clientId ?? '00000000-0000-0000-0000-000000000000',
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  identity.endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/msi/token`;
  return identity;
}

/**
 * For one test file: its own stand-in identity endpoint, which @azure/identity uses for every
 * credential the file builds (the environment points at it from beforeAll to afterAll). Each test file
 * loads its own copy of @azure/identity and MSAL, so no token cached for another file is reused.
 */
export function ownManagedIdentity(): () => StandInManagedIdentity {
  let identity: StandInManagedIdentity | undefined;
  const saved = { IDENTITY_ENDPOINT: process.env.IDENTITY_ENDPOINT, IDENTITY_HEADER: process.env.IDENTITY_HEADER };
  beforeAll(async () => {
    identity = await startStandInManagedIdentity();
    Object.assign(process.env, identity.env());
  });
  afterAll(async () => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    await identity?.close();
  });
  return () => identity!;
}
