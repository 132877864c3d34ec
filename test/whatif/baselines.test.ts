// Each baseline on a small case where its documented behaviour fixes the outcome, and the oracle on cases with a
// known optimum. One executor and one slot a group unless said otherwise; start-up 60 s.
import { simulate } from '../../src/whatif/engine';
import { onPeriods, oracle } from '../../src/whatif/oracle';
import { runPolicy } from '../../src/whatif/policies';
import {
  HpaPolicy,
  ImpalaTestPolicy,
  LegacyPolicy,
  SnowflakePolicy,
  StaticMaxPolicy,
} from '../../src/whatif/policies/baselines';
import { simSpec, trace } from './support';

const opts = { startupSeconds: 60 };
const four = trace([
  [0, 1000],
  [0, 1000],
  [0, 1000],
  [0, 1000],
]);
const groupsCreated = (r: ReturnType<typeof simulate>) => r.groups.length;

describe('static-max', () => {
  test('every group from the first second to the end', () => {
    const r = simulate(
      trace([
        [0, 10],
        [100, 10],
      ]),
      simSpec({ maxGroups: 3 }),
      new StaticMaxPolicy(),
      opts,
    );
    expect(r.groupSeconds).toBe(3 * 110);
    expect(r.wait.max).toBe(0);
    expect(r.scaleActions).toBe(0);
  });
});

describe('seed: +1 group per decision, only after the previous one is ready, up delay 1 tick', () => {
  test('four queries, one slot a group: groups arrive 80 s apart', () => {
    // tick 0 resume (ready 60); tick 60 counts 1; tick 80 adds (ready 140); tick 160 adds (ready 220); tick 240 adds (ready 300).
    const r = simulate(four, simSpec({ maxGroups: 4 }), new LegacyPolicy(simSpec()), opts);
    expect(r.wait.mean).toBe((60 + 140 + 220 + 300) / 4);
    expect(r.wait.max).toBe(300);
    expect(groupsCreated(r)).toBe(4);
  });
});

describe("impala-test (Apache Impala's tests/util/auto_scaler.py)", () => {
  test('starts a group after 5 s of queueing, stops the last one 5 s after a group is spare', () => {
    // q0: queued at 0, the up stopwatch starts at 0, group started at 6 (0 < 6 − 5), ready 66, runs 66–166. The loop
    // checks every second: the spare-capacity stopwatch was last reset at 165, so at 171 (165 < 171 − 5) → stop.
    // q1 at 200: the up stopwatch was last reset at 199 (nothing queued) → started at 205, ready 265, wait 65, ends 275.
    const r = simulate(
      trace([
        [0, 100],
        [200, 10],
      ]),
      simSpec({ maxGroups: 2 }),
      new ImpalaTestPolicy(),
      opts,
    );
    expect(r.wait.max).toBe(66);
    expect(r.wait.p50).toBe(65);
    expect(r.groups.map((g) => [g.createdS, g.removedS])).toEqual([
      [6, 171],
      [205, 275],
    ]);
    expect(r.groupSeconds).toBe(171 - 6 + (275 - 205));
    expect(r).toMatchObject({ suspends: 1, resumes: 2 });
  });

  test('start_group blocks the loop: one group at a time', () => {
    const r = simulate(four, simSpec({ maxGroups: 4 }), new ImpalaTestPolicy(), opts);
    // Groups start at 6, 72, 138, 204 (each 6 s after the previous became ready, i.e. 5 s of queue + the 1 s loop).
    expect(r.groups.map((g) => g.createdS)).toEqual([6, 72, 138, 204]);
    expect(r.wait.max).toBe(264);
  });
});

describe('snowflake', () => {
  test('standard: a new cluster every 20 s while queries queue beyond what starting clusters absorb', () => {
    const r = simulate(
      trace([
        [0, 1000],
        [0, 1000],
        [0, 1000],
      ]),
      simSpec({ maxGroups: 3 }),
      new SnowflakePolicy('standard'),
      opts,
    );
    expect(r.groups.map((g) => g.createdS)).toEqual([0, 20, 40]);
    expect(r.wait.mean).toBe((60 + 80 + 100) / 3);
  });

  test('standard: shuts the least-loaded cluster after 3 one-minute checks', () => {
    // Two clusters busy until 80 s; q1 ends at 80 → checks at 120, 180, 240 succeed → cluster 1 removed at 240.
    const r = simulate(
      trace([
        [0, 1000],
        [0, 20],
      ]),
      simSpec({ maxGroups: 2 }),
      new SnowflakePolicy('standard'),
      opts,
    );
    const g1 = r.groups.find((g) => g.index === 1)!;
    expect(g1.removedS).toBe(240);
  });

  test('economy: no extra cluster without 6 minutes of estimated queued work', () => {
    // Until a query ends there is no duration estimate, so the queue waits for the one cluster; at 1060 q0 ends
    // (estimate 1000 s), q1 takes its slot and q2 alone is 1000 s ≥ 360 s of work → one more cluster (ready 1120).
    const r = simulate(
      trace([
        [0, 1000],
        [0, 1000],
        [0, 1000],
      ]),
      simSpec({ maxGroups: 3 }),
      new SnowflakePolicy('economy'),
      opts,
    );
    expect(r.groups.map((g) => g.createdS)).toEqual([0, 1060]);
    expect(r.wait.max).toBe(1120);
    expect(r.wait.mean).toBe((60 + 1060 + 1120) / 3);
  });

  test('economy: a short queue is not worth a cluster', () => {
    // After q0 (10 s) ends, 10 queued × 10 s / 1 slot = 100 s < 360 s: the queue drains on the one cluster.
    const rows: [number, number][] = [[0, 10], ...Array.from({ length: 10 }, (): [number, number] => [61, 10])];
    const r = simulate(trace(rows), simSpec({ maxGroups: 3 }), new SnowflakePolicy('economy'), opts);
    expect(r.groups).toHaveLength(1);
    expect(r.wait.max).toBe(70 + 90 - 61);
  });
});

describe('hpa', () => {
  test('scales to ceil(demand / (slots × 80 %)) at once, up to the maximum, from its minimum of one replica', () => {
    const r = simulate(four, simSpec({ maxGroups: 4 }), new HpaPolicy(), opts);
    // util 4/1 → desired ceil(1 × 4 / 0.8) = 5, capped at 4: three groups created at 0, ready at 60.
    expect(r.groups.map((g) => g.createdS)).toEqual([0, 0, 0, 0]);
    expect(r.wait.mean).toBe((0 + 60 * 3) / 4);
  });

  test('scale-down waits for the 300 s stabilisation window', () => {
    const r = simulate(
      trace([
        [0, 30],
        [0, 30],
        [1000, 10],
      ]),
      simSpec({ maxGroups: 2 }),
      new HpaPolicy(),
      opts,
    );
    // t=0: demand 2 on 1 group → ceil(1 × 2 / 0.8) = 3, capped at 2. q1 takes group 0 at 30 (q0 ended), so demand
    // is 1 until 60: ceil(2 × 0.5 / 0.8) = 2. From tick 60 the recommendation is 1, but the window still holds the
    // 2 of tick 45 until tick 345 (> 45 + 300 excluded) → group 1 removed at 345, not at 60.
    expect(r.groups.find((g) => g.index === 1)!.removedS).toBe(345);
  });
});

describe('oracle: the clairvoyant lower bound', () => {
  test('one query: its group starts exactly the start-up before it and stops when it ends', () => {
    const r = oracle(trace([[100, 50]]), simSpec({ maxGroups: 4 }), opts);
    expect(r.groupSeconds).toBe(60 + 50);
    expect(r.wait.max).toBe(0);
  });

  test('a gap shorter than the start-up is bridged, a longer one is not', () => {
    expect(
      onPeriods(
        [
          [100, 150],
          [180, 200],
        ],
        60,
      ),
    ).toEqual([[40, 200]]);
    expect(
      onPeriods(
        [
          [100, 150],
          [250, 300],
        ],
        60,
      ),
    ).toEqual([
      [40, 150],
      [190, 300],
    ]);
    expect(
      oracle(
        trace([
          [100, 50],
          [180, 20],
        ]),
        simSpec(),
        opts,
      ).groupSeconds,
    ).toBe(160);
    expect(
      oracle(
        trace([
          [100, 50],
          [250, 50],
        ]),
        simSpec(),
        opts,
      ).groupSeconds,
    ).toBe(220);
  });

  test('concurrent queries need concurrent groups; known optimum 3 × (60 + 100) for three overlapping queries', () => {
    const r = oracle(
      trace([
        [0, 100],
        [10, 90],
        [20, 80],
      ]),
      simSpec({ maxGroups: 4 }),
      opts,
    );
    // Each group is busy exactly while its query runs (all end at 100): 100+60, 90+60, 80+60.
    expect(r.groupSeconds).toBe(160 + 150 + 140);
    expect(r.peakGroups).toBe(3);
    expect(r.wait.max).toBe(0);
  });

  test('no policy with zero wait uses fewer group-seconds on a generated trace', () => {
    const t = trace(Array.from({ length: 60 }, (_, i): [number, number] => [i * 37, 20 + ((i * 13) % 50)]));
    const spec = simSpec({ maxGroups: 6 });
    const o = runPolicy('oracle', t, spec, opts);
    for (const p of ['ours', 'legacy', 'snowflake-standard', 'hpa', 'static-max'] as const) {
      const r = runPolicy(p, t, spec, opts);
      if (r.wait.max === 0) expect(r.groupSeconds).toBeGreaterThanOrEqual(o.groupSeconds);
      expect(r.wait.mean).toBeGreaterThanOrEqual(o.wait.mean);
    }
  });
});
