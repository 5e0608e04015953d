import { performance } from 'node:perf_hooks';
import { HttpRequest, InvocationContext, type HttpResponseInit } from '@azure/functions';
import type { CryptoKey } from 'jose';
import { createTokenVerifier } from '../../shared/auth/verifyToken';
import type { Operation } from '../../shared/http/operation';
import type { Registration } from '../../shared/http/pipeline';
import { handle } from '../../shared/http/pipeline';
import type { OwnedServices } from '../../shared/services';
import { compileRoute, matchRoute } from '../../shared/http/routeTemplates';
import { FIXTURES, prepareUsers } from './fixtures';
import { cryptoFloor, jsonZodFloor, joseFloor, kidOf } from './floors';
import { percentile } from './stats';

/**
 * The service's own cost per request, storage left out, with the real pipeline (`handle`) and the
 * process's services. Each operation runs once for real on a prepared user; its result is kept and
 * every timed call answers with it, so the timed part is exactly authenticate, resolve, authorize,
 * parse path/query/body, render and log. Next to each stage, its floors on the same input.
 */

export interface Times {
  p50Us: number;
  p99Us: number;
}

export interface StageTimes {
  /** verifier.authenticate with the token already in the cache (answered without a Promise). */
  authHit: Times;
  /** verifier.authenticate with a token it has never seen (fresh token per call, cache on). */
  authMiss: Times;
  jose: Times;
  crypto: Times;
  /** Per operation: the whole pipeline on a cache hit, and JSON.parse + zod of its body (if it has one). */
  operations: Array<{ operation: string; total: Times; jsonZod?: Times }>;
}

const BASE = 'http://127.0.0.1:7071';

function summary(samples: number[]): Times {
  return { p50Us: percentile(samples, 50), p99Us: percentile(samples, 99) };
}

async function timeAsync<T>(inputs: readonly T[], run: (input: T) => Promise<unknown>): Promise<Times> {
  const samples: number[] = [];
  for (const input of inputs) {
    const t0 = performance.now();
    await run(input);
    samples.push((performance.now() - t0) * 1000);
  }
  return summary(samples);
}

function timeSync<T>(inputs: readonly T[], run: (input: T) => unknown): Times {
  const samples: number[] = [];
  for (const input of inputs) {
    const t0 = performance.now();
    run(input);
    samples.push((performance.now() - t0) * 1000);
  }
  return summary(samples);
}

const requestWith = (token: string) =>
  new HttpRequest({
    method: 'GET',
    url: `${BASE}/beta/me/profile/phones`,
    headers: { authorization: `Bearer ${token}` },
  });

interface Prepared {
  registration: Registration;
  handler: ReturnType<typeof handle>;
  newRequest: () => HttpRequest;
  bodyText?: string;
}

/** The operation's registration with `run` answering its first real result every time after. */
async function prepare(registration: Registration, services: OwnedServices, token: string): Promise<Prepared> {
  const operation = registration.operation;
  const { userId, request } = (await prepareUsers(FIXTURES[operation.name]!, services.containers, 1))[0]!;
  let kept: Awaited<ReturnType<Operation['run']>> | undefined;
  const replay: Registration = {
    ...registration,
    operation: { ...operation, run: async (input) => (kept ??= await operation.run(input)) },
  };
  const url = `${BASE}/beta/users/${userId}/${request.path}`;
  const params = matchRoute(compileRoute('beta', registration.route), new URL(url).pathname);
  if (!params) throw new Error(`${registration.name}: the fixture's path does not match ${registration.route}`);
  const bodyText = request.body ? JSON.stringify(request.body) : undefined;
  const headers: Record<string, string> = {
    authorization: `Bearer ${token}`,
    ...(bodyText ? { 'content-type': 'application/json' } : {}),
  };
  const newRequest = () =>
    new HttpRequest({
      method: request.method as 'GET',
      url,
      headers,
      params,
      ...(bodyText ? { body: { string: bodyText } } : {}),
    });
  return { registration, handler: handle(replay, () => services), newRequest, bodyText };
}

const context = (name: string) =>
  new InvocationContext({ functionName: name, invocationId: 'bench', logHandler: () => undefined });

async function invoke(prepared: Prepared, request: HttpRequest): Promise<void> {
  const response = (await prepared.handler(request, context(prepared.registration.name))) as HttpResponseInit;
  const status = response.status ?? 200;
  if (status < 200 || status > 299)
    throw new Error(`${prepared.registration.name} answered ${status} in-process: ${String(response.body)}`);
}

/**
 * One round. `hitToken` is already verified by the services' verifier; `freshTokens` are valid
 * tokens never presented before (one per miss).
 */
export async function measureStages(
  registrations: readonly Registration[],
  services: OwnedServices,
  hitToken: string,
  freshTokens: readonly string[],
  iterations: number,
): Promise<StageTimes> {
  const key = services.keySet.currentKey(kidOf(hitToken)) as CryptoKey | undefined;
  if (!key) throw new Error('the key set holds no key for the benchmark tokens');
  const jose = joseFloor(services.config.auth, key);
  const crypto = cryptoFloor(key);
  // A verifier of its own for misses (same key set, so no extra fetch): the services' cache keeps the load tokens.
  const missVerifier = createTokenVerifier(services.config.auth, services.keySet);
  const hitRequests = Array.from({ length: iterations }, () => requestWith(hitToken));
  const missRequests = freshTokens.map(requestWith);

  await services.verifier.authenticate(requestWith(hitToken));
  const authHit = timeSync(hitRequests, (request) => {
    if (services.verifier.authenticate(request) instanceof Promise)
      throw new Error('a cached token was not answered from the cache');
  });
  // Miss, jose and crypto take turns on each fresh token (same token, same moment); the first tenth warms up.
  const samples = { miss: [] as number[], jose: [] as number[], crypto: [] as number[] };
  const warmup = Math.floor(freshTokens.length / 10);
  for (const [i, token] of freshTokens.entries()) {
    const t0 = performance.now();
    await missVerifier.authenticate(missRequests[i]!);
    const t1 = performance.now();
    await jose(token);
    const t2 = performance.now();
    crypto(token);
    const t3 = performance.now();
    if (i < warmup) continue;
    samples.miss.push((t1 - t0) * 1000);
    samples.jose.push((t2 - t1) * 1000);
    samples.crypto.push((t3 - t2) * 1000);
  }
  if (missVerifier.stats.verifications !== freshTokens.length || missVerifier.stats.cacheHits !== 0)
    throw new Error('a miss was answered from the cache');
  const [authMiss, joseTimes, cryptoTimes] = [summary(samples.miss), summary(samples.jose), summary(samples.crypto)];

  const operations: StageTimes['operations'] = [];
  for (const registration of registrations) {
    const prepared = await prepare(registration, services, hitToken);
    for (let i = 0; i < Math.min(200, iterations); i += 1) await invoke(prepared, prepared.newRequest());
    const requests = Array.from({ length: iterations }, prepared.newRequest);
    const total = await timeAsync(requests, (request) => invoke(prepared, request));
    const schema = registration.operation.body;
    const jsonZod =
      schema && prepared.bodyText
        ? timeSync(Array(iterations).fill(prepared.bodyText) as string[], jsonZodFloor(schema))
        : undefined;
    operations.push({ operation: registration.operation.name, total, ...(jsonZod ? { jsonZod } : {}) });
  }
  return { authHit, authMiss, jose: joseTimes, crypto: cryptoTimes, operations };
}
