// Scale-down judged per executor, like scale-up: "one group fewer still holds what runs" bin-packs the running queries'
// per-executor memory (Load.runningMem), not pool-wide agg_mem_reserved against total memory; without it (earlier
// releases' observations) the aggregate still decides. And the bounded summaries the observations now carry.
import { groupsNeeded, runningGroupsNeeded } from '../../src/policy/capacity';
import { decide } from '../../src/policy/decide';
import { expand, MEM_BUCKETS, queriesIn, queuedMems, summarize, totalBytes } from '../../src/policy/mem-summary';
import { add, checkRow, counters, g, GiB, obs, ready, rm, run, spec, state, type Row } from './support';

const MiB = 1024 * 1024;
const oneAtATime = spec({ mode: 'conservative', scaleDownDelaySeconds: 600 });
/** The seed's large queries: 10 GiB per executor on 16 GiB executors, one per group; 2 executors a group. */
const seedRunning = (n: number) => ({
  running: n,
  memReservedBytes: n * 10 * GiB * 2,
  runningMem: Array(n).fill(10 * GiB),
});

describe('scale-down bin-packs the running queries per executor', () => {
  const rows: Row[] = [
    {
      name: 'three seed queries on three groups: 2 groups would NOT hold them (each fills a group), though 60 GiB < 64 GiB pool-wide',
      spec: oneAtATime,
      from: state({ current: 3, counters: { down: 10 } }),
      obs: obs({ ...seedRunning(3), groups: [g(0, { running: 1 }), g(1, { running: 1 }), g(2, { running: 1 })] }),
      actions: [],
      lines: [
        'needsScaleDown is false as 2 executor groups would not hold 3 running queries by their per-executor memory (they need 3).',
      ],
      absent: ['needsScaleDown is true'],
      counters: counters(),
    },
    {
      name: 'the old rules (and observations without runningMem) judge by the aggregate: "2 executor groups would hold 3 running queries"',
      spec: oneAtATime,
      from: state({ current: 3, counters: { down: 10 }, rules: 'release-2' }),
      obs: obs({ ...seedRunning(3), groups: [g(0, { running: 1 }), g(1, { running: 1 }), g(2, { running: 1 })] }),
      actions: [],
      lines: [
        'needsScaleDown is true as there are no queries queued and 2 executor groups would hold 3 running queries.',
      ],
      counters: counters({ down: 11 }),
    },
    {
      name: 'four groups, three seed queries: 3 groups hold them → the idle one goes after the delay',
      spec: oneAtATime,
      from: state({ current: 4, counters: { down: 30 } }),
      obs: obs({ ...seedRunning(3), groups: [g(0, { running: 1 }), g(1, { running: 1 }), g(2, { running: 1 }), g(3)] }),
      actions: [rm(3, 'scale-down')],
    },
    {
      name: 'small queries pack: six of 5 GiB fit 3 to an executor → 2 groups hold them, a third is released',
      spec: oneAtATime,
      from: state({ current: 3, counters: { down: 30 } }),
      obs: obs({
        running: 6,
        memReservedBytes: 60 * GiB,
        runningMem: Array(6).fill(5 * GiB),
        groups: [g(0, { running: 3 }), g(1, { running: 3 }), g(2)],
      }),
      actions: [rm(2, 'scale-down')],
    },
    {
      name: 'the per-executor lists miss queries the pool counts: those take a slot each (13 running, 12 listed → 2 groups)',
      spec: oneAtATime,
      from: state({ current: 2, counters: { down: 10 } }),
      obs: obs({ running: 13, runningMem: Array(12).fill(GiB), groups: [g(0, { running: 12 }), g(1, { running: 1 })] }),
      actions: [],
      lines: ['needsScaleDown is false as 1 executor groups would not hold 13 running queries.'],
    },
  ];
  test.each(rows)('$name', (row) => void checkRow(row));

  test('surplus release keeps what the delay’s peak needed per executor, not what pool-wide memory would have held', () => {
    // Balanced (surplus, 5 ticks): five groups; three seed queries run during the delay, one is left at its end.
    const busy3 = obs({
      ...seedRunning(3),
      groups: [g(0, { running: 1 }), g(1, { running: 1 }), g(2, { running: 1 }), g(3), g(4)],
    });
    const busy1 = obs({ ...seedRunning(1), groups: [g(0, { running: 1 }), g(1), g(2), g(3), g(4)] });
    const ds = run(spec({ groups: [1, 8] }), state({ current: 5 }), [busy3, busy3, busy3, busy3, busy3, busy1]);
    expect(ds[4]!.state.downPeak).toEqual({ running: 3, memReservedBytes: 60 * GiB, groups: 3 });
    // Pool-wide, 60 GiB fit 2 groups and 3 would go (5 → 2); per executor the peak needed 3 groups: 2 go.
    expect(ds[5]!.actions).toEqual([rm(4, 'scale-down'), rm(3, 'scale-down')]);
    const old = run(spec({ groups: [1, 8] }), state({ current: 5, rules: 'release-2' }), [
      busy3,
      busy3,
      busy3,
      busy3,
      busy3,
      busy1,
    ]);
    expect(old[5]!.actions).toEqual([rm(4, 'scale-down'), rm(3, 'scale-down'), rm(2, 'scale-down')]);
  });

  test('runningGroupsNeeded: undefined without the per-query figures (old histories)', () => {
    expect(runningGroupsNeeded(spec(), { running: 3 })).toBeUndefined();
    expect(runningGroupsNeeded(spec(), { running: 3, runningMem: summarize(Array(3).fill(10 * GiB)) })).toBe(3);
  });
});

describe('memory summaries: bounded, never below a query’s memory', () => {
  const values = Array.from({ length: 1000 }, (_, i) => ((i * 7919) % 1000) * 13 * MiB + 6.5 * MiB);

  test('1,000 queries become at most 65 buckets, under 1 KB of JSON', () => {
    const s = summarize(values)!;
    expect(s.counts.length).toBeLessThanOrEqual(MEM_BUCKETS + 1);
    expect(queriesIn(s)).toBe(1000);
    expect(JSON.stringify(s).length).toBeLessThan(1024);
  });

  test('each query is counted with at least its memory and at most 1/64 of the largest more', () => {
    const s = summarize(values)!;
    const exact = [...values].sort((a, b) => b - a);
    const rounded = expand(s);
    const largest = exact[0]!;
    rounded.forEach((r, i) => {
      expect(r).toBeGreaterThanOrEqual(exact[i]!);
      expect(r - exact[i]!).toBeLessThan(largest / MEM_BUCKETS + 1);
    });
    expect(totalBytes(s)).toBe(rounded.reduce((a, b) => a + b, 0));
  });

  test.each([
    { name: 'the seed burst: 3 × 10 GiB', mem: [10, 10, 10], groups: 3 },
    { name: '4 × 8 GiB exactly fill 2 groups', mem: [8, 8, 8, 8], groups: 2 },
    { name: '12 × 6 GiB, 2 a group', mem: Array(12).fill(6), groups: 6 },
    { name: '24 × 1 GiB, by slots', mem: Array(24).fill(1), groups: 2 },
  ])('bin-packing the summary is exact for round sizes: $name → $groups groups', ({ mem, groups }) => {
    const bytes = mem.map((m) => m * GiB);
    expect(groupsNeeded(spec(), bytes.length, expand(summarize(bytes)))).toBe(groups);
    expect(groupsNeeded(spec(), bytes.length, bytes)).toBe(groups);
  });

  test('nothing to summarise writes nothing; zero-memory queries are counted', () => {
    expect(summarize([])).toBeUndefined();
    expect(summarize([0, 0])).toEqual({ bucketBytes: 1, counts: [[0, 2]] });
  });

  test('the queued memory from the summary, or from the per-query list of earlier releases', () => {
    expect(queuedMems({ queuedMem: summarize([GiB, 2 * GiB]) })).toEqual([2 * GiB, GiB]);
    expect(queuedMems({ queuedQueryMemBytes: [GiB, 2 * GiB] })).toEqual([GiB, 2 * GiB]);
    expect(queuedMems({})).toEqual([]);
  });

  test('a queue summarised scales up as the list did (aggressive, 3 × 10 GiB → 3 groups)', () => {
    const d = decide(
      spec({ mode: 'aggressive', groups: [1, 8] }),
      state({ current: 1 }),
      obs({ queued: 3, running: 1, groups: ready(0), queuedMemSummary: Array(3).fill(10 * GiB) }),
    );
    expect(d.actions).toEqual([add(1), add(2), add(3)]);
  });
});
