// Standalone coordinator simulator with a fixed set of healthy groups (no autoscaler attached), for trying the
// reader, `probe` and the workload driver by hand:
//   npx tsx src/sim/serve.ts --port 25000 --groups 1 --executors-per-group 2 --queries-per-group 12 --executor-memory-mb 16384
// or with several executor group sets (each with --groups groups; sizes from the list, as Impala's flag gives them):
//   npx tsx src/sim/serve.ts --expected-executor-group-sets root.small:2,root.large:8 --max-query-mem-mb root.small=4096
import { startCoordinator } from './coordinator';
import { groupSetOptionsFromFlags } from './group-set-flags';
import { fixedMembership } from './in-process-membership';

function text(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(name);
  return i < 0 ? undefined : argv[i + 1];
}

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
  const queriesPerGroup = option(argv, '--queries-per-group', 12);
  const executorMemoryMb = option(argv, '--executor-memory-mb', 16384);
  const expectedExecutorGroupSets = text(argv, '--expected-executor-group-sets');
  const sets =
    expectedExecutorGroupSets === undefined
      ? undefined
      : groupSetOptionsFromFlags(
          {
            expectedExecutorGroupSets,
            maxQueryMemMb: text(argv, '--max-query-mem-mb'),
            queriesPerGroup,
            executorMemoryMb,
          },
          (s) => fixedMembership(groups, s.executorsPerGroup),
        );
  const sim = await startCoordinator({
    port: option(argv, '--port', 25000),
    ...(sets ? { sets } : { membership: fixedMembership(groups, executorsPerGroup) }),
    executorsPerGroup,
    queriesPerGroup,
    executorMemoryMb,
  });
  const described = sets
    ? sets.map((s) => `${s.groupSet}: ${groups} group(s) of ${s.executorsPerGroup}`).join(', ')
    : `${groups} group(s) of ${executorsPerGroup} executors`;
  process.stdout.write(`coordinator simulator on ${sim.url} with ${described}\n`);
  const stop = (): void => void sim.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main(process.argv.slice(2)).catch((err: Error) => {
  process.stderr.write(`simulator: ${err.message}\n`);
  process.exit(1);
});
