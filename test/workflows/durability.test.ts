// Scaling progress survives continue-as-new and a worker restart: counters and pending scale-ups carry over, and
// no second group is ever created for one decision.
import { setTimeout as sleep } from 'node:timers/promises';
import type { LoadResult } from '../../src/activities/interfaces';
import { eventually, replayAndRecord, useTemporalServer } from '../support/temporal';
import { Harness, InProcessExecutorGroups, reasonLines, testSpec, knownLoad } from '../support/warehouse-harness';

const env = useTemporalServer();

const queued = (n: number): LoadResult => knownLoad({ queued: n, running: 1 });

/** The InScaleUp counter values the workflow logged, in order. */
function inScaleUpCounts(lines: string[]): number[] {
  return lines.flatMap((l) => {
    const m = /^enoughConsecutive InScaleUp calls false as current (\d+) target \d+$/.exec(l);
    return m ? [Number(m[1])] : [];
  });
}

test('continue-as-new carries counters and a pending scale-up', async () => {
  const spec = testSpec({ name: 'can', scaleUpTimeoutSeconds: 60 });
  // 001 never becomes ready during the test: every run sees the same pending scale-up, however slow the machine.
  const groups = new InProcessExecutorGroups({ readyAfterMs: 600000 });
  groups.preexisting(spec.name, [0]);
  const h = new Harness(env(), groups, () => queued(3));
  await h.startWorker();
  const handle = await h.start(spec, { continueAsNewAfterTicks: 3 });
  try {
    const status = await eventually(
      'two continue-as-new carry-overs during the pending scale-up',
      async () => {
        const s = await h.status(handle);
        return s.run >= 3 ? s : undefined;
      },
      20000,
    );
    const counts = inScaleUpCounts(reasonLines(status));
    // One run is 3 ticks; the counter kept counting across runs instead of restarting at 0.
    expect(counts.length).toBeGreaterThanOrEqual(4);
    expect(counts).toEqual(counts.map((_, i) => counts[0] + i));
    expect(status.state.pending[0].name).toBe('impala-executor-001');
    // The third run's first tick (the status above may be read before it): ticks go on numbering across runs.
    const third = await eventually(
      "the third run's first tick",
      async () => {
        const s = await h.status(handle);
        return s.state.tick !== status.state.tick || s.run > status.run ? s : undefined;
      },
      20000,
    );
    expect(third.state.tick).toBeGreaterThanOrEqual(7);
    expect(groups.calls.filter((c) => c.op === 'create').map((c) => c.group)).toEqual(['impala-executor-001']);
    const desc = await handle.describe();
    expect(desc.runId).not.toBe(handle.firstExecutionRunId);
    // The latest run starts from a continue-as-new input carrying the whole state.
    await replayAndRecord(env(), handle, 'continued-as-new-run');
  } finally {
    await h.close([handle]);
  }
}, 60000);

test('a worker stopped and restarted during a pending scale-up creates no second group and keeps its counters', async () => {
  const spec = testSpec({ name: 'restart', scaleUpTimeoutSeconds: 60 });
  const groups = new InProcessExecutorGroups({ readyAfterMs: 7000 });
  groups.preexisting(spec.name, [0]);
  let load = queued(3);
  const h = new Harness(env(), groups, () => load);
  await h.startWorker('worker-1');
  const handle = await h.start(spec);
  try {
    await eventually(
      'the scale-up to be pending',
      async () => (await h.status(handle)).state.pending.length === 1,
      10000,
    );
    const before = inScaleUpCounts(reasonLines(await h.status(handle)));
    await h.stopWorker();
    await sleep(2000);
    await h.startWorker('worker-2');
    await eventually(
      'the pending group to become ready',
      async () => (await h.status(handle)).state.current === 2,
      20000,
    );
    load = queued(0);
    const status = await h.status(handle);
    const after = inScaleUpCounts(reasonLines(status));
    expect(after.slice(0, before.length)).toEqual(before);
    expect(after).toEqual(after.map((_, i) => i));
    expect(groups.calls.filter((c) => c.op === 'create').map((c) => c.group)).toEqual(['impala-executor-001']);
    expect((await groups.list(spec)).groups.map((g) => g.name)).toEqual(['impala-executor-000', 'impala-executor-001']);
  } finally {
    await h.close([handle]);
  }
}, 60000);
