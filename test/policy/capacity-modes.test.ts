// The building blocks of the decision: mode presets → tick targets, bin packing by slots and memory, names.
import { groupsNeeded, holds } from '../../src/policy/capacity';
import { limitsOf } from '../../src/policy/modes';
import { groupIndex, groupName, impalaGroupName } from '../../src/policy/names';
import { GiB, spec } from './support';

describe('limitsOf: delays become ceil(delay / poll) ticks', () => {
  test.each([
    {
      name: 'aggressive, poll 20',
      sp: spec({ mode: 'aggressive' }),
      expected: {
        upTicks: 0,
        downTicks: 3,
        suspendTicks: 15,
        scaleUpTimeoutTicks: 45,
        step: 'queue',
        release: 'surplus',
        prewarm: true,
      },
    },
    {
      name: 'balanced, poll 20',
      sp: spec({ mode: 'balanced' }),
      expected: {
        upTicks: 1,
        downTicks: 5,
        suspendTicks: 15,
        scaleUpTimeoutTicks: 45,
        step: 'queue',
        release: 'surplus',
        prewarm: true,
      },
    },
    {
      name: 'conservative, poll 20',
      sp: spec({ mode: 'conservative' }),
      expected: {
        upTicks: 3,
        downTicks: 60,
        suspendTicks: 15,
        scaleUpTimeoutTicks: 45,
        step: 'one',
        release: 'one',
        prewarm: false,
      },
    },
    {
      name: 'balanced, poll 1',
      sp: spec({ mode: 'balanced', pollIntervalSeconds: 1 }),
      expected: { upTicks: 20, downTicks: 100, suspendTicks: 300, scaleUpTimeoutTicks: 900 },
    },
    {
      name: 'balanced, poll 30 (20 s rounds up to 1 tick)',
      sp: spec({ mode: 'balanced', pollIntervalSeconds: 30 }),
      expected: { upTicks: 1, downTicks: 4, suspendTicks: 10, scaleUpTimeoutTicks: 30 },
    },
    {
      name: 'overrides 25/45 s, suspend 61 s, timeout 41 s',
      sp: spec({
        scaleUpDelaySeconds: 25,
        scaleDownDelaySeconds: 45,
        autoSuspend: { enabled: true, timeoutSeconds: 61 },
        scaleUpTimeoutSeconds: 41,
      }),
      expected: { upTicks: 2, downTicks: 3, suspendTicks: 4, scaleUpTimeoutTicks: 3, step: 'queue' },
    },
  ])('$name', ({ sp, expected }) => {
    expect(limitsOf(sp)).toMatchObject(expected);
  });

  test.each([
    { groups: [0, 4] as [number, number], minGroups: 0, maxGroups: 4, floorGroups: 1 },
    { groups: [1, 4] as [number, number], minGroups: 1, maxGroups: 4, floorGroups: 1 },
    { groups: [3, 3] as [number, number], minGroups: 3, maxGroups: 3, floorGroups: 3 },
  ])('nodes in groups $groups → min $minGroups, max $maxGroups, floor $floorGroups', ({ groups, ...expected }) => {
    expect(limitsOf(spec({ groups }))).toMatchObject(expected);
  });

  test('MEDIUM with min 40 and max 80 nodes scales between 2 and 4 groups of 20 (docs/design.md)', () => {
    const medium = { ...spec(), size: 'MEDIUM' as const, executorsPerGroup: 20, nodes: { min: 40, max: 80 } };
    expect(limitsOf(medium)).toMatchObject({ minGroups: 2, maxGroups: 4, floorGroups: 2 });
  });
});

describe('groupsNeeded: bins of queriesPerGroup slots and executorMemoryMb per executor', () => {
  test.each([
    { name: 'nothing queued', queries: 0, mem: [], expected: 0 },
    { name: '1 small query', queries: 1, mem: [], expected: 1 },
    { name: '12 small queries', queries: 12, mem: [], expected: 1 },
    { name: '13 small queries', queries: 13, mem: [], expected: 2 },
    { name: '30 small queries', queries: 30, mem: [], expected: 3 },
    { name: '3 × 10 GiB on 16 GiB', queries: 3, mem: [10, 10, 10], expected: 3 },
    { name: '2 × 8 GiB fill one group exactly', queries: 2, mem: [8, 8], expected: 1 },
    { name: 'first-fit decreasing: 10, 6, 6, 10 → 2', queries: 4, mem: [10, 6, 6, 10], expected: 2 },
    { name: 'a query larger than an executor still needs just one group', queries: 1, mem: [40], expected: 1 },
    { name: 'fewer memory figures than queries: the rest count by slots', queries: 14, mem: [10, 10], expected: 2 },
  ])('$name → $expected', ({ queries, mem, expected }) => {
    expect(
      groupsNeeded(
        spec(),
        queries,
        mem.map((m) => m * GiB),
      ),
    ).toBe(expected);
  });
});

describe('holds: would N groups still hold what runs (slots and memory)?', () => {
  test.each([
    { groups: 2, running: 24, mem: 64 * GiB, expected: { slots: true, memory: true } },
    { groups: 2, running: 25, mem: 0, expected: { slots: false, memory: true } },
    { groups: 2, running: 1, mem: 64 * GiB + 1, expected: { slots: true, memory: false } },
    { groups: 0, running: 0, mem: 0, expected: { slots: true, memory: true } },
    { groups: 0, running: 1, mem: 1, expected: { slots: false, memory: false } },
  ])('$groups groups, $running running, $mem bytes → $expected', ({ groups, running, mem, expected }) => {
    expect(holds(spec(), groups, running, mem)).toEqual(expected);
  });
});

describe('names', () => {
  test.each([
    { index: 0, k8s: 'impala-executor-000', impala: 'root.default-group-000' },
    { index: 12, k8s: 'impala-executor-012', impala: 'root.default-group-012' },
    { index: 1000, k8s: 'impala-executor-1000', impala: 'root.default-group-1000' },
  ])('$index ↔ $k8s ↔ $impala', ({ index, k8s, impala }) => {
    expect(groupName(index)).toBe(k8s);
    expect(impalaGroupName('root.default', index)).toBe(impala);
    expect(groupIndex(k8s)).toBe(index);
    expect(groupIndex(impala)).toBe(index);
  });
  test.each(['impala-executor', 'impala-executor-1', 'coordinator-0'])('%s has no group index', (n) => {
    expect(groupIndex(n)).toBeUndefined();
  });
});
