// The seed scenario end to end through the real workflow on a real Temporal dev server: 4 large queries on one
// group → groups 001 and 002 added one after the other → queue drains → scale-down, busy groups last → suspend →
// one more query resumes the warehouse at once. Also records the history for the replay test.
import { MIB } from '../../src/policy/capacity';
import { SeedWorld } from '../support/seed-world';
import { eventually, replayAndRecord, useTemporalServer } from '../support/temporal';
import {
  expectInOrder,
  Harness,
  InProcessExecutorGroups,
  reasonLines,
  suspendedAndRecorded,
  testSpec,
} from '../support/warehouse-harness';

const env = useTemporalServer();

test('seed scenario: scale up one group at a time, drain, scale down, suspend, resume', async () => {
  const spec = testSpec({ name: 'seed' });
  const groups = new InProcessExecutorGroups({ readyAfterMs: 1500, drainMs: 500, callMs: 300 });
  groups.preexisting(spec.name, [0]);
  const world = new SeedWorld(groups, 10 * 1024 * MIB);
  const h = new Harness(env(), groups, (s) => world.read(s));
  await h.startWorker();
  world.submit(4, 6000);
  const handle = await h.start(spec);
  try {
    await eventually(
      'the warehouse to suspend after the queue drained',
      async () => suspendedAndRecorded(await h.status(handle)),
      60000,
    );
    const suspendedAt = reasonLines(await h.status(handle));
    expectInOrder(suspendedAt, [
      'Group Set: root.default Load: numQueriesQueued 3, numQueriesRunning 1',
      'Processing Group Set: root.default',
      'needsScaleUp is true as there are 3 queries queued.',
      'Impala autoscaler will attempt to add executor group.',
      'Adding new executor group: impala-executor-001',
      'There is a scale up pending, targetExecutorGroups=2',
      'needsScaleDown/needsSuspend is false as scaling in progress, current executor groups=1, target =2',
      'enoughConsecutive InScaleUp calls false as current 0 target 30',
      'Scale up from 1 to 2 Executor Groups is in progress.',
      'CurrentExecutorGroups updated from 1 to 2',
      /^needsScaleDown\/needsSuspend is false as there are [12] queries queued\.$/,
      'enoughConsecutive Up calls false as current 0 target 1',
      'Adding new executor group: impala-executor-002',
      'Scale up from 2 to 3 Executor Groups is in progress.',
      'CurrentExecutorGroups updated from 2 to 3',
      'Impala autoscaler will attempt to remove executor group.',
      'Scale down from 3 to 2 Executor Groups.',
      'Scale down from 2 to 1 Executor Groups.',
      'Suspending warehouse: seed after 2s idle; removing 1 executor groups.',
      'Removing executor group: impala-executor-000',
      'Impala-autoscaler sleeping for 1s',
    ]);
    // Every query ran; none waited for more than the two scale-ups it needed.
    expect(world.waits().every((w) => w !== undefined)).toBe(true);

    world.submit(1, 1000);
    await eventually(
      'the warehouse to resume on a queued query',
      async () => reasonLines(await h.status(handle)).includes('Resuming warehouse as there are 1 queries queued.'),
      15000,
    );
    await eventually('the resumed group to run the query', () => world.waits()[4] !== undefined, 15000);

    // Each record that changed the warehouse says, as data, which rule acted, why, and what it changed.
    const acted = (await h.status(handle)).decisions.filter((d) => d.changes?.length);
    for (const d of acted) expect(d.reasons).toContain(d.why);
    const rules = acted.map((d) => d.rule);
    expect(rules.slice(0, 2)).toEqual(['scale-up', 'scale-up']);
    expect(rules.slice(-2)).toEqual(['suspend', 'resume']);
    expect(new Set(rules.slice(2, -2))).toEqual(new Set(['scale-down']));
    expect(acted.flatMap((d) => d.changes!.map((c) => `${c.op} ${c.group} ${c.outcome}`)).slice(-2)).toEqual([
      'remove impala-executor-000 done',
      'add impala-executor-000 done',
    ]);

    const creates = groups.calls.filter((c) => c.op === 'create').map((c) => c.group);
    const deletes = groups.calls.filter((c) => c.op === 'delete').map((c) => c.group);
    expect(creates).toEqual(['impala-executor-001', 'impala-executor-002', 'impala-executor-000']);
    expect([...deletes.slice(0, 2)].sort()).toEqual(['impala-executor-001', 'impala-executor-002']);
    expect(deletes[2]).toBe('impala-executor-000');
    // Drain-safe: no group was removed while a query ran on it.
    for (const d of groups.calls.filter((c) => c.op === 'delete')) {
      const index = Number(d.group.slice(-3));
      const busy = world.queries.filter(
        (q) => q.group === index && q.startedAt! <= d.at && (q.finishedAt ?? Infinity) > d.at,
      );
      expect({ group: d.group, busy: busy.map((q) => q.id) }).toEqual({ group: d.group, busy: [] });
    }

    await replayAndRecord(env(), handle, 'seed-scenario');
  } finally {
    await h.close([handle]);
  }
}, 120000);
