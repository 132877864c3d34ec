// `npm run stack:up` / `npm run stack:down`: the production Temporal topology (docker-compose.yml's Temporal server on
// PostgreSQL, set up by its deploy/compose/ scripts) left running on loopback, without Docker. `up` builds or installs
// what is missing (scripts/ensure-temporal-server.sh), returns once the namespace and the search attributes are
// registered, and prints `TEMPORAL_ADDRESS=<host:port>` as its last line.
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runningDetachedStack, startPostgresStack, stopDetachedStack } from '../src/devenv/postgres-stack';

const DIR = process.env.IMPALA_AUTOSCALER_STACK_DIR || join(tmpdir(), 'impala-autoscaler-stack');

async function up(): Promise<void> {
  const running = runningDetachedStack(DIR);
  if (running) {
    console.log(`stack already running (state in ${DIR}; stop it with npm run stack:down)`);
    console.log(`TEMPORAL_ADDRESS=${running.address}`);
    return;
  }
  // Leftovers of a stack that died, a failed start (its processes were stopped, its logs kept) or a reboot.
  await stopDetachedStack(DIR);
  rmSync(DIR, { recursive: true, force: true });
  const stack = await startPostgresStack({ dir: DIR, detached: true, log: (line) => console.log(line) });
  console.log(`TEMPORAL_ADDRESS=${stack.address}`);
}

async function down(): Promise<void> {
  const t0 = Date.now();
  if (await stopDetachedStack(DIR)) console.log(`stack stopped in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  else console.log(`no stack recorded in ${DIR}`);
}

const command = process.argv[2];
const run = command === 'up' ? up : command === 'down' ? down : undefined;
if (!run) {
  console.error('usage: tsx scripts/stack.ts up|down');
  process.exit(2);
}
run().then(
  () => process.exit(0),
  (err: Error) => {
    console.error(`stack ${command}: ${err.message}`);
    process.exit(1);
  },
);
