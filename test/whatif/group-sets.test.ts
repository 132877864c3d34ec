// The what-if engine with a warehouse of two executor group sets: queries routed as Impala's planner routes them,
// the sets stepped in lockstep, each under its own policy with Observation.busySets filled, results per set; and
// `simulate --json` reporting them.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runSimulate } from '../../src/client/commands/simulate';
import { parseWarehouseSpec } from '../../src/config/warehouse-spec';
import { setSpecs } from '../../src/policy/group-sets';
import type { WarehouseSpec } from '../../src/policy/types';
import { simulateWarehouse } from '../../src/whatif/engine';
import { runPolicy } from '../../src/whatif/policies';
import { OursPolicy } from '../../src/whatif/policies/ours';
import type { SimPolicy, SimView } from '../../src/whatif/policy-port';
import type { TraceQuery } from '../../src/sim/trace';

const twoSets = (over: Record<string, unknown> = {}): WarehouseSpec =>
  parseWarehouseSpec(
    {
      name: 'mixed',
      namespace: 'default',
      pollIntervalSeconds: 10,
      autoSuspend: { enabled: true, timeoutSeconds: 60 },
      groupSets: [
        {
          groupSet: 'root.large',
          executorsPerGroup: 8,
          nodes: { min: 0, max: 16 },
          queriesPerGroup: 2,
          executorMemoryMb: 32768,
        },
        {
          groupSet: 'root.small',
          executorsPerGroup: 2,
          nodes: { min: 0, max: 8 },
          queriesPerGroup: 4,
          executorMemoryMb: 8192,
          maxQueryMemMb: 4096,
        },
      ],
      ...over,
    },
    'two-set test spec',
  );

const q = (id: number, arrivalS: number, durationS: number, memMb: number, pool?: string): TraceQuery => ({
  id,
  arrivalS,
  durationS,
  memMb,
  ...(pool ? { pool } : {}),
});

/** Records which set each tick saw, and what it saw, then acts as ours would. */
class Recording implements SimPolicy {
  readonly views: { set: string; queued: number; busySets?: string[]; reasons: string[] }[] = [];
  private readonly inner: OursPolicy;
  readonly name: string;
  readonly tickMs: number;
  constructor(spec: WarehouseSpec) {
    this.inner = new OursPolicy(spec);
    this.name = this.inner.name;
    this.tickMs = this.inner.tickMs;
  }
  initialGroups(): number {
    return 0;
  }
  tick(view: SimView) {
    const cmd = this.inner.tick(view);
    this.views.push({
      set: view.spec.groupSet,
      queued: view.queued,
      busySets: view.busySets,
      reasons: this.inner.lastReasons,
    });
    return cmd;
  }
}

describe('simulateWarehouse with two group sets', () => {
  test("routing: by per-executor memory against the small set's maxQueryMemMb, the pool column forcing a set", () => {
    const spec = twoSets();
    const r = runPolicy(
      'static-max',
      [
        q(0, 0, 10, 1024),
        q(1, 0, 10, 4096),
        q(2, 0, 10, 4097),
        q(3, 0, 10, 100, 'root.large'),
        q(4, 0, 10, 20000, 'small'),
      ],
      spec,
      { startupSeconds: 60 },
    );
    // The forced large query in the small pool is clamped to its max_query_mem_limit and runs there.
    expect(Object.fromEntries(Object.entries(r.groupSets!).map(([k, v]) => [k, v.queries]))).toEqual({
      'root.large': 2,
      'root.small': 3,
    });
    expect(r.rejected).toBe(0);
    // static-max: 2 large groups of 8 and 4 small groups of 2 for the 10 s run.
    expect(r.groupSets!['root.large']).toMatchObject({ groupSeconds: 20, executorSeconds: 160, peakGroups: 2 });
    expect(r.groupSets!['root.small']).toMatchObject({ groupSeconds: 40, executorSeconds: 80, peakGroups: 4 });
    expect(r.executorSeconds).toBe(240);
    expect(r.groups.map((g) => g.groupSet).sort()).toEqual([
      'root.large',
      'root.large',
      'root.small',
      'root.small',
      'root.small',
      'root.small',
    ]);
  });

  test('a pool naming no set is refused with the trace row', () => {
    expect(() => runPolicy('ours', [q(0, 0, 1, 1, 'root.adhoc')], twoSets(), { startupSeconds: 60 })).toThrow(
      'trace row 1: Request pool: root.adhoc does not map to any known executor group set.',
    );
  });

  test('each set scales on its own queue; a set idle while the other is busy is not suspended until both are idle', () => {
    const spec = twoSets();
    const policies: Recording[] = [];
    const r = simulateWarehouse(
      // A burst of 12 BI queries and one long ETL query, both at 0.
      [...Array.from({ length: 12 }, (_, i) => q(i, 0, 30, 512)), q(12, 0, 900, 16384)],
      spec,
      (set) => {
        const p = new Recording(set);
        policies.push(p);
        return p;
      },
      { startupSeconds: 60 },
    );
    const [large, small] = policies;
    expect([large.views[0].set, small.views[0].set]).toEqual(['root.large', 'root.small']);
    // Lockstep: both sets ticked at the same instants.
    expect(large.views.length).toBe(small.views.length);
    // The small set sized itself for 12 queries of 4 slots: 3 groups; the large one started 1.
    expect(r.groupSets!['root.small'].peakGroups).toBe(3);
    expect(r.groupSets!['root.large'].peakGroups).toBe(1);
    expect(r.groupSets!['root.small'].wait.max).toBe(60);
    expect(r.groupSets!['root.large'].wait.max).toBe(60);
    // While the ETL query ran, the small set's ticks saw root.large busy …
    expect(small.views.slice(1, 20).every((v) => v.busySets?.includes('root.large'))).toBe(true);
    // … so once idle it scaled down to one group (its bounds allow none) and was not suspended at its 60 s timeout:
    // that group lives until the end, when the ETL query (ready at 60) ends at 960.
    expect(r.horizonS).toBe(960);
    const smallLives = r.groups.filter((g) => g.groupSet === 'root.small');
    expect(smallLives.filter((g) => g.removedS === 960)).toHaveLength(1);
    // At 300 s, long past its timeout:
    expect(small.views[30].reasons).toContain(
      'needsSuspend is false as group set root.large of warehouse mixed has queries queued or running, or executor groups starting.',
    );
    // At the end both are idle: the small set counts towards its timeout again.
    expect(small.views.at(-1)!.reasons).toContain('needsSuspend is true as there are no queries running or queued.');
    expect(r.suspends).toBe(0);
    expect(r.executorSeconds).toBe(
      r.groupSets!['root.large'].executorSeconds + r.groupSets!['root.small'].executorSeconds,
    );
  });

  test('a spec without groupSets runs as one set: no groupSets in the result, executorSeconds = group-seconds × executors', () => {
    const one = setSpecs(twoSets())[1];
    const { groupSets: _g, groupPrefix: _p, ...plain } = one;
    const r = runPolicy('ours', [q(0, 0, 10, 512)], plain, { startupSeconds: 60 });
    expect(r.groupSets).toBeUndefined();
    expect(r.executorSeconds).toBe(r.groupSeconds * 2);
  });
});

describe('simulate --json with a two-set spec', () => {
  test('groupSets per set beside the totals, executorSeconds at the top level', () => {
    const dir = mkdtempSync(join(tmpdir(), 'whatif-sets-'));
    const csv = join(dir, 't.csv');
    writeFileSync(csv, 'arrival_s,duration_s,mem_mb,pool\n0,30,512\n0,30,512\n0,300,16384\n10,30,100,root.large\n');
    const spec = join(dir, 'w.yaml');
    writeFileSync(
      spec,
      [
        'pollIntervalSeconds: 10',
        'groupSets:',
        '  - { groupSet: root.small, executorsPerGroup: 2, nodes: { min: 0, max: 8 }, queriesPerGroup: 4, executorMemoryMb: 8192, maxQueryMemMb: 4096 }',
        '  - { groupSet: root.large, executorsPerGroup: 8, nodes: { min: 0, max: 16 }, queriesPerGroup: 2, executorMemoryMb: 32768 }',
        '',
      ].join('\n'),
    );
    let out = '';
    runSimulate(
      { trace: csv, spec, startupSeconds: 60, policy: 'ours', json: true },
      (s) => (out += s),
      () => undefined,
    );
    const j = JSON.parse(out);
    expect(Object.keys(j.groupSets)).toEqual(['root.small', 'root.large']);
    for (const g of Object.values(j.groupSets) as Record<string, unknown>[]) {
      expect(Object.keys(g)).toEqual(['groupSeconds', 'executorSeconds', 'wait', 'peakGroups']);
      expect(Object.keys(g.wait as object)).toEqual(['p50', 'p95', 'p99', 'max']);
    }
    expect(j.groupSets['root.small'].executorSeconds).toBe(j.groupSets['root.small'].groupSeconds * 2);
    expect(j.groupSets['root.large'].executorSeconds).toBe(j.groupSets['root.large'].groupSeconds * 8);
    expect(j.executorSeconds).toBe(
      j.groupSets['root.small'].executorSeconds + j.groupSets['root.large'].executorSeconds,
    );
    expect(j.groupSeconds).toBe(j.groupSets['root.small'].groupSeconds + j.groupSets['root.large'].groupSeconds);

    let text = '';
    runSimulate(
      { trace: csv, spec, startupSeconds: 60, policy: 'ours' },
      (s) => (text += s),
      () => undefined,
    );
    expect(text).toMatch(
      /^Group Set: root\.small: queue wait p50 60\.0 s, p95 60\.0 s, max 60\.0 s; \d+ group-seconds, \d+ executor-seconds, peak 1 groups$/m,
    );
  });
});
