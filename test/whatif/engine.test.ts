// The simulator's admission against hand-computed small cases, and our policy (decide()) driven by it.
import { simulate } from '../../src/whatif/engine';
import { runPolicy } from '../../src/whatif/policies';
import { StaticMaxPolicy } from '../../src/whatif/policies/baselines';
import { OursPolicy } from '../../src/whatif/policies/ours';
import { benchmarkTraces } from '../../src/whatif/generators';
import { percentile, waitStats } from '../../src/util/stats';
import { simSpec, trace } from './support';

const opts = { startupSeconds: 60 };

describe('admission with capacity in place (static-max)', () => {
  test('a 3-query FIFO queue on one group of one slot: waits 0, 9, 18', () => {
    // q0 runs 0–10; q1 (arrived 1) runs 10–20; q2 (arrived 2) runs 20–30.
    const r = simulate(
      trace([
        [0, 10],
        [1, 10],
        [2, 10],
      ]),
      simSpec({ maxGroups: 1 }),
      new StaticMaxPolicy(),
      opts,
    );
    expect(r.admitted).toBe(3);
    expect(r.wait).toEqual({ mean: 9, p50: 9, p95: 18, p99: 18, max: 18 });
    expect(r.horizonS).toBe(30);
    expect(r.groupSeconds).toBe(30);
  });

  test('memory bounds admission: two 10 GiB queries on a 16 GiB executor run one after the other despite 12 slots', () => {
    const r = simulate(
      trace([
        [0, 100, 10240],
        [0, 100, 10240],
        [0, 5, 4096],
      ]),
      simSpec({ maxGroups: 1, slots: 12 }),
      new StaticMaxPolicy(),
      opts,
    );
    // FIFO: the small third query waits behind the blocked head although it would fit.
    expect(r.wait.max).toBe(100);
    expect(r.wait.mean).toBeCloseTo(200 / 3, 6);
    expect(r.horizonS).toBe(200);
  });

  test('groups are filled in name order: the second group only takes what the first cannot', () => {
    const r = simulate(
      trace([
        [0, 50],
        [10, 50],
        [70, 10],
      ]),
      simSpec({ maxGroups: 2 }),
      new StaticMaxPolicy(),
      opts,
    );
    const busy = Object.fromEntries(r.groups.map((g) => [g.index, g.busy]));
    expect(busy[0]).toEqual([
      [0, 50],
      [70, 80],
    ]);
    expect(busy[1]).toEqual([[10, 60]]);
    expect(r.groupSeconds).toBe(160); // 2 groups × the 80 s horizon
  });

  test('a query needing more memory than an executor has is rejected, not queued forever', () => {
    const r = simulate(
      trace([
        [0, 10, 20000],
        [0, 10],
      ]),
      simSpec({ maxGroups: 1 }),
      new StaticMaxPolicy(),
      opts,
    );
    expect(r.rejected).toBe(1);
    expect(r.admitted).toBe(1);
  });

  test('a pool other than the group set cannot run here: a clear error', () => {
    expect(() =>
      simulate(
        [{ id: 0, arrivalS: 0, durationS: 1, memMb: 0, pool: 'root.etl' }],
        simSpec(),
        new StaticMaxPolicy(),
        opts,
      ),
    ).toThrow(/trace row 1: pool root.etl cannot run on this warehouse's executor groups \(root.default-group-NNN\)/);
  });
});

describe('our policy (the workflow decide()) in the simulator', () => {
  test('resume from suspended: the first query waits the start-up, the group is counted from create to the end', () => {
    const r = simulate(trace([[0, 10]]), simSpec({ maxGroups: 2 }), new OursPolicy(simSpec({ maxGroups: 2 })), opts);
    expect(r.wait.max).toBe(60);
    expect(r.groupSeconds).toBe(70);
    expect(r).toMatchObject({ resumes: 1, suspends: 0, scaleActions: 1, groupsAdded: 1 });
  });

  test('aggressive resumes with the groups the queue needs: one start-up for every query', () => {
    // Tick 0 sees 4 queued (one slot a group) → resumes with 4 groups, ready at 60 s.
    const spec = simSpec({ maxGroups: 4, mode: 'aggressive' });
    const r = simulate(
      trace([
        [0, 1000],
        [0, 1000],
        [0, 1000],
        [0, 1000],
      ]),
      spec,
      new OursPolicy(spec),
      opts,
    );
    expect(r.wait.p50).toBe(60);
    expect(r.wait.mean).toBe(60);
    expect(r.peakGroups).toBe(4);
  });

  test('idle warehouse suspends after the AutoSuspend timeout and resumes on the next query', () => {
    const spec = simSpec({ maxGroups: 2 });
    const r = simulate(
      trace([
        [0, 10],
        [2000, 10],
      ]),
      spec,
      new OursPolicy(spec),
      opts,
    );
    expect(r).toMatchObject({ suspends: 1, resumes: 2 });
    expect(r.wait.max).toBe(60);
    // Group 1: 0 → suspended at the first tick ≥ 70 + 300 s with 16 idle ticks counted (380 s); group 2: 2000 → 2070.
    expect(r.groupSeconds).toBe(380 + 70);
  });
});

describe('pre-warming in the simulator (simulated time 0 is Thursday 00:00 UTC)', () => {
  test('a burst at 09:00 three days running: reactive on days 1 and 2, pre-warmed once it recurred, on day 3', () => {
    const spec = simSpec({ maxGroups: 4, mode: 'aggressive' });
    const nine = 9 * 3600;
    const day = 86400;
    const burst = (t: number): [number, number][] => [
      [t, 30],
      [t, 30],
      [t, 30],
      [t, 30],
    ];
    const r = simulate(
      trace([...burst(nine), ...burst(day + nine), ...burst(2 * day + nine)]),
      spec,
      new OursPolicy(spec),
      opts,
    );
    // Days 1 and 2: the resume starts the four groups the queue needs (ready at 60 s). Day 3: four groups added at
    // 08:58:40 (start-up 3 ticks + one poll ahead), ready at 08:59:40: its four queries wait 0.
    expect(r.groupsPrewarmed).toBe(4);
    expect(r.wait.mean).toBe((8 * 60) / 12);
    const warmed = r.timeline.filter((p) => p.prewarmed > 0);
    expect(warmed.map((p) => p.prewarmed)).toEqual([4]);
    expect(warmed[0].t).toBeLessThanOrEqual(2 * day + nine - 80);
    expect(warmed[0].t).toBeGreaterThan(day + nine);
  });
});

describe('determinism', () => {
  test('the same seed gives the same trace, and the same trace the same result', () => {
    const a = benchmarkTraces('x', 16384, true);
    const b = benchmarkTraces('x', 16384, true);
    expect(a).toEqual(b);
    expect(benchmarkTraces('y', 16384, true)[1].trace).not.toEqual(a[1].trace);
    const spiky = a.find((t) => t.name === 'spiky')!.trace;
    const spec = simSpec({ maxGroups: 10, slots: 12 });
    for (const p of ['ours', 'snowflake-standard', 'hpa', 'oracle'] as const) {
      const r1 = runPolicy(p, spiky, spec, opts);
      const r2 = runPolicy(p, spiky, spec, opts);
      expect(r2).toEqual(r1);
      expect(r1.admitted).toBe(spiky.length);
    }
  });
});

describe('stats', () => {
  test('nearest-rank percentiles', () => {
    const xs = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(xs, 50)).toBe(50);
    expect(percentile(xs, 95)).toBe(95);
    expect(percentile(xs, 99)).toBe(99);
    expect(waitStats([3, 1, 2])).toEqual({ mean: 2, p50: 2, p95: 3, p99: 3, max: 3 });
    expect(waitStats([])).toEqual({ mean: 0, p50: 0, p95: 0, p99: 0, max: 0 });
  });
});
