// A warehouse of several group sets resolves into one spec per set (its values over the warehouse's, its own
// StatefulSet prefix); a warehouse without groupSets is its own one set, unchanged.
import { setSlug, setSpecs } from '../../src/policy/group-sets';
import { groupIndex, groupName } from '../../src/policy/names';
import type { GroupSetSpec, WarehouseSpec } from '../../src/policy/types';
import { decide } from '../../src/policy/decide';
import { obs, spec, state } from './support';

describe('setSlug', () => {
  test.each([
    ['root.small', 'root-small'],
    ['root.default', 'root-default'],
    ['Root.ETL_Large', 'root-etl-large'],
    ['bi', 'bi'],
    ['pool-2', 'pool-2'],
  ])('%s → %s', (groupSet, slug) => expect(setSlug(groupSet)).toBe(slug));
});

describe('groupName', () => {
  test('without a prefix: the one-set name', () => expect(groupName(1)).toBe('impala-executor-001'));
  test('with a set prefix, read back by groupIndex', () => {
    const name = groupName(12, 'impala-executor-root-small-');
    expect(name).toBe('impala-executor-root-small-012');
    expect(groupIndex(name)).toBe(12);
  });
});

describe('setSpecs', () => {
  const small: GroupSetSpec = { groupSet: 'root.small', executorsPerGroup: 2, nodes: { min: 0, max: 8 } };
  const large: GroupSetSpec = {
    groupSet: 'root.large',
    executorsPerGroup: 10,
    size: 'SMALL',
    nodes: { min: 10, max: 40 },
    queriesPerGroup: 4,
    executorMemoryMb: 65536,
    maxQueryMemMb: 32768,
    mode: 'conservative',
    scaleUpDelaySeconds: 0,
    scaleDownDelaySeconds: 600,
    executorTemplate: 'impala-executor-large',
  };
  const warehouse = (over: Partial<WarehouseSpec> = {}): WarehouseSpec => ({
    ...spec({ scaleDownDelaySeconds: 120, executorTemplate: 'impala-executor-000' }),
    ...over,
  });

  test('a warehouse without groupSets is its own one set: the same object', () => {
    const w = warehouse();
    const sets = setSpecs(w);
    expect(sets).toHaveLength(1);
    expect(sets[0]).toBe(w);
  });

  const rows: { name: string; set: GroupSetSpec; want: Partial<WarehouseSpec>; absent: (keyof WarehouseSpec)[] }[] = [
    {
      name: 'a set giving only its pool, group size and bounds takes the rest from the warehouse',
      set: small,
      want: {
        name: 'wh',
        namespace: 'impala',
        groupSet: 'root.small',
        executorsPerGroup: 2,
        nodes: { min: 0, max: 8 },
        queriesPerGroup: 12,
        executorMemoryMb: 16384,
        mode: 'balanced',
        scaleDownDelaySeconds: 120,
        executorTemplate: 'impala-executor-000',
        pollIntervalSeconds: 20,
        autoSuspend: { enabled: true, timeoutSeconds: 300 },
        groupPrefix: 'impala-executor-root-small-',
      },
      // The warehouse's size (XSMALL) is not the set's; no delay the warehouse left to the presets appears.
      absent: ['size', 'scaleUpDelaySeconds', 'maxQueryMemMb', 'groupSets'],
    },
    {
      name: "a set's own values override the warehouse's",
      set: large,
      want: {
        groupSet: 'root.large',
        executorsPerGroup: 10,
        size: 'SMALL',
        nodes: { min: 10, max: 40 },
        queriesPerGroup: 4,
        executorMemoryMb: 65536,
        maxQueryMemMb: 32768,
        mode: 'conservative',
        scaleUpDelaySeconds: 0,
        scaleDownDelaySeconds: 600,
        executorTemplate: 'impala-executor-large',
        groupPrefix: 'impala-executor-root-large-',
      },
      absent: ['groupSets'],
    },
  ];
  test.each(rows)('$name', ({ set, want, absent }) => {
    const [resolved] = setSpecs(warehouse({ groupSets: [set] }));
    expect(resolved).toMatchObject(want);
    for (const k of absent) expect(resolved).not.toHaveProperty(k);
  });

  test('one spec per set, in the order listed; the warehouse is not modified', () => {
    const w = warehouse({ groupSets: [large, small] });
    const before = JSON.stringify(w);
    expect(setSpecs(w).map((s) => [s.groupSet, s.groupPrefix])).toEqual([
      ['root.large', 'impala-executor-root-large-'],
      ['root.small', 'impala-executor-root-small-'],
    ]);
    expect(JSON.stringify(w)).toBe(before);
  });

  test("the warehouse's maxQueryMemMb applies to a set that sets none", () => {
    const [s] = setSpecs(warehouse({ maxQueryMemMb: 4096, groupSets: [small] }));
    expect(s.maxQueryMemMb).toBe(4096);
  });
});

describe('a set decides with its own names', () => {
  test("groups added for a set's queue are named by its prefix", () => {
    const small: GroupSetSpec = { groupSet: 'root.small', executorsPerGroup: 2, nodes: { min: 2, max: 8 } };
    const [s] = setSpecs({ ...spec(), groupSets: [small] });
    const d = decide(s, state(), obs({ groups: [] }));
    expect(d.actions).toEqual([{ type: 'add', group: 'impala-executor-root-small-000', index: 0 }]);
    expect(d.reasons).toContain('Adding new executor group: impala-executor-root-small-000');
  });
});
