import { randomUUID } from 'node:crypto';
import { acceptedTenantsLine } from '../../shared/auth/tenants';
import { ConfigError, parseConfig } from '../../shared/config';
import { TEST_TENANT_ID } from '../support/constants';
import { invoke } from '../support/invoke';
import { loadServiceWith, type IsolatedService } from '../support/isolated';
import { storedItems } from '../support/storage';
import { userToken, v1Issuer, v2Issuer } from '../support/tokens';

/**
 * Tenant pinning with real signed tokens against the real service: a token's tid must match its
 * issuer's tenant, and several tenants are accepted only when AUTH_TENANT_ID lists them.
 */

const TENANT_A = TEST_TENANT_ID;
const TENANT_B = '0b3b2a5c-6f6e-4b8e-9a51-3c2d1e0f9a7b';
const PATH = 'authentication/phoneMethods';
const services: IsolatedService[] = [];

afterAll(() => services.forEach((service) => service.dispose()));

function serviceWith(env: Record<string, string | undefined>): IsolatedService {
  const service = loadServiceWith(env);
  services.push(service);
  return service;
}

/** A tenant-A user with one phone method, added by a tenant-A administrator. */
async function tenantAUserWithMethod(service: IsolatedService): Promise<string> {
  const userId = randomUUID();
  const created = await invoke(service.createPhoneMethod, {
    userId,
    token: await userToken({ extra: { iss: v2Issuer(TENANT_A), tid: TENANT_A } }),
    body: { phoneNumber: '+1 2065550100', phoneType: 'mobile' },
    path: PATH,
  });
  expect(created.status).toBe(201);
  return userId;
}

const errorOf = (body: unknown) => (body as { error: { code: string; message: string } }).error;
/** A list of a new user's phone methods with the given token. */
const listAs = (service: IsolatedService, token: string) =>
  invoke(service.handlers.listPhoneMethods!, { userId: randomUUID(), token, method: 'GET', path: PATH });
const adminOf = (issuer: string, tid: string) => userToken({ extra: { iss: issuer, tid } });

describe('two issuers configured, one tenant', () => {
  const env = { AUTH_TENANT_ID: TENANT_A, AUTH_ISSUER: `${v2Issuer(TENANT_A)},${v2Issuer(TENANT_B)}` };

  test("a tenant-B Authentication Administrator cannot list or delete a tenant-A user's phone methods", async () => {
    const service = serviceWith(env);
    const userId = await tenantAUserWithMethod(service);
    const token = await adminOf(v2Issuer(TENANT_B), TENANT_B);
    const list = await invoke(service.handlers.listPhoneMethods!, { userId, token, method: 'GET', path: PATH });
    expect(list.status).toBe(401);
    expect(errorOf(list.body).code).toBe('InvalidAuthenticationToken');
    const [stored] = await storedItems('phoneMethods', userId);
    const removed = await invoke(service.handlers.deletePhoneMethod!, {
      userId,
      token,
      method: 'DELETE',
      path: PATH,
      params: { id: '3179e48a-750b-4051-897c-87b9720928f7' },
    });
    expect(removed.status).toBe(401);
    expect(await storedItems('phoneMethods', userId)).toEqual([stored]);
  });
});

describe("a token's tid must match its issuer's tenant", () => {
  test.each([
    ['v2 issuer of tenant A, tid B', v2Issuer(TENANT_A), TENANT_B],
    ['v1 issuer of tenant A, tid B', v1Issuer(TENANT_A), TENANT_B],
    ['v2 issuer of tenant B, tid A', v2Issuer(TENANT_B), TENANT_A],
  ])('%s: 401, with both tenants accepted', async (_name, issuer, tid) => {
    const service = serviceWith({ AUTH_TENANT_ID: `${TENANT_A},${TENANT_B}`, AUTH_ISSUER: undefined });
    const result = await listAs(service, await adminOf(issuer, tid));
    expect(result.status).toBe(401);
    expect(errorOf(result.body).message).toContain('Invalid tenant');
  });

  test('issuer A with tid B is refused even when only the issuers are configured (one tenant)', async () => {
    const service = serviceWith({ AUTH_TENANT_ID: undefined, AUTH_ISSUER: v2Issuer(TENANT_A) });
    const result = await invoke(service.handlers.listPhoneMethods!, {
      userId: randomUUID(),
      token: await adminOf(v2Issuer(TENANT_A), TENANT_B),
      method: 'GET',
      path: PATH,
    });
    expect(result.status).toBe(401);
  });
});

describe('several tenants', () => {
  test('listed explicitly (AUTH_TENANT_ID=a,b): administrators of both are accepted, with either issuer version', async () => {
    const service = serviceWith({ AUTH_TENANT_ID: `${TENANT_A},${TENANT_B}`, AUTH_ISSUER: undefined });
    expect(service.services.config.auth.issuers).toEqual([
      v1Issuer(TENANT_A),
      v2Issuer(TENANT_A),
      v1Issuer(TENANT_B),
      v2Issuer(TENANT_B),
    ]);
    for (const [issuer, tid] of [
      [v2Issuer(TENANT_A), TENANT_A],
      [v1Issuer(TENANT_B), TENANT_B],
      [v2Issuer(TENANT_B), TENANT_B],
    ] as const) {
      const result = await listAs(service, await adminOf(issuer, tid));
      expect([issuer, result.status]).toEqual([issuer, 200]);
    }
  });

  test('named only by an issuer list (no AUTH_TENANT_ID): the service refuses to start, naming AUTH_TENANT_ID', () => {
    const env = {
      ...process.env,
      AUTH_TENANT_ID: undefined,
      AUTH_ISSUER: `${v2Issuer(TENANT_A)},${v1Issuer(TENANT_B)}`,
    };
    expect(() => parseConfig(env)).toThrow(ConfigError);
    expect(() => parseConfig(env)).toThrow(/AUTH_TENANT_ID/);
  });

  test('the start-up line names the accepted tenants', () => {
    const listed = parseConfig({ ...process.env, AUTH_TENANT_ID: `${TENANT_A}, ${TENANT_B.toUpperCase()}` });
    expect(listed.auth.tenantIds).toEqual([TENANT_A, TENANT_B]);
    expect(acceptedTenantsLine(listed.auth)).toMatch(new RegExp(`^Accepted tenants: ${TENANT_A}, ${TENANT_B} `));
    const fromIssuer = parseConfig({ ...process.env, AUTH_TENANT_ID: undefined, AUTH_ISSUER: v1Issuer(TENANT_B) });
    expect(acceptedTenantsLine(fromIssuer.auth)).toMatch(new RegExp(`^Accepted tenants: ${TENANT_B} `));
  });
});

describe('an explicit issuer that is not Entra (a test or development issuer)', () => {
  const iss = 'https://issuer.test.example/';

  test('with AUTH_TENANT_ID set, tid must be one of its tenants', async () => {
    const service = serviceWith({ AUTH_TENANT_ID: TENANT_A, AUTH_ISSUER: iss });
    const call = async (tid: string | undefined) => (await listAs(service, await adminOf(iss, tid as string))).status;
    expect(await call(TENANT_A)).toBe(200);
    expect(await call(TENANT_B)).toBe(401);
    expect(await call(undefined)).toBe(401);
  });

  test('without AUTH_TENANT_ID, the tenant is not pinned and the start-up line says so', async () => {
    const service = serviceWith({ AUTH_TENANT_ID: undefined, AUTH_ISSUER: iss });
    expect(acceptedTenantsLine(service.services.config.auth)).toMatch(/^Accepted tenants: not pinned/);
    const result = await listAs(service, await adminOf(iss, TENANT_B));
    expect(result.status).toBe(200);
  });
});
