// The start-up break-even (src/policy/break-even.ts): aggressive releases a surplus group after one observed start-up
// and suspends its last group after the idle time that costs least over its own idle gaps — one start-up without
// knowledge of them, at once when queries come minutes apart. Earlier releases' runs keep the 300 s timeout.
import { cheapestIdleTicks, learnIdleGaps, learnSurplusGaps } from '../../src/policy/break-even';
import { decide } from '../../src/policy/decide';
import { checkRow, counters, obs, ready, rm, spec, state, type Row } from './support';

const aggressive = spec({ mode: 'aggressive', groups: [0, 4] });
const idle1 = obs({ groups: ready(0) });
const idle2 = obs({ groups: ready(0, 1) });

describe('aggressive suspends the last group at the start-up break-even, not after the 300 s timeout', () => {
  const rows: Row[] = [
    {
      name: 'no start-up observed yet: the assumed 60 s = 3 ticks; the third idle tick waits',
      spec: aggressive,
      from: state({ current: 1, counters: { suspend: 2 } }),
      obs: idle1,
      actions: [],
      lines: ['enoughConsecutive Suspend calls false as current 2 target 3'],
      counters: counters({ suspend: 3 }),
    },
    {
      name: 'after 60 s idle it suspends, saying it is the break-even',
      spec: aggressive,
      from: state({ current: 1, counters: { suspend: 3 } }),
      obs: idle1,
      actions: [rm(0, 'suspend')],
      lines: [
        'Suspending warehouse: wh after 60s idle (one start-up of 60s, the break-even); removing 1 executor groups.',
      ],
      state: 'Suspended',
    },
    {
      name: 'a start-up observed at 180 s (9 ticks): the last group is kept for 180 s',
      spec: aggressive,
      from: state({ current: 1, startupTicks: 9, counters: { suspend: 3 } }),
      obs: idle1,
      actions: [],
      lines: ['enoughConsecutive Suspend calls false as current 3 target 9'],
    },
    {
      name: 'queries came minutes apart (every gap over a start-up): it suspends on the first idle tick',
      spec: aggressive,
      from: state({ current: 1, idleGaps: [4, 4, 4, 4] }),
      obs: idle1,
      actions: [rm(0, 'suspend')],
      lines: [
        'Suspending warehouse: wh after 0s idle (cheaper than keeping it over the last 4 idle gaps, over 60s, over 60s, over 60s, over 60s, with a start-up of 60s); removing 1 executor groups.',
      ],
    },
    {
      name: 'gaps shorter than a start-up: kept for the break-even',
      spec: aggressive,
      from: state({ current: 1, idleGaps: [1, 2, 1, 2], counters: { suspend: 2 } }),
      obs: idle1,
      actions: [],
      lines: ['enoughConsecutive Suspend calls false as current 2 target 3'],
    },
    {
      name: 'auto-suspend shorter than the break-even stays the bound (20 s = 1 tick)',
      spec: spec({ mode: 'aggressive', groups: [0, 4], autoSuspend: { enabled: true, timeoutSeconds: 20 } }),
      from: state({ current: 1, counters: { suspend: 1 } }),
      obs: idle1,
      actions: [rm(0, 'suspend')],
      lines: ['Suspending warehouse: wh after 20s idle; removing 1 executor groups.'],
    },
    {
      name: 'balanced keeps the auto-suspend timeout (300 s = 15 ticks)',
      spec: spec({ groups: [0, 4] }),
      from: state({ current: 1, idleGaps: [4, 4, 4, 4], counters: { suspend: 3 } }),
      obs: idle1,
      actions: [],
      lines: ['enoughConsecutive Suspend calls false as current 3 target 15'],
    },
    {
      name: 'release 3 (a run started before): aggressive keeps the timeout, gaps or not',
      spec: aggressive,
      from: state({ current: 1, rules: 'release-3', idleGaps: [4, 4, 4, 4], counters: { suspend: 3 } }),
      obs: idle1,
      actions: [],
      lines: ['enoughConsecutive Suspend calls false as current 3 target 15'],
    },
  ];
  test.each(rows)('$name', (row) => {
    checkRow(row);
  });
});

describe('aggressive releases a surplus group after one observed start-up', () => {
  const rows: Row[] = [
    {
      name: 'start-up 60 s observed: removed at 3 ticks',
      spec: aggressive,
      from: state({ current: 2, startupTicks: 3, counters: { down: 3 } }),
      obs: idle2,
      actions: [rm(1, 'scale-down')],
    },
    {
      name: 'start-up 180 s observed: still kept at 3 ticks (target 9)',
      spec: aggressive,
      from: state({ current: 2, startupTicks: 9, counters: { down: 3 } }),
      obs: idle2,
      actions: [],
      lines: ['enoughConsecutive Down calls false as current 3 target 9'],
    },
    {
      name: 'a scale-down delay set by hand wins (200 s = 10 ticks)',
      spec: spec({ mode: 'aggressive', scaleDownDelaySeconds: 200 }),
      from: state({ current: 2, startupTicks: 3, counters: { down: 3 } }),
      obs: idle2,
      actions: [],
      lines: ['enoughConsecutive Down calls false as current 3 target 10'],
    },
    {
      name: 'release 3: the preset 60 s whatever the start-up',
      spec: aggressive,
      from: state({ current: 2, startupTicks: 9, rules: 'release-3', counters: { down: 3 } }),
      obs: idle2,
      actions: [rm(1, 'scale-down')],
    },
  ];
  test.each(rows)('$name', (row) => {
    checkRow(row);
  });
});

const short = {
  startupSeconds: 60,
  timeoutSeconds: 60,
  warning: 'executor groups take about 60s to become ready …',
};

describe('release 5: no learnt suspend while a start-up and a poll outlast the pool queue timeout', () => {
  const rows: Row[] = [
    {
      name: 'gaps say suspend at once, but a query that comes meanwhile would time out: the 300 s timeout holds',
      spec: aggressive,
      from: state({ current: 1, idleGaps: [4, 4, 4, 4], queueTimeoutShort: short, counters: { suspend: 3 } }),
      obs: idle1,
      actions: [],
      lines: ['enoughConsecutive Suspend calls false as current 3 target 15'],
    },
    {
      name: 'at the timeout it suspends, saying the timeout',
      spec: aggressive,
      from: state({ current: 1, idleGaps: [4, 4, 4, 4], queueTimeoutShort: short, counters: { suspend: 15 } }),
      obs: idle1,
      actions: [rm(0, 'suspend')],
      lines: ['Suspending warehouse: wh after 300s idle; removing 1 executor groups.'],
    },
    {
      name: 'release 4 (a run started before): the learnt suspend as before',
      spec: aggressive,
      from: state({
        current: 1,
        rules: 'release-4',
        idleGaps: [4, 4, 4, 4],
        queueTimeoutShort: short,
        counters: { suspend: 3 },
      }),
      obs: idle1,
      actions: [rm(0, 'suspend')],
    },
  ];
  test.each(rows)('$name', (row) => {
    checkRow(row);
  });
});

describe('release 5: aggressive learns its scale-down delay from the surplus stretches', () => {
  const rows: Row[] = [
    {
      name: 'every surplus stretch outlasted a start-up: the idle surplus group goes at once, saying why',
      spec: aggressive,
      from: state({ current: 2, startupTicks: 3, surplusGaps: [4, 4, 4] }),
      obs: idle2,
      actions: [rm(1, 'scale-down')],
      lines: [
        "Scale-down delay 0s: cheaper than keeping surplus executor groups over the last 3 surplus stretches (over 60s, over 60s, over 60s), a release counted as two start-ups of 60s (the group's and the wait's).",
        'Impala autoscaler will attempt to remove executor group.',
      ],
    },
    {
      name: 'stretches shorter than a start-up: kept for the break-even (3 ticks)',
      spec: aggressive,
      from: state({ current: 2, startupTicks: 3, surplusGaps: [1, 2, 1] }),
      obs: idle2,
      actions: [],
      lines: ['enoughConsecutive Down calls false as current 0 target 3'],
    },
    {
      name: 'fewer than three stretches: the break-even',
      spec: aggressive,
      from: state({ current: 2, startupTicks: 9, surplusGaps: [10, 10] }),
      obs: idle2,
      actions: [],
      lines: ['enoughConsecutive Down calls false as current 0 target 9'],
    },
    {
      name: 'a scale-down delay set by hand wins over the stretches',
      spec: spec({ mode: 'aggressive', scaleDownDelaySeconds: 200 }),
      from: state({ current: 2, startupTicks: 3, surplusGaps: [4, 4, 4] }),
      obs: idle2,
      actions: [],
      lines: ['enoughConsecutive Down calls false as current 0 target 10'],
    },
    {
      name: 'balanced keeps its preset delay (100 s = 5 ticks)',
      spec: spec(),
      from: state({ current: 2, startupTicks: 3, surplusGaps: [4, 4, 4] }),
      obs: idle2,
      actions: [],
      lines: ['enoughConsecutive Down calls false as current 0 target 5'],
    },
    {
      name: 'release 4: one start-up whatever the stretches',
      spec: aggressive,
      from: state({ current: 2, startupTicks: 3, rules: 'release-4', surplusGaps: [4, 4, 4] }),
      obs: idle2,
      actions: [],
      lines: ['enoughConsecutive Down calls false as current 0 target 3'],
    },
  ];
  test.each(rows)('$name', (row) => {
    checkRow(row);
  });
});

describe('learnSurplusGaps: from fewer groups holding the load to the load needing them all, or a queue', () => {
  const sp = spec({ mode: 'aggressive', groups: [0, 4] });
  test('3 groups, one query running: a stretch opens; a queue 2 ticks later closes it as a gap of 2', () => {
    const s = state({ tick: 10, current: 3, startupTicks: 3 });
    learnSurplusGaps(sp, s, obsLoad(0, 1));
    expect(s.surplusSince).toEqual({ tick: 10, groups: 3 });
    s.tick = 12;
    s.current = 1;
    learnSurplusGaps(sp, s, obsLoad(3, 12));
    expect(s.surplusGaps).toEqual([2]);
    expect(s.surplusSince).toBeUndefined();
  });
  test('no need for the groups within a start-up and a tick: counted as that (4), and the next stretch opens', () => {
    const s = state({ tick: 0, current: 2, startupTicks: 3 });
    learnSurplusGaps(sp, s, obsLoad(0, 0));
    s.tick = 4;
    learnSurplusGaps(sp, s, obsLoad(0, 0));
    expect(s.surplusGaps).toEqual([4]);
    expect(s.surplusSince).toEqual({ tick: 4, groups: 2 });
  });
  test('the load needing every group closes the stretch; one group at the floor opens none', () => {
    const s = state({ tick: 0, current: 2, startupTicks: 3 });
    learnSurplusGaps(sp, s, obsLoad(0, 1));
    s.tick = 1;
    learnSurplusGaps(sp, s, obsLoad(0, 13));
    expect(s.surplusGaps).toEqual([1]);
    expect(s.surplusSince).toBeUndefined();
    const one = state({ tick: 0, current: 1 });
    learnSurplusGaps(sp, one, obsLoad(0, 0));
    expect(one.surplusSince).toBeUndefined();
  });
  test('runs of earlier releases keep no stretches', () => {
    const s = state({ tick: 0, current: 3, rules: 'release-4' });
    learnSurplusGaps(sp, s, obsLoad(0, 0));
    expect(s.surplusSince).toBeUndefined();
  });
});

describe('cheapestIdleTicks: idle ticks before suspending that cost least over the gaps (start-up 3 ticks)', () => {
  test.each([
    { gaps: [], expected: 3, why: 'no gaps: the break-even' },
    { gaps: [4, 4], expected: 3, why: 'too few gaps to judge' },
    { gaps: [4, 4, 4], expected: 0, why: 'every gap longer than a start-up: at once' },
    { gaps: [1, 1, 1], expected: 3, why: 'short gaps: kept (a tie goes to the longer wait)' },
    { gaps: [1, 1, 4, 4, 4, 4], expected: 1, why: 'mostly long with a few one-tick gaps: one tick' },
  ])('$why', ({ gaps, expected }) => {
    expect(cheapestIdleTicks(gaps, 3)).toBe(expected);
  });
  test('a restart counted as two start-ups (the scale-down delay) keeps through gaps that one start-up would not', () => {
    expect(cheapestIdleTicks([2, 2, 4, 4], 3)).toBe(0);
    expect(cheapestIdleTicks([2, 2, 4, 4], 3, 6)).toBe(2);
  });
});

describe('learnIdleGaps: from the first idle tick to the next load, suspended or not', () => {
  test('two idle ticks then a queue at a suspended warehouse: one gap of 3 ticks', () => {
    const sp = spec({ mode: 'aggressive', groups: [0, 4] });
    const s = state({ tick: 10 });
    learnIdleGaps(sp, s, obsLoad(0, 0));
    s.tick = 13;
    learnIdleGaps(sp, s, obsLoad(2, 0));
    expect(s.idleGaps).toEqual([3]);
    expect(s.idleSinceTick).toBeUndefined();
  });
  test('a gap longer than a start-up is kept as one start-up and a tick; the last 8 are kept', () => {
    const sp = spec({ mode: 'aggressive', groups: [0, 4] });
    const s = state({ tick: 0, idleGaps: [1, 1, 1, 1, 1, 1, 1, 1] });
    learnIdleGaps(sp, s, obsLoad(0, 0));
    s.tick = 500;
    learnIdleGaps(sp, s, obsLoad(0, 1));
    expect(s.idleGaps).toEqual([1, 1, 1, 1, 1, 1, 1, 4]);
  });
  test('decide() records the gaps with the release-4 rules only', () => {
    const sp = spec({ mode: 'aggressive', groups: [0, 4] });
    let s4 = state({ current: 1 });
    let s3 = state({ current: 1, rules: 'release-3' });
    for (const o of [idle1, idle1, obs({ groups: ready(0), running: 1 })]) {
      s4 = decide(sp, s4, o).state;
      s3 = decide(sp, s3, o).state;
    }
    expect(s4.idleGaps).toEqual([2]);
    expect(s3.idleGaps).toBeUndefined();
  });
});

function obsLoad(queued: number, running: number) {
  const o = obs({ groups: [], queued, running });
  if (o.kind !== 'known') throw new Error('known observation expected');
  return o.load;
}
