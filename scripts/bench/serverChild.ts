import { startLocalServer } from '../localServer';

/** The cold-start child: the local server on the port the benchmark polls, silent. */
startLocalServer({ port: Number(process.env.BENCH_SERVER_PORT), quiet: true }).catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
