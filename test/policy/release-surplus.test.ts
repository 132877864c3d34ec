// Aggressive and balanced scale-down releases the surplus at once: when the delay is served, every
// idle group beyond what the highest load of the delay needed goes, not one group per delay. Conservative keeps the
// seed's one group per delay.
import { decide } from '../../src/policy/decide';
import { g, obs, ready, rm, run, spec, state } from './support';

const aggressive = spec({ mode: 'aggressive', groups: [1, 4] });

describe("release: 'surplus' (aggressive: 60 s = 3 ticks)", () => {
  test('4 idle groups, nothing ran during the delay: down to the floor (1) in one decision', () => {
    const d = decide(aggressive, state({ current: 4, counters: { down: 3 } }), obs({ groups: ready(0, 1, 2, 3) }));
    expect(d.actions).toEqual([rm(3, 'scale-down'), rm(2, 'scale-down'), rm(1, 'scale-down')]);
    expect(d.reasons).toContain('Scale down from 4 to 1 Executor Groups.');
    expect(d.state.target).toBe(1);
    expect(d.state.downPeak).toBeUndefined();
  });

  test('the peak of the delay is kept: 20 running on its first tick → 2 groups of 12 stay', () => {
    const busy = obs({ running: 20, groups: [g(0, { running: 12 }), g(1, { running: 8 }), g(2), g(3)] });
    const idle = obs({ groups: ready(0, 1, 2, 3) });
    // 3 counting ticks (the first sees 20 running), then the removal on the 4th.
    const ds = run(aggressive, state({ current: 4 }), [busy, idle, idle, idle]);
    expect(ds[0].state.downPeak).toEqual({ running: 20, memReservedBytes: 0 });
    expect(ds[2].state.downPeak).toEqual({ running: 20, memReservedBytes: 0 });
    expect(ds[3].actions).toEqual([rm(3, 'scale-down'), rm(2, 'scale-down')]);
  });

  test('busy groups are never removed: only idle ones, highest first', () => {
    const o = obs({ running: 1, groups: [g(0), g(1), g(2), g(3, { running: 1 })] });
    const d = decide(aggressive, state({ current: 4, counters: { down: 3 } }), o);
    expect(d.actions).toEqual([rm(2, 'scale-down'), rm(1, 'scale-down'), rm(0, 'scale-down')]);
  });
});

describe("release: 'surplus' (balanced: 100 s = 5 ticks)", () => {
  test('4 idle groups after the delay: down to the floor in one decision', () => {
    const d = decide(
      spec({ mode: 'balanced' }),
      state({ current: 4, counters: { down: 5 } }),
      obs({ groups: ready(0, 1, 2, 3) }),
    );
    expect(d.actions).toEqual([rm(3, 'scale-down'), rm(2, 'scale-down'), rm(1, 'scale-down')]);
  });
});

describe("release: 'one' (conservative): the seed's rule", () => {
  test('removes one group and keeps no peak in state', () => {
    const sp = spec({ mode: 'conservative', groups: [1, 4] });
    const d = decide(sp, state({ current: 4, counters: { down: 60 } }), obs({ groups: ready(0, 1, 2, 3) }));
    expect(d.actions).toEqual([rm(3, 'scale-down')]);
    expect(d.state.downPeak).toBeUndefined();
  });
});
