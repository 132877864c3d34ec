// Bad input, part 2: every invalid resize of the table sent as the workflow's `resize` update on a real dev server is
// rejected by the update's validator with a message naming the field — and nothing is written: no update event in
// the history, the spec and the decision log unchanged, no executor group created or removed. A valid update
// afterwards shows that the same path does write when the change is good. Plus a workflow started directly (by the
// `temporal` CLI or a client that skipped our validation) with an invalid spec.
import { type ApplicationFailure, WorkflowFailedError, WorkflowUpdateFailedError } from '@temporalio/client';
import { workflowIdFor } from '../../src/policy/names';
import type { WarehouseSpec } from '../../src/policy/types';
import { resizeSignal, resizeUpdate, warehouseWorkflow } from '../../src/workflows/warehouse';
import { eventually, useTemporalServer } from '../support/temporal';
import { Harness, InProcessExecutorGroups, reasonLines, testSpec, knownLoad } from '../support/warehouse-harness';
import { RESIZE_CASES, VALID } from './cases';
import { writesInHistory } from './support';

const env = useTemporalServer();

// One query running: neither scale-down nor suspend, so the only writes would be the ones a bad resize made.
const busy = knownLoad({ running: 1 });

test(`${RESIZE_CASES.length} invalid resize updates: each rejected naming the field, nothing written`, async () => {
  const spec = testSpec({ name: 'bad-resize', executorsPerGroup: VALID.executorsPerGroup, nodes: VALID.nodes });
  const groups = new InProcessExecutorGroups({ readyAfterMs: 0 });
  groups.preexisting(spec.name, [0]);
  const h = new Harness(env(), groups, () => busy);
  await h.startWorker();
  const handle = await h.start(spec);
  try {
    await eventually('the first tick', async () => (await h.status(handle)).state.tick >= 1);
    const before = await h.status(handle);
    const callsBefore = groups.calls.length;

    const failures: string[] = [];
    for (const c of RESIZE_CASES) {
      const err = await handle.executeUpdate(resizeUpdate, { args: [c.resize as never] }).then(
        () => undefined,
        (e: unknown) => e,
      );
      if (!(err instanceof WorkflowUpdateFailedError)) {
        failures.push(
          `${c.what}: expected a rejected update, got ${err === undefined ? 'an accepted one' : String(err)}`,
        );
        continue;
      }
      const message = String(err.cause?.message);
      const missing = c.names.filter((n) => !message.includes(n));
      if (missing.length) failures.push(`${c.what}: message "${message}" does not name ${missing.join(', ')}`);
    }
    expect(failures).toEqual([]);

    // Nothing written: no update in the history, same spec, no resize in the decision log, no group touched.
    expect((await writesInHistory(handle)).updates).toBe(0);
    const after = await h.status(handle);
    expect(after.spec).toEqual(before.spec);
    expect(after.decisions.filter((d) => d.actions.some((a) => a.startsWith('resize')))).toEqual([]);
    expect(groups.calls.length).toBe(callsBefore);

    // The same path writes a valid change: one update recorded, the spec changed.
    const updated = await handle.executeUpdate(resizeUpdate, { args: [{ nodes: { max: 8 } }] });
    expect(updated.nodes).toEqual({ min: 2, max: 8 });
    expect((await writesInHistory(handle)).updates).toBeGreaterThan(0);
  } finally {
    await h.close([handle]);
  }
});

test('invalid resize signals: recorded as rejected with the field named, the spec unchanged, no group touched', async () => {
  const spec = testSpec({ name: 'bad-resize-signal', executorsPerGroup: VALID.executorsPerGroup, nodes: VALID.nodes });
  const groups = new InProcessExecutorGroups({ readyAfterMs: 0 });
  groups.preexisting(spec.name, [0]);
  const h = new Harness(env(), groups, () => busy);
  await h.startWorker();
  const handle = await h.start(spec);
  try {
    await eventually('the first tick', async () => (await h.status(handle)).state.tick >= 1);
    const before = await h.status(handle);
    const callsBefore = groups.calls.length;
    const cases = RESIZE_CASES.filter((c) =>
      [
        'nodes.min > nodes.max',
        'mode not a mode',
        'a field a resize cannot change (name ../x)',
        'nodes.min a string',
      ].includes(c.what),
    );
    expect(cases).toHaveLength(4);
    for (const c of cases) await handle.signal(resizeSignal, c.resize as never);
    const rejected = await eventually('every rejected signal in the decision log', async () => {
      const lines = reasonLines(await h.status(handle)).filter((l) => l.startsWith('Resize rejected:'));
      return lines.length >= cases.length ? lines : undefined;
    });
    cases.forEach((c, i) => {
      for (const n of c.names) expect(rejected[i]).toContain(n);
      expect(rejected[i]).toContain('nothing changed');
    });
    const after = await h.status(handle);
    expect(after.spec).toEqual(before.spec);
    expect(groups.calls.length).toBe(callsBefore);
  } finally {
    await h.close([handle]);
  }
});

// A workflow started around our validation (`temporal workflow start --input …`, or a client that skipped it) with a
// name Kubernetes would refuse: the workflow validates its own input and fails at once, naming the field.
test('a workflow started directly with an invalid spec fails at once, naming the field, and touches no group', async () => {
  const bad = { ...testSpec({ name: 'direct' }), name: '../x', namespace: 'Kube System' } as WarehouseSpec;
  const groups = new InProcessExecutorGroups({ readyAfterMs: 0 });
  const h = new Harness(env(), groups, () => busy);
  await h.startWorker();
  const handle = await env().client.workflow.start(warehouseWorkflow, {
    taskQueue: h.taskQueue,
    workflowId: workflowIdFor('direct-invalid'),
    args: [{ spec: bad }],
  });
  try {
    const outcome = await Promise.race([
      handle.result().then(
        () => 'completed',
        (e: unknown) =>
          e instanceof WorkflowFailedError
            ? `failed: ${(e.cause as ApplicationFailure | undefined)?.type}: ${e.cause?.message}`
            : `error: ${String(e)}`,
      ),
      new Promise<string>((r) => setTimeout(() => r('still running after 5 s'), 5000)),
    ]);
    expect(outcome).toMatch(/^failed: InvalidSpec: warehouse workflow input: .*name/);
    expect(groups.calls).toEqual([]);
  } finally {
    await h.close([handle]);
  }
});
