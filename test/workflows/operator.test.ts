// Operator messages on a real dev server: resize (update and signal, accepted and rejected), suspend, resume,
// pause and unpause taking effect at once rather than at the next tick; one-way freezes.
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { workflowIdFor } from '../../src/policy/names';
import {
  type DecisionRecord,
  freezeScaleInSignal,
  freezeScaleOutSignal,
  pauseSignal,
  resizeSignal,
  resizeUpdate,
  resumeSignal,
  SA_FROZEN,
  suspendSignal,
  unfreezeSignal,
  unpauseSignal,
  warehouseWorkflow,
} from '../../src/workflows/warehouse';
import { eventually, replayAndRecord, useTemporalServer } from '../support/temporal';
import { Harness, InProcessExecutorGroups, reasonLines, testSpec, knownLoad } from '../support/warehouse-harness';

const env = useTemporalServer();

const idle = knownLoad({ running: 1 });

test('resize: a valid update is applied and returned; an invalid one is rejected with the field and writes nothing', async () => {
  const spec = testSpec({ name: 'resize' });
  const groups = new InProcessExecutorGroups({ readyAfterMs: 0 });
  groups.preexisting(spec.name, [0]);
  const h = new Harness(env(), groups, () => idle);
  await h.startWorker();
  const handle = await h.start(spec);
  try {
    await eventually('the first tick', async () => (await h.status(handle)).state.tick >= 1);
    const updated = await handle.executeUpdate(resizeUpdate, {
      args: [{ nodes: { min: 4, max: 8 }, mode: 'aggressive' }],
    });
    expect(updated).toMatchObject({ nodes: { min: 4, max: 8 }, mode: 'aggressive' });
    // min 4 nodes = 2 groups: the loop wakes at once and adds the missing group.
    await eventually(
      'the group the new minimum needs',
      () => groups.calls.some((c) => c.op === 'create' && c.group === 'impala-executor-001'),
      5000,
    );

    const before = (await h.status(handle)).spec;
    const rejected = await handle
      .executeUpdate(resizeUpdate, { args: [{ nodes: { min: 10, max: 4 } }] })
      .catch((e: unknown) => e);
    expect(rejected).toBeInstanceOf(WorkflowUpdateFailedError);
    expect(String((rejected as WorkflowUpdateFailedError).cause?.message)).toContain(
      'nodes.max must be ≥ nodes.min (got 4 < 10)',
    );
    const unknownField = await handle
      .executeUpdate(resizeUpdate, { args: [{ nodes: { min: 4 }, colour: 'red' } as never] })
      .catch((e: unknown) => e);
    expect(String((unknownField as WorkflowUpdateFailedError).cause?.message)).toContain('unknown field colour');
    const after = await h.status(handle);
    expect(after.spec).toEqual(before);
    expect(after.decisions.filter((d) => d.actions.includes('resize'))).toHaveLength(1);

    // The same change as a signal: an invalid one is recorded as a rejected decision and changes nothing.
    await handle.signal(resizeSignal, { mode: 'fastest' as never });
    await eventually('the rejected signal in the decision log', async () =>
      reasonLines(await h.status(handle)).some((l) => l.startsWith('Resize rejected: resize: mode must be one of')),
    );
    expect((await h.status(handle)).spec).toEqual(before);
    await handle.signal(resizeSignal, { mode: 'conservative' });
    await eventually('the accepted signal', async () => (await h.status(handle)).spec.mode === 'conservative');
    await replayAndRecord(env(), handle, 'resize-update-and-signal');
  } finally {
    await h.close([handle]);
  }
});

test('suspend, resume, pause and unpause take effect at once, not at the next tick', async () => {
  // A 30 s poll interval, and each signal sent just after a tick (the first tick, or one a message woke): the next
  // tick is due about 30 s later, so an effect recorded within a few seconds of the signal was woken by it.
  const spec = testSpec({ name: 'signals', pollIntervalSeconds: 30, scaleUpDelaySeconds: 0 });
  const groups = new InProcessExecutorGroups({ readyAfterMs: 0, drainMs: 0 });
  groups.preexisting(spec.name, [0]);
  let queued = 0;
  const h = new Harness(env(), groups, () => knownLoad({ queued }));
  await h.startWorker();
  const handle = await h.start(spec);
  const AT_ONCE_MS = 5000;
  /**
   * Sends the signal, then finds in the workflow's own decision log the operator's note and the tick that acted on
   * it: that must be the very next tick, recorded within AT_ONCE_MS of the note.
   */
  const effectOf = async (
    signal: () => Promise<void>,
    note: string,
    effect: (d: DecisionRecord) => boolean,
    what: string,
  ) => {
    await signal();
    // Longer than a poll interval: without the wake-up the next tick would still come, late, and fail below.
    const s = await eventually(
      what,
      async () => {
        const st = await h.status(handle);
        return st.decisions.some(effect) && st;
      },
      45_000,
      100,
    );
    const noted = [...s.decisions].reverse().find((d) => d.actions.includes(note))!;
    const acted = s.decisions.find(
      (d) => d.tick > noted.tick && d.reasons.some((r) => r.startsWith('Impala-autoscaler sleeping for')),
    )!;
    expect({ what, effect: effect(acted), tick: acted.tick }).toEqual({ what, effect: true, tick: noted.tick + 1 });
    const latency = Date.parse(acted.at) - Date.parse(noted.at);
    expect({ what, latencyMs: latency, atOnce: latency < AT_ONCE_MS }).toEqual({
      what,
      latencyMs: latency,
      atOnce: true,
    });
  };
  const line = (text: string) => (d: DecisionRecord) => d.reasons.some((r) => r.startsWith(text));
  try {
    await eventually('the first tick', async () => (await h.status(handle)).state.tick >= 1);

    await effectOf(
      () => handle.signal(suspendSignal),
      'suspend',
      line('Suspending warehouse: signals as the operator asked'),
      'suspend',
    );
    expect((await h.status(handle)).state.state).toBe('Suspended');
    expect(groups.calls.filter((c) => c.op === 'delete').map((c) => c.group)).toEqual(['impala-executor-000']);

    // Suspended by the operator: a queued query does not resume it, the operator's resume does.
    queued = 2;
    await handle.signal(pauseSignal);
    await handle.signal(unpauseSignal);
    await eventually(
      'the queue seen while suspended',
      async () =>
        reasonLines(await h.status(handle)).includes(
          'Warehouse is suspended by the operator; 2 queries queued wait for resume.',
        ),
      5000,
    );
    expect(groups.calls.filter((c) => c.op === 'create')).toHaveLength(0);

    await effectOf(
      () => handle.signal(resumeSignal),
      'resume',
      (d) => line('Resuming warehouse as the operator asked.')(d) && d.actions.includes('add impala-executor-000'),
      'resume',
    );
    await effectOf(() => handle.signal(pauseSignal), 'pause', line('Scaling is paused by the operator'), 'pause');
    // Unpaused with 2 queued and a 0 s scale-up delay: the next group comes at once.
    await effectOf(
      () => handle.signal(unpauseSignal),
      'unpause',
      (d) => d.actions.includes('add impala-executor-001'),
      'scale-up after unpause',
    );
    await replayAndRecord(env(), handle, 'operator-signals');
  } finally {
    await h.close([handle]);
  }
}, 240_000);

test('freezes: scale-in held, then scale-out too, in status and the search attribute; unfreeze scales at once', async () => {
  const spec = testSpec({ name: 'freezes', scaleUpDelaySeconds: 0 });
  const groups = new InProcessExecutorGroups({ readyAfterMs: 0, drainMs: 0 });
  groups.preexisting(spec.name, [0, 1]);
  let queued = 0;
  const h = new Harness(env(), groups, () => knownLoad({ queued }));
  await h.startWorker();
  // Frozen from the first tick: two idle groups above the minimum of one would otherwise go after 2 s.
  const handle = await env().client.workflow.signalWithStart(warehouseWorkflow, {
    taskQueue: h.taskQueue,
    workflowId: workflowIdFor(spec.name),
    args: [{ spec }],
    signal: freezeScaleInSignal,
    signalArgs: [],
  });
  const frozenAttribute = async () => (await handle.describe()).typedSearchAttributes.get(SA_FROZEN);
  const heldIn = (d: DecisionRecord) =>
    d.reasons.some((r) =>
      r.startsWith(
        'needsScaleDown is true as there are no queries queued and 1 executor groups would hold 0 running queries, but scale-in is frozen by the operator; holding 2 executor groups.',
      ),
    );
  /** The status once `n` decisions say `held`. */
  const ticksSaying = (held: (d: DecisionRecord) => boolean, n: number, what: string) =>
    eventually(
      what,
      async () => {
        const st = await h.status(handle);
        return st.decisions.filter(held).length >= n && st;
      },
      60_000,
      200,
    );
  try {
    // Past the scale-down delay (2 ticks) and the auto-suspend timeout several times over: nothing removed.
    const s1 = await ticksSaying(heldIn, 8, 'eight ticks holding scale-in');
    expect(groups.calls).toEqual([]);
    expect(s1.state.frozen).toEqual({ scaleIn: true, scaleOut: false });
    expect(s1.state.current).toBe(2);
    expect(await frozenAttribute()).toEqual(['ScaleIn']);
    await eventually(
      'listed by the search attribute',
      async () => {
        const ids: string[] = [];
        for await (const wf of env().client.workflow.list({ query: "ImpalaScalingFrozen = 'ScaleIn'" }))
          ids.push(wf.workflowId);
        return ids.includes(handle.workflowId);
      },
      20_000,
      250,
    );

    // Scale-out frozen too: a queue of 30 (three groups' worth) adds nothing.
    await handle.signal(freezeScaleOutSignal);
    queued = 30;
    const heldOut = (d: DecisionRecord) =>
      d.reasons.includes(
        'needsScaleUp is true as there are 30 queries queued, but scale-out is frozen by the operator; holding 2 executor groups.',
      );
    const s2 = await ticksSaying(heldOut, 4, 'four ticks holding scale-out');
    expect(groups.calls).toEqual([]);
    expect(s2.state.frozen).toEqual({ scaleIn: true, scaleOut: true });
    expect(await frozenAttribute()).toEqual(['ScaleIn', 'ScaleOut']);
    expect(s2.decisions.map((d) => d.actions).flat()).toEqual(
      expect.arrayContaining(['freeze scale-in', 'freeze scale-out']),
    );

    // Unfreeze: the queue's group comes on the tick the signal wakes (a 0 s scale-up delay), and the attribute goes.
    await handle.signal(unfreezeSignal);
    await eventually('the scale-up after unfreeze', () => groups.calls.some((c) => c.op === 'create'), 10_000, 100);
    expect(groups.calls.map((c) => `${c.op} ${c.group}`)).toEqual(['create impala-executor-002']);
    // The workflow hands each action its Kubernetes Event: the reason, and the decision's line saying why.
    expect(groups.events).toEqual([
      {
        group: 'impala-executor-002',
        reason: 'ScaledUp',
        message: 'needsScaleUp is true as there are 30 queries queued.',
      },
    ]);
    expect((await h.status(handle)).state.frozen).toEqual({ scaleIn: false, scaleOut: false });
    await eventually('the search attribute removed', async () => (await frozenAttribute()) === undefined, 10_000, 200);
    await replayAndRecord(env(), handle, 'freezes');
  } finally {
    await h.close([handle]);
  }
}, 240_000);
