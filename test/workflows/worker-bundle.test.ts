// The workflows as the worker bundles them, on a real dev server: compiled for the Node the worker runs on, and the Web
// UI's current details read as the Web UI reads them (the SDK's metadata query), built when read
// (src/workflows/details-query.ts), each warehouse's own, as it stands at that moment; from a worker that bundles the
// workflows from source as `worker run` does, and from the prebuilt bundle the tests and benchmarks use.
import { workflowMetadataQuery } from '@temporalio/workflow';
import { createWarehouseWorker } from '../../src/worker';
import { pauseSignal, suspendSignal } from '../../src/workflows/warehouse';
import { eventually, useTemporalServer, workflowBundle } from '../support/temporal';
import { Harness, InProcessExecutorGroups, knownLoad, testSpec } from '../support/warehouse-harness';
import { InProcessLoadReader } from '../../src/activities/in-process';

const env = useTemporalServer();

test('the workflows are compiled for ES2022: object spread is native, not helper calls', async () => {
  const { code } = await workflowBundle();
  expect(code).toMatch(/\.\.\.observation,\s*atMs: Date\.now\(\)/);
  expect(code).not.toMatch(/function _object_spread|function _define_property/);
}, 60000);

interface Metadata {
  definition: { type: string; queryDefinitions: { name: string }[] };
  currentDetails?: string;
}

async function details(handle: { query(name: string): Promise<unknown> }): Promise<string> {
  const metadata = (await handle.query(workflowMetadataQuery.name)) as Metadata;
  expect(metadata.definition.type).toBe('warehouseWorkflow');
  return metadata.currentDetails ?? '';
}

test.each([
  ['bundled from source, as `worker run` does', false],
  ['from the prebuilt bundle', true],
])(
  'each warehouse shows its own details, as they stand when read (%s)',
  async (_name, prebuilt) => {
    const groups = new InProcessExecutorGroups({ readyAfterMs: 0 });
    const busy = testSpec({ name: 'detailsbusy', nodes: { min: 2, max: 8 } });
    const quiet = testSpec({ name: 'detailsquiet', autoSuspend: { enabled: false, timeoutSeconds: 2 } });
    groups.preexisting(busy.name, [0]);
    groups.preexisting(quiet.name, [0]);
    const load = (spec: { name: string }) =>
      spec.name === busy.name ? knownLoad({ running: 5, queued: 3 }) : knownLoad({ running: 1 });
    const h = new Harness(env(), groups, load);
    if (prebuilt) await h.startWorker();
    const worker = prebuilt
      ? undefined
      : await createWarehouseWorker({
          connection: env().nativeConnection,
          taskQueue: h.taskQueue,
          deps: { loadReader: new InProcessLoadReader(load), executorGroups: groups },
        });
    const running = worker?.run();
    const handles = [await h.start(busy), await h.start(quiet)];
    const [b, q] = handles;
    try {
      await eventually('both warehouses ticked', async () =>
        (await Promise.all(handles.map((x) => h.status(x)))).every((s) => s.state.tick >= 2),
      );
      const [busyDetails, quietDetails] = await Promise.all([details(b), details(q)]);
      expect(busyDetails).toMatch(/^\*\*detailsbusy\*\* \(impala\) — (Running|ScalingUp)/);
      expect(busyDetails).toContain('3 queued, 5 running');
      expect(quietDetails).toMatch(/^\*\*detailsquiet\*\* \(impala\) — Running/);
      expect(quietDetails).toContain('0 queued, 1 running');

      // Read right after a message changes the warehouse: the details say so without waiting for a tick to publish.
      await q.signal(suspendSignal);
      await eventually('the quiet warehouse suspended', async () => (await h.status(q)).state.state === 'Suspended');
      expect(await details(q)).toMatch(/^\*\*detailsquiet\*\* \(impala\) — Suspended/);
      await b.signal(pauseSignal);
      await eventually('the pause recorded', async () => (await h.status(b)).state.paused === true);
      expect(await details(b)).toMatch(
        /\| .* \| pause \| Pause requested by the operator: holding the current size. \|/,
      );
      expect(await details(q)).not.toContain('pause');
    } finally {
      await h.close(handles);
      worker?.shutdown();
      await running;
    }
  },
  90000,
);
