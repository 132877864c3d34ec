// The group-set comparison of `npm run bench:policy`: a working day of mixed BI + ETL work (src/whatif/generators.ts
// mixedBiEtl) on one warehouse sized for its largest query (one set of large groups) and on a warehouse of two sets
// (small groups for BI, large ones for ETL; Impala's planner routes by per-executor memory, src/sim/planner.ts), both
// under our policy (balanced) in the what-if simulator. Reports waits (all, and per set) and executor-seconds, and checks
// that two sets cost fewer executor-seconds at no worse p95 wait. Run alone (it takes seconds, the suite minutes):
//   npx tsx bench/group-sets.ts [--seed S] [--startup-seconds 60] [--out DIR]
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { seconds } from '../src/client/arguments';
import { parseWarehouseSpec } from '../src/config/warehouse-spec';
import type { WarehouseSpec } from '../src/policy/types';
import type { SimResult } from '../src/whatif/engine';
import { mixedBiEtl } from '../src/whatif/generators';
import { runPolicy } from '../src/whatif/policies';
import type { TraceQuery } from '../src/sim/trace';
import type { WaitStats } from '../src/util/stats';

const LARGE = { executorsPerGroup: 8, queriesPerGroup: 8, executorMemoryMb: 32768 };
const SMALL = { executorsPerGroup: 2, queriesPerGroup: 8, executorMemoryMb: 32768, maxQueryMemMb: 4096 };
const COMMON = { name: 'mixed', namespace: 'default', mode: 'balanced' as const };

/** One large set: every query, BI or ETL, runs on groups of 8 executors with 32 GiB each. */
export const oneLargeSet = (): WarehouseSpec =>
  parseWarehouseSpec({ ...COMMON, groupSet: 'root.default', ...LARGE, nodes: { min: 0, max: 8 * 12 } }, 'one set');

/** The same large set for ETL, and a small set (2 executors of 8 GiB, max-query-mem-limit 4 GiB) for BI. */
export const smallAndLargeSets = (): WarehouseSpec =>
  parseWarehouseSpec(
    {
      ...COMMON,
      groupSets: [
        { groupSet: 'root.small', ...SMALL, nodes: { min: 0, max: 2 * 24 } },
        { groupSet: 'root.large', ...LARGE, nodes: { min: 0, max: 8 * 12 } },
      ],
    },
    'two sets',
  );

export function mixedTrace(seed: string): TraceQuery[] {
  return mixedBiEtl({ seed, spanS: 10 * 3600, biPeakRatePerS: 2, etlEveryS: 900, etlMemoryMb: LARGE.executorMemoryMb });
}

export interface GroupSetComparison {
  one: SimResult;
  two: SimResult;
  /** Two sets' executor-seconds over one set's. */
  costRatio: number;
  holds: boolean;
}

const f1 = (n: number) => n.toFixed(1);
const hours = (s: number) => (s / 3600).toFixed(1);

/** Runs both warehouses on the trace and writes the section with `say`. */
export function compareGroupSets(
  say: (s?: string) => void,
  o: { seed: string; startupSeconds: number },
): GroupSetComparison {
  const trace = mixedTrace(o.seed);
  const isBi = (q: TraceQuery) => q.memMb <= SMALL.maxQueryMemMb;
  const opts = { startupSeconds: o.startupSeconds };
  const one = runPolicy('ours', trace, oneLargeSet(), opts);
  const two = runPolicy('ours', trace, smallAndLargeSets(), opts);
  const bi = trace.filter(isBi).length;
  say('## Executor group sets: mixed BI + ETL');
  say();
  say(
    `A 10-hour working day (seed ${o.seed}): ${bi} BI queries (256–2048 MiB per executor, median 6 s, two daily peaks of ` +
      `2 a second) and ${trace.length - bi} ETL jobs (16–28 GiB per executor, median 10 min, one every 15 min), ours ` +
      `(balanced), start-up ${o.startupSeconds} s. One set: groups of ${LARGE.executorsPerGroup} executors with ` +
      `${LARGE.executorMemoryMb / 1024} GiB run everything. Two sets: root.small (groups of ${SMALL.executorsPerGroup}, ` +
      `${SMALL.executorMemoryMb / 1024} GiB, max-query-mem-limit ${SMALL.maxQueryMemMb / 1024} GiB) and root.large (as ` +
      'the one set); the planner routes each query by its per-executor memory. Run times do not depend on the group ' +
      'size in the simulator (a BI query is assumed as fast on 2 executors as on 8).',
  );
  say();
  say(
    '| warehouse | set | queries | p50 wait s | p95 wait s | p99 wait s | max wait s | group-h | executor-h | peak groups |',
  );
  say('|---|---|---|---|---|---|---|---|---|---|');
  const row = (name: string, set: string, n: number, w: WaitStats, gs: number, es: number, peak: number) =>
    say(
      `| ${name} | ${set} | ${n} | ${f1(w.p50)} | ${f1(w.p95)} | ${f1(w.p99)} | ${f1(w.max)} | ${hours(gs)} | ${hours(es)} | ${peak} |`,
    );
  row('one set', 'all', one.queries, one.wait, one.groupSeconds, one.executorSeconds, one.peakGroups);
  row('two sets', 'all', two.queries, two.wait, two.groupSeconds, two.executorSeconds, two.peakGroups);
  for (const [set, g] of Object.entries(two.groupSets!))
    row('two sets', set, g.queries, g.wait, g.groupSeconds, g.executorSeconds, g.peakGroups);
  say();
  const costRatio = two.executorSeconds / one.executorSeconds;
  const holds = costRatio < 1 && two.wait.p95 <= one.wait.p95;
  say(
    `Two sets cost ${(costRatio * 100).toFixed(0)} % of one set's executor-seconds ` +
      `(${hours(two.executorSeconds)} vs ${hours(one.executorSeconds)} executor-hours) at a p95 wait of ` +
      `${f1(two.wait.p95)} s vs ${f1(one.wait.p95)} s: ${holds ? 'fewer executor-seconds at no worse p95 wait (holds)' : '**does not hold**'}.`,
  );
  say();
  return { one, two, costRatio, holds };
}

if (require.main === module) {
  const cli = new Command('bench:group-sets')
    .option('--seed <seed>', 'trace generator seed', 'impala-autoscaler')
    .option(
      '--startup-seconds <s>',
      'time from creating a group to its being ready',
      seconds('--startup-seconds', 0),
      60,
    )
    .option('--out <dir>', 'where to write group-sets.md', join(__dirname, 'results'))
    .parse();
  const { seed, startupSeconds, out } = cli.opts<{ seed: string; startupSeconds: number; out: string }>();
  const lines: string[] = [];
  const say = (s = '') => {
    lines.push(s);
    process.stdout.write(`${s}\n`);
  };
  const r = compareGroupSets(say, { seed, startupSeconds });
  writeFileSync(join(out, 'group-sets.md'), `${lines.join('\n')}\n`);
  process.stderr.write(`wrote ${join(out, 'group-sets.md')}\n`);
  if (!r.holds) process.exitCode = 1;
}
