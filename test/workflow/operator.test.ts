// Operator messages on a real dev server: resize (update and signal, accepted and rejected), suspend, resume,
// pause and unpause taking effect at once rather than at the next tick.
import { WorkflowUpdateFailedError } from '@temporalio/client';
import type { LoadResult } from '../../src/activities/interfaces';
import { pauseSignal, resizeSignal, resizeUpdate, resumeSignal, suspendSignal, unpauseSignal } from '../../src/workflows/warehouse';
import { eventually, replayAndRecord, useTemporalServer } from '../support/temporal';
import { Harness, InProcessExecutorGroups, reasonLines, testSpec } from '../support/warehouse-harness';

const env = useTemporalServer();

const idle: LoadResult = { ok: true, load: { queued: 0, running: 1, memReservedBytes: 0, queuedQueryMemBytes: [], healthyGroups: 1, runningByGroup: {}, warnings: [] } };

test('resize: a valid update is applied and returned; an invalid one is rejected with the field and writes nothing', async () => {
  const spec = testSpec({ name: 'resize' });
  const groups = new InProcessExecutorGroups({ readyAfterMs: 0 });
  groups.seed(spec.name, [0]);
  const h = new Harness(env(), groups, () => idle);
  await h.startWorker();
  const handle = await h.start(spec);
  try {
    await eventually('the first tick', async () => (await h.status(handle)).state.tick >= 1);
    const updated = await handle.executeUpdate(resizeUpdate, { args: [{ nodes: { min: 4, max: 8 }, mode: 'aggressive' }] });
    expect(updated).toMatchObject({ nodes: { min: 4, max: 8 }, mode: 'aggressive' });
    // min 4 nodes = 2 groups: the loop wakes at once and adds the missing group.
    await eventually('the group the new minimum needs', () => groups.calls.some((c) => c.op === 'create' && c.group === 'impala-executor-001'), 5000);

    const before = (await h.status(handle)).spec;
    const rejected = await handle.executeUpdate(resizeUpdate, { args: [{ nodes: { min: 10, max: 4 } }] }).catch((e: unknown) => e);
    expect(rejected).toBeInstanceOf(WorkflowUpdateFailedError);
    expect(String((rejected as WorkflowUpdateFailedError).cause?.message)).toContain('nodes.max must be ≥ nodes.min (got 4 < 10)');
    const unknownField = await handle.executeUpdate(resizeUpdate, { args: [{ nodes: { min: 4 }, colour: 'red' } as never] }).catch((e: unknown) => e);
    expect(String((unknownField as WorkflowUpdateFailedError).cause?.message)).toContain('unknown field colour');
    const after = await h.status(handle);
    expect(after.spec).toEqual(before);
    expect(after.decisions.filter((d) => d.actions.includes('resize'))).toHaveLength(1);

    // The same change as a signal: an invalid one is recorded as a rejected decision and changes nothing.
    await handle.signal(resizeSignal, { mode: 'fastest' as never });
    await eventually('the rejected signal in the decision log', async () => reasonLines(await h.status(handle)).some((l) => l.startsWith('Resize rejected: resize: mode must be one of')));
    expect((await h.status(handle)).spec).toEqual(before);
    await handle.signal(resizeSignal, { mode: 'conservative' });
    await eventually('the accepted signal', async () => (await h.status(handle)).spec.mode === 'conservative');
    await replayAndRecord(env(), handle, 'resize-update-and-signal');
  } finally {
    await h.close([handle]);
  }
});

test('suspend, resume, pause and unpause take effect at once, not at the next tick', async () => {
  // A 30 s poll interval: anything that happens within a few seconds of a signal was woken by it.
  const spec = testSpec({ name: 'signals', pollIntervalSeconds: 30, scaleUpDelaySeconds: 0 });
  const groups = new InProcessExecutorGroups({ readyAfterMs: 0, drainMs: 0 });
  groups.seed(spec.name, [0]);
  let queued = 0;
  const h = new Harness(env(), groups, () => ({ ok: true, load: { ...idle.load, queued, running: 0 } }));
  await h.startWorker();
  const handle = await h.start(spec);
  try {
    await eventually('the first tick', async () => (await h.status(handle)).state.tick >= 1);

    let sent = Date.now();
    await handle.signal(suspendSignal);
    await eventually('suspend', async () => (await h.status(handle)).state.state === 'Suspended', 5000);
    expect(Date.now() - sent).toBeLessThan(spec.pollIntervalSeconds * 1000);
    expect(groups.calls.filter((c) => c.op === 'delete').map((c) => c.group)).toEqual(['impala-executor-000']);

    // Suspended by the operator: a queued query does not resume it, the operator's resume does.
    queued = 2;
    await handle.signal(pauseSignal);
    await handle.signal(unpauseSignal);
    await eventually('the queue seen while suspended', async () => reasonLines(await h.status(handle)).includes('Warehouse is suspended by the operator; 2 queries queued wait for resume.'), 5000);
    expect(groups.calls.filter((c) => c.op === 'create')).toHaveLength(0);

    sent = Date.now();
    await handle.signal(resumeSignal);
    await eventually('resume', () => groups.calls.some((c) => c.op === 'create'), 5000);
    expect(Date.now() - sent).toBeLessThan(spec.pollIntervalSeconds * 1000);

    await handle.signal(pauseSignal);
    await eventually('pause', async () => (await h.status(handle)).state.state === 'Paused', 5000);
    const creates = groups.calls.filter((c) => c.op === 'create').length;
    await handle.signal(unpauseSignal);
    // Unpaused with 2 queued and a 0 s scale-up delay: the next group comes at once.
    await eventually('scale-up after unpause', () => groups.calls.filter((c) => c.op === 'create').length > creates, 5000);
    await replayAndRecord(env(), handle, 'operator-signals');
  } finally {
    await h.close([handle]);
  }
});
