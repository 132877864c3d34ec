// `impala-autoscaler simulate`: replays a workload trace against a warehouse and a policy in the what-if simulator
// (src/whatif/), and reports queue waits and executor-group-seconds. Deterministic: same input, same output.
import { readFileSync, writeFileSync } from 'node:fs';
import { Command, InvalidArgumentError, Option } from 'commander';
import { seconds } from '../arguments';
import { addPoolFlags, poolLimitsOf, type PoolFlags } from '../pool-flags';
import { MODES } from '../../config/warehouse-spec';
import type { Mode } from '../../policy/types';
import { timelineSvg } from '../../whatif/chart';
import type { SimResult } from '../../whatif/engine';
import { isPolicyName, POLICY_NAMES, runPolicy, type PolicyName } from '../../whatif/policies';
import { loadSimSpec } from '../../whatif/spec-file';
import { parseTraceCsv } from '../../sim/trace';

export interface SimulateOptions extends PoolFlags {
  trace: string;
  spec?: string;
  mode?: Mode;
  startupSeconds: number;
  pollSeconds?: number;
  policy: PolicyName;
  json?: boolean;
  chart?: string;
}

export interface SimulateJson {
  policy: string;
  mode?: Mode;
  queries: number;
  /** Queries Impala rejected: the queue timeout, a full queue, or more memory than an executor or the pool admits. */
  rejected: number;
  /** Of `rejected`, those the pool's queue timeout rejected. */
  timedOut: number;
  wait: { mean: number; p50: number; p95: number; p99: number; max: number };
  groupSeconds: number;
  groupSecondsPerQuery: number;
  /** Each group's seconds times its executors: what the warehouse's nodes cost. */
  executorSeconds: number;
  /** Per executor group set, for a spec with groupSets. */
  groupSets?: Record<
    string,
    {
      groupSeconds: number;
      executorSeconds: number;
      wait: { p50: number; p95: number; p99: number; max: number };
      peakGroups: number;
    }
  >;
  scaleActions: number;
  suspends: number;
  resumes: number;
  peakGroups: number;
  simulatedSeconds: number;
  startupSeconds: number;
  pollSeconds: number;
}

const round = (n: number) => Math.round(n * 1000) / 1000;

export function toJson(
  r: SimResult,
  policy: PolicyName,
  mode: Mode | undefined,
  startupSeconds: number,
  pollSeconds: number,
): SimulateJson {
  return {
    policy,
    ...(policy === 'ours' ? { mode } : {}),
    queries: r.queries,
    rejected: r.rejected,
    timedOut: r.timedOut,
    wait: {
      mean: round(r.wait.mean),
      p50: round(r.wait.p50),
      p95: round(r.wait.p95),
      p99: round(r.wait.p99),
      max: round(r.wait.max),
    },
    groupSeconds: round(r.groupSeconds),
    groupSecondsPerQuery: round(r.groupSecondsPerQuery),
    executorSeconds: round(r.executorSeconds),
    ...(r.groupSets
      ? {
          groupSets: Object.fromEntries(
            Object.entries(r.groupSets).map(([set, g]) => [
              set,
              {
                groupSeconds: round(g.groupSeconds),
                executorSeconds: round(g.executorSeconds),
                wait: {
                  p50: round(g.wait.p50),
                  p95: round(g.wait.p95),
                  p99: round(g.wait.p99),
                  max: round(g.wait.max),
                },
                peakGroups: g.peakGroups,
              },
            ]),
          ),
        }
      : {}),
    scaleActions: r.scaleActions,
    suspends: r.suspends,
    resumes: r.resumes,
    peakGroups: r.peakGroups,
    simulatedSeconds: round(r.horizonS),
    startupSeconds,
    pollSeconds,
  };
}

function text(j: SimulateJson, wallS: number): string {
  const s = (n: number) => `${n.toFixed(1)} s`;
  return [
    `policy ${j.policy}${j.mode ? ` (${j.mode})` : ''}: ${j.queries} queries${j.rejected ? ` (${j.rejected} rejected by Impala, ${j.timedOut} of them on the queue timeout)` : ''}, ` +
      `${(j.simulatedSeconds / 3600).toFixed(2)} h simulated in ${wallS.toFixed(2)} s`,
    `queue wait: mean ${s(j.wait.mean)}, p50 ${s(j.wait.p50)}, p95 ${s(j.wait.p95)}, p99 ${s(j.wait.p99)}, max ${s(j.wait.max)}`,
    `executor-group-seconds: ${Math.round(j.groupSeconds)} (${(j.groupSeconds / 3600).toFixed(1)} group-hours), ${j.groupSecondsPerQuery.toFixed(1)} per query, peak ${j.peakGroups} groups`,
    `executor-seconds: ${Math.round(j.executorSeconds)} (${(j.executorSeconds / 3600).toFixed(1)} executor-hours)`,
    ...Object.entries(j.groupSets ?? {}).map(
      ([set, g]) =>
        `Group Set: ${set}: queue wait p50 ${s(g.wait.p50)}, p95 ${s(g.wait.p95)}, max ${s(g.wait.max)}; ` +
        `${Math.round(g.groupSeconds)} group-seconds, ${Math.round(g.executorSeconds)} executor-seconds, peak ${g.peakGroups} groups`,
    ),
    `scale actions: ${j.scaleActions}, suspends: ${j.suspends}, resumes: ${j.resumes}`,
    '',
  ].join('\n');
}

export function runSimulate(o: SimulateOptions, out: (s: string) => void, err: (s: string) => void): SimulateJson {
  let csv: string;
  try {
    csv = readFileSync(o.trace, 'utf8');
  } catch (e) {
    throw new Error(`${o.trace}: cannot read the trace (${(e as Error).message})`);
  }
  const trace = parseTraceCsv(csv, o.trace);
  const spec = loadSimSpec(o.spec, { mode: o.mode, pollSeconds: o.pollSeconds });
  const long = trace.length >= 10000;
  const started = Date.now();
  const result = runPolicy(o.policy, trace, spec, {
    startupSeconds: o.startupSeconds,
    poolLimits: poolLimitsOf(o),
    onProgress: long
      ? (done) => err(`simulate: ${Math.round(done * 100)}% of ${trace.length} arrivals replayed\n`)
      : undefined,
  });
  const wallS = (Date.now() - started) / 1000;
  const j = toJson(result, o.policy, spec.mode, o.startupSeconds, spec.pollIntervalSeconds);
  if (o.chart) {
    const label = o.policy === 'ours' ? `ours, ${spec.mode}` : o.policy;
    writeFileSync(
      o.chart,
      timelineSvg(`${o.trace}: ${label} — queued, running, executor groups`, { label, points: result.timeline }),
    );
  }
  out(o.json ? `${JSON.stringify(j)}\n` : text(j, wallS));
  return j;
}

export function registerSimulate(program: Command): void {
  const cmd = program
    .command('simulate')
    .description(
      'replay a workload trace against a warehouse and a scaling policy (what-if); report queue waits and executor-group-seconds',
    )
    .requiredOption(
      '--trace <file.csv>',
      'the workload: rows of arrival_s,duration_s[,mem_mb][,pool] (mem_mb per executor)',
    )
    .option(
      '--spec <file.yaml>',
      'one warehouse in the configuration format (default: MEDIUM, 0–200 nodes, other fields default)',
    )
    .addOption(new Option('--mode <mode>', "overrides the spec's mode").choices(MODES as Mode[]))
    .option(
      '--startup-seconds <s>',
      'time from creating a group to its being ready',
      seconds('--startup-seconds', 0),
      60,
    )
    .option(
      '--poll-seconds <s>',
      "the control loop's period (default: the spec's pollIntervalSeconds, 20)",
      seconds('--poll-seconds', 1),
    )
    .option(
      '--policy <name>',
      `one of ${POLICY_NAMES.join(', ')}`,
      (v: string) => {
        if (!isPolicyName(v))
          throw new InvalidArgumentError(`unknown policy '${v}'; one of ${POLICY_NAMES.join(', ')}`);
        return v;
      },
      'ours',
    )
    .option('--json', 'print one JSON object on stdout')
    .option('--chart <file.svg>', 'write a timeline chart (queued, running, groups)');
  addPoolFlags(cmd).action((o: SimulateOptions) => {
    runSimulate(
      o,
      (s) => process.stdout.write(s),
      (s) => process.stderr.write(s),
    );
  });
}
