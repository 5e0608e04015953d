import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { configVariableNames } from '../../shared/config';
import type { Operation } from '../../shared/http/operation';
import { registrationsOf } from '../../shared/http/pipeline';
import type { OwnedServices } from '../../shared/services';
import { BUNDLE_FILE, ROOT, bundle } from '../bundle';
import { startLocalServer } from '../localServer';
import { BASELINES } from './baselines';
import { measureCosmosBytes } from './cosmosBytes';
import { describeBatching, measureBatchVsSequential, measureBulk } from './batch';
import { CosmosProbe } from './cosmosProbe';
import { DirectoryAudit } from './directoryAudit';
import { FIXTURES } from './fixtures';
import { measureStages, type StageTimes } from './inProcess';
import { placement } from './cores';
import { startLoadRunner } from './loadChild';
import { measureMemory } from './memory';
import { measurePackage } from '../package';
import type { RunResult } from './report';
import { startStorageOnlyServer } from './servers';
import { startStorageProcess } from './storage';
import { measureColdStart, measureImports } from './startup';
import { measureThroughput } from './throughput';
import { createdOnce, mintTokens } from './tokens';
import { startStandInDirectory } from '../../test/support/standInDirectory';
import { startStandInManagedIdentity } from '../../test/support/standInManagedIdentity';
import { DIRECTORY_CACHE_DEFAULTS } from '../../shared/users/directoryCache';

/**
 * One benchmark run on the Node that runs this file (index.ts starts it with --expose-gc, once per
 * Node asked for) and writes its figures as JSON to the path in argv[2]. Load comes from separate
 * processes (autocannon) and storage is a process of its own (storage.ts); the service and the
 * storage-only server share this one, so its CPU, memory, key-set fetches and Cosmos clients are
 * theirs alone.
 */

const int = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
// Overridable for a quick smoke run (BENCH_ROUNDS=1 BENCH_COSMOS_BUDGET=400 BENCH_SOAK=2000); docs/performance.md uses the defaults.
const SETTINGS = {
  rounds: int('BENCH_ROUNDS', 5),
  cosmosBudget: int('BENCH_COSMOS_BUDGET', 3000),
  turns: int('BENCH_TURNS', 5),
  connections: 10,
  inProcessIterations: int('BENCH_ITERATIONS', 5000),
  misses: int('BENCH_MISSES', 1000),
  warmupRequests: int('BENCH_WARMUP', 5000),
  soakRequests: int('BENCH_SOAK', 30_000),
};
const TOKEN_POOL = 50;
/** The origin of the links in the service's answers (a reserved name: nothing follows them here). */
const BENCH_PUBLIC_BASE_URL = 'https://phones.bench.example';

function log(step: string): void {
  console.error(`bench[${process.version}]: ${step}`);
}

async function main(outFile: string): Promise<void> {
  const startedAt = new Date().toISOString();
  if (!existsSync(path.join(ROOT, BUNDLE_FILE))) await bundle();
  log('package size and a load without node_modules');
  const pkg = measurePackage();
  log('import times');
  const imports = await measureImports(SETTINGS.rounds);
  log('cold start');
  const coldStart = await measureColdStart(SETTINGS.rounds, createdOnce);

  // None of the service's variables from the shell: storage is the benchmark's own process, the issuer the development one; SMS sign-in on, so the SMS actions do their real work.
  // PUBLIC_BASE_URL set, as infra/ always sets it: links are built from it, not from each request's URL.
  // Users are resolved through a stand-in Microsoft Graph on loopback (every object id is a user), with
  // the real ManagedIdentityCredential against a stand-in App Service identity endpoint: the directory
  // is on, as in Azure, and its calls are counted.
  const storage = await startStorageProcess();
  // Before the first Cosmos request, so that it sees every socket from its first byte (cosmosProbe.ts).
  const probe = CosmosProbe.forEndpoint(storage.endpoint);
  const directory = await startStandInDirectory({ everyObjectIdExists: true });
  const identity = await startStandInManagedIdentity();
  const env = {
    ...Object.fromEntries(configVariableNames.map((name) => [name, undefined])),
    COSMOS_ENDPOINT: storage.endpoint,
    COSMOS_KEY: storage.key,
    // The benchmark's storage is a disposable emulator on loopback: the development issuer may run over it.
    LOCAL_DEV_ISSUER: '1',
    SMS_SIGN_IN_ENABLED: 'true',
    PUBLIC_BASE_URL: BENCH_PUBLIC_BASE_URL,
    DIRECTORY_ENDPOINT: directory.url,
    ...identity.env(),
  };
  const server = await startLocalServer({ port: 0, quiet: true, env }).catch(async (error: unknown) => {
    probe.close();
    storage.stop();
    await directory.close();
    await identity.close();
    throw error;
  });
  // Loaded only now: the local server records the entry's registrations when it first loads it.
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded late, synchronously, from the same module cache the local server recorded
  const { processServices } = require('../../functions/index') as { processServices: () => OwnedServices };
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- as above
  const { operations } = require('../../functions/operations') as { operations: readonly Operation[] };
  const services = processServices();
  probe.countClientsFromHere();
  const storageOnly = await startStorageOnlyServer(services, operations);
  const load = startLoadRunner();
  // The service's cache is built with the default bound; its lifetime is the configured one.
  const audit = new DirectoryAudit(
    directory.calls,
    DIRECTORY_CACHE_DEFAULTS.maxFound,
    (services.config.directory?.cacheSeconds ?? DIRECTORY_CACHE_DEFAULTS.foundSeconds) * 1000,
  );
  try {
    if (new URL(services.config.cosmos.endpoint).origin !== new URL(storage.endpoint).origin)
      throw new Error('the service does not use the storage process');
    if (!server.devIssuer) throw new Error('the benchmark needs the development issuer: unset AUTH_* first');
    const issuer = server.devIssuer;
    const tokens = await mintTokens(issuer, TOKEN_POOL);
    const withoutFixture = operations.filter((op) => !FIXTURES[op.name] || !BASELINES[op.name]).map((op) => op.name);
    if (withoutFixture.length > 0)
      log(`NOT MEASURED (no fixture or baseline in scripts/bench): ${withoutFixture.join(', ')}`);

    log(
      `throughput: ${operations.length - withoutFixture.length} operations x ${SETTINGS.rounds} rounds, about ${SETTINGS.cosmosBudget} Cosmos requests a side per round in up to ${SETTINGS.turns} turns of endpoint, baseline, baseline, endpoint`,
    );
    const throughput = await measureThroughput(
      operations,
      {
        services,
        load,
        probe,
        origins: { service: new URL(server.url).origin, storageOnly: storageOnly.origin },
        tokens,
        settings: SETTINGS,
        audit,
      },
      log,
    );

    log('in-process stages and floors');
    const registrations = registrationsOf(operations).filter(
      (r) => r.version === 'beta' && !r.me && FIXTURES[r.operation.name],
    );
    const stages: StageTimes[] = [];
    for (let round = 0; round < SETTINGS.rounds; round += 1) {
      const fresh = await mintTokens(issuer, SETTINGS.misses);
      stages.push(await measureStages(registrations, services, tokens[0]!, fresh, SETTINGS.inProcessIterations));
    }

    log(`memory: ${SETTINGS.warmupRequests} warm-up requests, then a soak of ${SETTINGS.soakRequests}`);
    const memory = await measureMemory(
      services,
      audit,
      load,
      new URL(server.url).origin,
      tokens,
      SETTINGS.connections,
      SETTINGS.warmupRequests,
      SETTINGS.soakRequests,
    );

    log("bytes to and from Cosmos as a user's profile phones grow");
    const cosmosBytes = await measureCosmosBytes(services, load, probe, new URL(server.url).origin, tokens, log);
    log('batching: a batch of 20 creates against 20 sequential creates, then bulk-phones on generated rows');
    const batching = {
      batchVsSequential: await measureBatchVsSequential(server.url, issuer, SETTINGS.rounds),
      bulk: await measureBulk(int('BENCH_BULK_ROWS', 10_000), log),
    };
    for (const line of describeBatching(batching)) log(line);

    const result: RunResult = {
      startedAt,
      node: process.version,
      placement,
      settings: SETTINGS,
      withoutFixture,
      throughput,
      stages,
      memory,
      cosmosBytes,
      counters: {
        keySetFetches: services.keySet.fetchCount,
        cosmosClients: probe.clients,
        cosmosRequests: probe.requests,
        directoryCalls: directory.calls.length,
        directoryUsers: new Set(directory.calls.map((call) => call.key.toLowerCase())).size,
        directoryCallsAfterBound: audit.afterBound,
        directoryCallsAfterExpiry: audit.afterExpiry,
      },
      coldStart,
      imports,
      package: pkg,
      batching,
    };
    writeFileSync(outFile, JSON.stringify(result));
  } finally {
    load.stop();
    probe.close();
    await storageOnly.close();
    await server.close();
    storage.stop();
    await directory.close();
    await identity.close();
  }
}

main(process.argv[2] ?? path.join(ROOT, 'bench-results', 'run.json')).catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
