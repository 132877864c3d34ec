// A warehouse of several group sets suspends when every set is idle: a set is not auto-suspended while another set
// of the warehouse is busy (Observation.busySets), yet still scales down to its own minimum; a suspended set resumes
// only for a query queued in its own pool. Runs of earlier releases decide as before.
import { setSpecs } from '../../src/policy/group-sets';
import type { Action, Observation } from '../../src/policy/types';
import { checkRow, counters, obs, spec, state, type Row } from './support';

const [small] = setSpecs({
  ...spec(),
  groupSets: [
    { groupSet: 'root.small', executorsPerGroup: 2, nodes: { min: 0, max: 8 } },
    { groupSet: 'root.large', executorsPerGroup: 10, nodes: { min: 0, max: 40 } },
  ],
});
const named = (i: number) => `impala-executor-root-small-${String(i).padStart(3, '0')}`;
const groups = (...indices: number[]) =>
  indices.map((index) => ({ name: named(index), index, ready: true, deleting: false, runningQueries: 0 }));
const rm = (index: number, why: 'suspend' | 'scale-down'): Action => ({
  type: 'remove',
  group: named(index),
  index,
  why,
});
const busy = (o: Observation, busySets: string[]): Observation => ({ ...o, busySets }) as Observation;
const idleOne = obs({ groups: groups(0) });

describe('auto-suspend waits for every group set of the warehouse to be idle', () => {
  const rows: Row[] = [
    {
      name: 'at the timeout, another set busy: not suspended, the idle time starts again',
      spec: small,
      from: state({ current: 1, counters: { suspend: 15 } }),
      obs: busy(idleOne, ['root.large']),
      actions: [],
      rule: 'hold',
      lines: [
        'needsSuspend is false as group set root.large of warehouse wh has queries queued or running, or executor groups starting.',
      ],
      absent: ['Suspending warehouse', 'needsSuspend is true'],
      counters: counters(),
      state: 'Running',
    },
    {
      name: 'two other sets busy: both named',
      spec: small,
      from: state({ current: 1, counters: { suspend: 3 } }),
      obs: busy(idleOne, ['root.large', 'root.etl']),
      actions: [],
      lines: [
        'needsSuspend is false as group sets root.large, root.etl of warehouse wh have queries queued or running, or executor groups starting.',
      ],
      counters: counters(),
    },
    {
      name: 'every other set idle (busySets empty): suspends at the timeout',
      spec: small,
      from: state({ current: 1, counters: { suspend: 15 } }),
      obs: busy(idleOne, []),
      actions: [rm(0, 'suspend')],
      rule: 'suspend',
      lines: [
        'needsSuspend is true as there are no queries running or queued.',
        'Suspending warehouse: wh after 300s idle; removing 1 executor groups.',
        `Removing executor group: ${named(0)}`,
      ],
      state: 'Suspended',
    },
    {
      name: 'the old rules suspend a set whatever the others do',
      spec: small,
      from: state({ current: 1, counters: { suspend: 15 }, rules: 'release-4' }),
      obs: busy(idleOne, ['root.large']),
      actions: [rm(0, 'suspend')],
      absent: ['has queries queued or running'],
      state: 'Suspended',
    },
    {
      name: 'another set busy: this set still scales down to its own floor',
      spec: small,
      from: state({ current: 3, counters: { down: 5 } }),
      obs: busy(obs({ groups: groups(0, 1, 2) }), ['root.large']),
      actions: [rm(2, 'scale-down'), rm(1, 'scale-down')],
      rule: 'scale-down',
      lines: ['Scale down from 3 to 1 Executor Groups.'],
      target: 1,
      state: 'ScalingDown',
    },
    {
      name: 'suspended, another set busy, nothing queued here: stays suspended',
      spec: small,
      from: state({ current: 0, state: 'Suspended', autoSuspended: true }),
      obs: busy(obs({ groups: [] }), ['root.large']),
      actions: [],
      lines: ['Warehouse is suspended: 0 executor groups, no queries queued.'],
      state: 'Suspended',
    },
    {
      name: 'suspended, a query queued in this set: this set resumes',
      spec: small,
      from: state({ current: 0, state: 'Suspended', autoSuspended: true }),
      obs: busy(obs({ groups: [], queued: 1 }), []),
      actions: [{ type: 'add', group: named(0), index: 0 }],
      rule: 'resume',
      lines: ['Resuming warehouse as there are 1 queries queued.', `Adding new executor group: ${named(0)}`],
      state: 'ScalingUp',
    },
  ];
  test.each(rows)('$name', (row) => {
    checkRow(row);
  });
});
