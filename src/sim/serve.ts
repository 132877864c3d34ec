// Standalone coordinator simulator with a fixed set of healthy groups (no autoscaler attached), for trying the
// reader, `probe` and the workload driver by hand:
//   npx tsx src/sim/serve.ts --port 25000 --groups 1 --executors-per-group 2 --queries-per-group 12 --executor-memory-mb 16384
import { startCoordinator } from './coordinator';
import { fixedMembership } from './in-process-membership';

function option(argv: string[], name: string, fallback: number): number {
  const i = argv.indexOf(name);
  if (i < 0) return fallback;
  const n = Number(argv[i + 1]);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer (got "${argv[i + 1]}")`);
  return n;
}

async function main(argv: string[]): Promise<void> {
  const groups = option(argv, '--groups', 1);
  const executorsPerGroup = option(argv, '--executors-per-group', 2);
  const sim = await startCoordinator({
    port: option(argv, '--port', 25000),
    membership: fixedMembership(groups, executorsPerGroup),
    executorsPerGroup,
    queriesPerGroup: option(argv, '--queries-per-group', 12),
    executorMemoryMb: option(argv, '--executor-memory-mb', 16384),
  });
  process.stdout.write(
    `coordinator simulator on ${sim.url} with ${groups} group(s) of ${executorsPerGroup} executors\n`,
  );
  const stop = (): void => void sim.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main(process.argv.slice(2)).catch((err: Error) => {
  process.stderr.write(`simulator: ${err.message}\n`);
  process.exit(1);
});
