import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { HttpRequest } from '@azure/functions';
import { authorize, type Endpoint } from '../../shared/auth/permissions';
import { getTokenVerifier } from '../../shared/auth/verifyToken';
import { getConfig } from '../../shared/config';
import { created } from '../../shared/http/graphResponses';
import { readJsonObject } from '../../shared/http/requestBody';
import { requestIdsFor } from '../../shared/http/requestIds';
import { createItemPhoneBody, itemPhoneFromBody } from '../../shared/models/itemPhone';
import { createPhoneMethodBody, phoneMethodFromBody } from '../../shared/models/phoneAuthenticationMethod';
import { parseBody } from '../../shared/models/validation';
import { resolveUserKey } from '../../shared/users/resolveUserKey';
import { percentile } from './stats';

/**
 * The service's own cost per request, storage left out: the pieces the handler wrapper calls, called
 * directly in the same order with a real HttpRequest, next to a bare JSON.parse + JSON.stringify.
 */

export interface PieceTimes {
  p50Us: number;
  p99Us: number;
}

export interface InProcessResult {
  endpoint: Endpoint;
  iterations: number;
  total: PieceTimes;
  authentication: PieceTimes;
  validation: PieceTimes;
  response: PieceTimes;
  jsonOnly: PieceTimes;
}

interface Case {
  endpoint: Endpoint;
  collectionPath: string;
  body: object;
  /** Validates the body and builds the resource as the function's `create` does (storage left out). */
  build(body: unknown, userId: string): { id: string };
}

const CASES: Case[] = [
  {
    endpoint: 'profilePhones',
    collectionPath: 'profile/phones',
    body: { number: '+1 206 555 0100', type: 'mobile' },
    build: (body, userId) => {
      const now = new Date().toISOString();
      const author = { user: { id: userId, displayName: null } };
      return itemPhoneFromBody(parseBody(createItemPhoneBody, body), {
        id: randomUUID(),
        createdDateTime: now,
        createdBy: author,
        lastModifiedDateTime: now,
        lastModifiedBy: author,
      });
    },
  },
  {
    endpoint: 'phoneMethods',
    collectionPath: 'authentication/phoneMethods',
    body: { phoneNumber: '+1 2065550100', phoneType: 'mobile' },
    build: (body) =>
      phoneMethodFromBody(parseBody(createPhoneMethodBody, body), {
        smsSignInEnabled: getConfig().smsSignInEnabled,
        now: new Date(),
      }),
  },
];

function requestFor(c: Case, userId: string, token: string): HttpRequest {
  return new HttpRequest({
    method: 'POST',
    url: `http://localhost:7071/beta/users/${userId}/${c.collectionPath}`,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    params: { collection: 'users', userId },
    body: { string: JSON.stringify(c.body) },
  });
}

async function measureCase(c: Case, tokens: string[], iterations: number): Promise<InProcessResult> {
  const samples = { total: [] as number[], authentication: [] as number[], validation: [] as number[], response: [] as number[], jsonOnly: [] as number[] };
  const maxBodyBytes = getConfig().maxBodyBytes;
  const bodyText = JSON.stringify(c.body);
  for (let i = 0; i < iterations; i += 1) {
    const userId = randomUUID();
    const request = requestFor(c, userId, tokens[i % tokens.length]!);

    const t0 = performance.now();
    const ids = requestIdsFor(request);
    const caller = await getTokenVerifier().authenticate(request);
    const userKey = resolveUserKey(userId, caller);
    authorize(caller, c.endpoint, userKey);
    const t1 = performance.now();
    const resource = c.build(await readJsonObject(request, maxBodyBytes), userKey);
    const t2 = performance.now();
    created({ request, ids, userIdSegment: userId, userId: userKey, collectionPath: c.collectionPath, resource });
    const t3 = performance.now();
    JSON.stringify(JSON.parse(bodyText));
    const t4 = performance.now();

    samples.authentication.push((t1 - t0) * 1000);
    samples.validation.push((t2 - t1) * 1000);
    samples.response.push((t3 - t2) * 1000);
    samples.total.push((t3 - t0) * 1000);
    samples.jsonOnly.push((t4 - t3) * 1000);
  }
  const summary = (values: number[]): PieceTimes => ({ p50Us: percentile(values, 50), p99Us: percentile(values, 99) });
  return {
    endpoint: c.endpoint,
    iterations,
    total: summary(samples.total),
    authentication: summary(samples.authentication),
    validation: summary(samples.validation),
    response: summary(samples.response),
    jsonOnly: summary(samples.jsonOnly),
  };
}

/** Warms up (JIT, the key set), then measures each endpoint's pieces. */
export async function measureInProcess(tokens: string[], iterations = 3000): Promise<InProcessResult[]> {
  const results: InProcessResult[] = [];
  for (const c of CASES) {
    await measureCase(c, tokens, Math.ceil(iterations / 3));
    results.push(await measureCase(c, tokens, iterations));
  }
  return results;
}
