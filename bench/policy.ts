// `npm run bench:policy`: every generated trace × every policy (ours in its three modes) in the what-if simulator.
// Prints a markdown table per trace with ratios to the oracle and to static-max, checks the modes' targets, reports
// simulated seconds per wall second on the largest trace, and writes the tables and one timeline chart per trace to
// bench/results/. Deterministic: traces come from a fixed seed.
//   npx tsx bench/policy.ts [--quick] [--seed S] [--startup-seconds 60] [--out DIR]
// The executor group set comparison alone: npm run bench:group-sets (bench/group-sets.ts).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { seconds } from '../src/client/arguments';
import { MODES } from '../src/config/warehouse-spec';
import type { Mode, WarehouseSpec } from '../src/policy/types';
import { timelineSvg } from '../src/whatif/chart';
import { simulate, type SimResult } from '../src/whatif/engine';
import { initialState } from '../src/policy/decide';
import { OursPolicy } from '../src/whatif/policies/ours';
import { benchmarkTraces, firstDay, RECURRING_DAYS } from '../src/whatif/generators';
import { runPolicy, type PolicyName } from '../src/whatif/policies';
import { poolLimitTraces } from '../src/whatif/pool-limit-traces';
import type { PoolLimits } from '../src/sim/admission-model';
import { loadSimSpec } from '../src/whatif/spec-file';
import { SEED_SETS, type SeedSet } from '../src/whatif/suite/seeds';
import { compareGroupSets } from './group-sets';
import { describeFamilies, runSet, startsPerHour } from './policy-suite';
import type { TraceQuery } from '../src/sim/trace';

const cli = new Command('bench:policy')
  .description('every generated trace × every policy in the what-if simulator; writes bench/results/')
  .option('--quick', 'traces a quarter as long', false)
  .option('--seed <seed>', 'trace generator seed', 'impala-autoscaler')
  .option('--startup-seconds <s>', 'time from creating a group to its being ready', seconds('--startup-seconds', 0), 60)
  .option('--out <dir>', 'where to write policy.md and the charts', join(__dirname, 'results'))
  .option(
    '--suite <sets>',
    'generated suite seed sets to run: develop,report, develop, report or none',
    'develop,report',
  )
  .option('--suite-trace <id>', 'run one suite trace, e.g. office/report-2 (instead of the sets)')
  .option('--suite-only', 'skip the named traces above the suite', false)
  .option(
    '--slow-startup-seconds <s>',
    'a second start-up the reporting set also runs with',
    seconds('--slow-startup-seconds', 0),
    180,
  )
  .parse();
const {
  quick,
  seed,
  startupSeconds: startup,
  out: outDir,
  suite: suiteSets,
  suiteTrace,
  suiteOnly,
  slowStartupSeconds,
} = cli.opts<{
  quick: boolean;
  seed: string;
  startupSeconds: number;
  out: string;
  suite: string;
  suiteTrace?: string;
  suiteOnly: boolean;
  slowStartupSeconds: number;
}>();
const sets = suiteSets === 'none' ? [] : suiteSets.split(',');
for (const s of sets)
  if (!(SEED_SETS as string[]).includes(s))
    cli.error(`--suite ${suiteSets}: expected a comma-separated list of ${SEED_SETS.join(', ')}, or none`);
const wallStart = process.hrtime.bigint();

const BASELINES: PolicyName[] = [
  'legacy',
  'impala-test',
  'snowflake-standard',
  'snowflake-economy',
  'hpa',
  'static-max',
  'oracle',
];

interface Row {
  label: string;
  r: SimResult;
  wallS: number;
}

const base = loadSimSpec(undefined);
const poll = base.pollIntervalSeconds;
const specFor = (mode: Mode): WarehouseSpec => ({ ...base, mode });

const f1 = (n: number) => n.toFixed(1);
const ratio = (a: number, b: number) => (b > 0 ? `${(a / b).toFixed(2)}×` : '–');

const lines: string[] = [];
const say = (s = '') => {
  lines.push(s);
  process.stdout.write(`${s}\n`);
};

say(`# Policy benchmark (seed \`${seed}\`${quick ? ', quick' : ''})`);
say();
say(
  `Warehouse: ${base.size} (${base.executorsPerGroup} executors a group), ${base.nodes.min / base.executorsPerGroup}–${base.nodes.max / base.executorsPerGroup} groups, ` +
    `${base.queriesPerGroup} queries a group, ${base.executorMemoryMb} MB per executor, auto-suspend ${base.autoSuspend.timeoutSeconds} s; ` +
    `start-up ${startup} s, poll ${poll} s. Waits in seconds; cost in executor-group-hours (groups counted from create to removal).`,
);
say();
say(
  `The recurring traces (diurnal, bursty-bi) run ${RECURRING_DAYS} days, so that pre-warming from the warehouse's own history ` +
    `(aggressive and balanced) has yesterday's load from day 2 and last week's on day 8; their first day alone, with no ` +
    `history, is shown under each (the whole trace was one and two days long before pre-warming existed).`,
);
say();

const results = new Map<string, Map<string, SimResult>>();
let largest: { name: string; simS: number; wallS: number; queries: number } | undefined;
mkdirSync(outDir, { recursive: true });

function timed(
  label: string,
  name: PolicyName,
  trace: TraceQuery[],
  spec: WarehouseSpec,
  poolLimits?: PoolLimits,
): Row {
  const t0 = process.hrtime.bigint();
  const r = runPolicy(name, trace, spec, { startupSeconds: startup, poolLimits });
  process.stderr.write('.');
  return { label, r, wallS: Number(process.hrtime.bigint() - t0) / 1e9 };
}

function table(rows: Row[], oracle: SimResult, staticMax: SimResult): void {
  say(
    '| policy | wait mean | p50 | p95 | p99 | max | rejected | group-hours | ÷ oracle | ÷ static-max | scale actions | starts/h | pre-warmed groups | suspends | resumes | peak groups |',
  );
  say('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const { label, r } of rows) {
    say(
      `| ${label} | ${f1(r.wait.mean)} | ${f1(r.wait.p50)} | ${f1(r.wait.p95)} | ${f1(r.wait.p99)} | ${f1(r.wait.max)} | ${r.rejected} | ${f1(r.groupSeconds / 3600)} | ` +
        `${ratio(r.groupSeconds, oracle.groupSeconds)} | ${ratio(r.groupSeconds, staticMax.groupSeconds)} | ${r.scaleActions} | ${f1(startsPerHour(r))} | ${r.groupsPrewarmed} | ${r.suspends} | ${r.resumes} | ${r.peakGroups} |`,
    );
  }
  say();
}

for (const t of suiteOnly ? [] : benchmarkTraces(seed, base.executorMemoryMb, quick)) {
  const rows: Row[] = [];
  const run = (label: string, name: PolicyName, spec: WarehouseSpec) => rows.push(timed(label, name, t.trace, spec));
  for (const m of MODES) run(`ours-${m}`, 'ours', specFor(m));
  for (const b of BASELINES) run(b, b, specFor('balanced'));
  process.stderr.write('\n');
  const by = new Map(rows.map((x) => [x.label, x.r]));
  results.set(t.name, by);
  const oracle = by.get('oracle')!;
  const staticMax = by.get('static-max')!;
  const spanH = t.trace.length ? t.trace[t.trace.length - 1].arrivalS / 3600 : 0;
  say(`## ${t.name} — ${t.description} (${t.trace.length} queries, ${f1(spanH)} h)`);
  say();
  table(rows, oracle, staticMax);
  if (t.name === 'diurnal' || t.name === 'bursty-bi') {
    // The first day alone: no history yet, so pre-warming is inert and ours reacts only — what the trace was before
    // it ran for RECURRING_DAYS days.
    const day1 = firstDay(t.trace);
    const firstRows: Row[] = [];
    for (const m of MODES) firstRows.push(timed(`ours-${m}`, 'ours', day1, specFor(m)));
    for (const b of ['legacy', 'static-max', 'oracle'] as const) firstRows.push(timed(b, b, day1, specFor('balanced')));
    const fb = new Map(firstRows.map((x) => [x.label, x.r]));
    say(`First day alone (${day1.length} queries; no history yet, so no pre-warming; not in the targets):`);
    say();
    table(firstRows, fb.get('oracle')!, fb.get('static-max')!);
  }
  const ours = rows.find((x) => x.label === 'ours-balanced')!;
  if (!largest || ours.r.horizonS > largest.simS)
    largest = { name: t.name, simS: ours.r.horizonS, wallS: ours.wallS, queries: t.trace.length };
  const svg = timelineSvg(
    `${t.name}: ours (balanced) — queued, running, groups, pre-warmings; dashed: other policies' groups`,
    { label: 'ours-balanced', points: ours.r.timeline },
    ['ours-aggressive', 'legacy', 'oracle'].map((l) => ({ label: l, points: by.get(l)!.timeline })),
  );
  writeFileSync(join(outDir, `${t.name}.svg`), svg);
}

// Impala's pool settings, the same for every policy and the oracle (src/whatif/pool-limit-traces.ts); waits are those of
// the admitted queries, `rejected` counts the queries the queue timeout (or a limit) rejected.
const limited = new Map<string, Map<string, SimResult>>();
for (const t of suiteOnly ? [] : poolLimitTraces(seed, base.executorMemoryMb, quick)) {
  const rows: Row[] = [];
  for (const m of MODES) rows.push(timed(`ours-${m}`, 'ours', t.trace, specFor(m), t.poolLimits));
  // Before/after: aggressive with the rules before this release's (its learnt suspend did not weigh the queue timeout).
  const spec = specFor('aggressive');
  const policy = new OursPolicy(spec, { ...initialState(), rules: 'release-4' });
  rows.push({
    label: 'ours-aggressive (release-4 rules)',
    r: simulate(t.trace, spec, policy, { startupSeconds: startup, poolLimits: t.poolLimits }),
    wallS: 0,
  });
  for (const b of BASELINES) rows.push(timed(b, b, t.trace, specFor('balanced'), t.poolLimits));
  process.stderr.write('\n');
  const by = new Map(rows.map((x) => [x.label, x.r]));
  limited.set(t.name, by);
  say(`## ${t.name} — ${t.description} (${t.trace.length} queries)`);
  say();
  table(rows, by.get('oracle')!, by.get('static-max')!);
}

// The modes' targets, side by side with the oracle, static-max and the legacy rule (the seed system's).
if (!suiteOnly) namedTargets();

// One large executor group set against a small + large pair on mixed BI + ETL work (bench/group-sets.ts).
if (!suiteOnly) compareGroupSets(say, { seed, startupSeconds: startup });

function namedTargets(): void {
  say('## Targets');
  say();
  say('| target | trace | figures | holds |');
  say('|---|---|---|---|');
  const limitWait = startup + poll;
  let held = 0;
  let total = 0;
  const check = (target: string, trace: string, figures: string, ok: boolean) => {
    total += 1;
    if (ok) held += 1;
    say(`| ${target} | ${trace} | ${figures} | ${ok ? 'yes' : '**no**'} |`);
  };
  for (const [trace, by] of results) {
    const a = by.get('ours-aggressive')!;
    const o = by.get('oracle')!;
    const gsRatio = a.groupSeconds / o.groupSeconds;
    check(
      `aggressive p95 ≤ ${limitWait} s at ≤ 1.25× oracle`,
      trace,
      `p95 ${f1(a.wait.p95)} s, ${gsRatio.toFixed(2)}× oracle`,
      a.wait.p95 <= limitWait && gsRatio <= 1.25,
    );
  }
  for (const [trace, by] of results) {
    const b = by.get('ours-balanced')!;
    const s = by.get('legacy')!;
    const gsRatio = b.groupSeconds / s.groupSeconds;
    check(
      'balanced p95 ≤ legacy at ≤ 0.9× legacy',
      trace,
      `p95 ${f1(b.wait.p95)} vs ${f1(s.wait.p95)} s, ${gsRatio.toFixed(2)}× legacy`,
      b.wait.p95 <= s.wait.p95 && gsRatio <= 0.9,
    );
  }
  const diurnal = results.get('diurnal');
  if (diurnal) {
    const sm = diurnal.get('static-max')!;
    for (const m of MODES) {
      const r = diurnal.get(`ours-${m}`)!;
      const saving = 1 - r.groupSeconds / sm.groupSeconds;
      check(`${m} ≥ 40 % cheaper than static-max`, 'diurnal', `${(saving * 100).toFixed(0)} % cheaper`, saving >= 0.4);
    }
  }
  const flood = limited.get('bursty-bi-max-requests-20');
  if (flood) {
    const o = flood.get('oracle')!;
    for (const m of ['aggressive', 'balanced'] as const) {
      const r = flood.get(`ours-${m}`)!;
      const gsRatio = r.groupSeconds / o.groupSeconds;
      check(
        `${m}: a flood behind max_requests ≤ 1.25× oracle`,
        'bursty-bi-max-requests-20',
        `${gsRatio.toFixed(2)}× oracle`,
        gsRatio <= 1.25,
      );
    }
  }
  say();
  say(`${held} of ${total} target checks hold.`);
  say();
}

if (suiteTrace || sets.length > 0) {
  say('## Suite: generated traces, judged on the reporting set');
  say();
  describeFamilies(say);
  const suiteRun = { base, say, tick: () => process.stderr.write('.') };
  if (suiteTrace) runSet({ id: suiteTrace }, { ...suiteRun, startupS: startup });
  else {
    for (const set of sets as SeedSet[]) runSet(set, { ...suiteRun, startupS: startup });
    // The break-evens follow the observed start-up: the same reporting set with slow group start-ups.
    if (sets.includes('report') && slowStartupSeconds !== startup)
      runSet('report', { ...suiteRun, startupS: slowStartupSeconds });
  }
  process.stderr.write('\n');
}

if (largest) {
  say(
    `Speed: ${largest.name} (${largest.queries} queries, ${f1(largest.simS / 3600)} h simulated) ran ours-balanced in ${largest.wallS.toFixed(2)} s wall: ` +
      `${Math.round(largest.simS / largest.wallS).toLocaleString('en-US')} simulated seconds per wall second.`,
  );
}
say(`bench:policy ran in ${(Number(process.hrtime.bigint() - wallStart) / 1e9).toFixed(0)} s wall.`);
writeFileSync(join(outDir, 'policy.md'), `${lines.join('\n')}\n`);
process.stderr.write(`wrote ${join(outDir, 'policy.md')} and one SVG chart per trace\n`);
