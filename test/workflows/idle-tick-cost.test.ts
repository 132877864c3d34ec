// What an idle warehouse tick costs the workflow thread, counted exactly: the promises it makes in the workflow
// sandbox, against the bare loop's (bench/bare-loop-workflow.ts: a no-op local activity and a timer), on a real dev
// server. The SDK captures a source-mapped stack for every promise workflow code makes, and at thousands of cached
// warehouses on one worker that capture is what an idle tick costs beyond the bare loop's (bench:scale --cpu-prof).
// Both workers run in debug mode (workflows in this thread), so that a promise hook here sees the sandbox's promises.
import { promiseHooks } from 'node:v8';
import { Worker } from '@temporalio/worker';
import { createActivities } from '../../src/activities';
import { InProcessLoadReader } from '../../src/activities/in-process';
import { AutoscalerMetrics } from '../../src/observability/metrics';
import { workflowIdFor } from '../../src/policy/names';
import { withSteadyLines } from '../../src/worker';
import { eventually, useTemporalServer, workflowBundle } from '../support/temporal';
import { Harness, InProcessExecutorGroups, knownLoad, testSpec } from '../support/warehouse-harness';

const env = useTemporalServer();

/** Promises made in each workflow's sandbox, by workflow id, counted since the hook was installed. */
function countSandboxPromises(): { counts: Map<string, number>; stop: () => void } {
  const counts = new Map<string, number>();
  const stop = promiseHooks.onInit((promise: Promise<unknown>) => {
    // As the SDK finds a promise's workflow (vm-shared.js getActivator): through the sandbox's own globals.
    const sandboxFunction = promise.constructor.constructor as FunctionConstructor;
    const activator = sandboxFunction('return globalThis.__TEMPORAL_ACTIVATOR__')() as
      { info?: { workflowId: string } } | undefined;
    const id = activator?.info?.workflowId;
    if (id !== undefined) counts.set(id, (counts.get(id) ?? 0) + 1);
  });
  return { counts, stop: () => void stop() };
}

/** Each tick's promises: the differences between the counts taken as each tick's read started. */
function perTick(marks: number[]): number[] {
  return marks.slice(1).map((m, i) => m - marks[i]);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

test('an idle warehouse tick makes no more promises in the workflow sandbox than the bare loop', async () => {
  const { counts, stop } = countSandboxPromises();
  const groups = new InProcessExecutorGroups({ readyAfterMs: 0 });
  const spec = testSpec({ name: 'idlecost' });
  groups.preexisting(spec.name, [0]);
  const marks = { warehouse: [] as number[], bare: [] as number[] };
  const h = new Harness(env(), groups, () => {
    marks.warehouse.push(counts.get(workflowIdFor(spec.name)) ?? 0);
    return knownLoad({ running: 1 });
  });
  const bareTaskQueue = `${h.taskQueue}-bare`;
  const warehouseWorker = await Worker.create({
    connection: env().nativeConnection,
    taskQueue: h.taskQueue,
    workflowBundle: await workflowBundle(),
    activities: createActivities({ loadReader: new InProcessLoadReader(h.load), executorGroups: groups }),
    sinks: withSteadyLines(new AutoscalerMetrics().sinks()),
    debugMode: true,
  });
  const bareWorker = await Worker.create({
    connection: env().nativeConnection,
    taskQueue: bareTaskQueue,
    workflowsPath: require.resolve('../../bench/bare-loop-workflow'),
    activities: {
      async noop() {
        marks.bare.push(counts.get('bare-idlecost') ?? 0);
      },
    },
    debugMode: true,
  });
  const running = [warehouseWorker.run(), bareWorker.run()];
  const handles = [];
  try {
    const handle = await h.start(spec);
    handles.push(handle);
    handles.push(
      await env().client.workflow.start('bareLoopWorkflow', {
        taskQueue: bareTaskQueue,
        workflowId: 'bare-idlecost',
        args: [1000],
      }),
    );
    // The first ticks start the run (validation, the template's capture): the steady ticks after them are compared.
    await eventually('both loops ticked eight times', () => marks.warehouse.length >= 8 && marks.bare.length >= 8);
    const status = await h.status(handle);
    expect(status.state.state).toBe('Running');
    expect(status.decisions.at(-1)?.actions).toEqual([]);
    const warehouse = perTick(marks.warehouse.slice(3));
    const bareLoop = perTick(marks.bare.slice(3));
    console.log(`promises per idle tick: warehouse ${warehouse.join(', ')}; bare loop ${bareLoop.join(', ')}`);
    expect(median(bareLoop)).toBeGreaterThan(0);
    expect(median(warehouse)).toBeLessThanOrEqual(median(bareLoop));
  } finally {
    stop();
    for (const x of handles) await x.terminate('test over').catch(() => undefined);
    warehouseWorker.shutdown();
    bareWorker.shutdown();
    await Promise.all(running);
  }
}, 120000);
