// The warehouse workflow on a real dev server reading a coordinator simulator over HTTP with the real Impala reader,
// driven by the workload driver: the seed burst queues 3 queries, the workflow adds groups, the simulator admits
// them as the groups join, queue waits are reported, and no query is killed when groups are later removed.
import fs from 'node:fs';
import path from 'node:path';
import { ImpalaLoadReader } from '../../src/activities/impala/load-reader';
import { startCoordinator, type CoordinatorServer } from '../../src/sim/coordinator';
import { InProcessMembership } from '../../src/sim/in-process-membership';
import { parseTraceCsv } from '../../src/sim/trace';
import { replayTrace } from '../../src/sim/workload';
import { eventually, useTemporalServer } from '../support/temporal';
import {
  expectInOrder,
  Harness,
  InProcessExecutorGroups,
  reasonLines,
  suspendedAndRecorded,
  testSpec,
} from '../support/warehouse-harness';

const env = useTemporalServer();

test('seed burst through the simulator: groups added, queries admitted as they join, none killed on scale-down', async () => {
  const base = testSpec({ name: 'sim', scaleDownDelaySeconds: 1, autoSuspend: { enabled: true, timeoutSeconds: 2 } });
  const groups = new InProcessExecutorGroups({ readyAfterMs: 1500, drainMs: 500 });
  groups.preexisting(base.name, [0]);
  let coordinator: CoordinatorServer | undefined;
  let h: Harness | undefined;
  const handles = [];
  try {
    coordinator = await startCoordinator({
      port: 0,
      membership: new InProcessMembership(groups, base),
      groupSet: base.groupSet,
      executorsPerGroup: base.executorsPerGroup,
      queriesPerGroup: base.queriesPerGroup,
      executorMemoryMb: base.executorMemoryMb,
    });
    const spec = { ...base, coordinators: [{ url: coordinator.url }] };
    const reader = new ImpalaLoadReader({ timeoutMs: 2000 });
    h = new Harness(env(), groups, (s) => reader.read(s));
    await h.startWorker();
    const handle = await h.start(spec);
    handles.push(handle);
    await eventually('the first tick', async () => (await h!.status(handle)).state.tick >= 1);

    // 4 × 300 s queries of 10 GiB per executor at 30× speed: 10 s each, one per group by memory.
    const trace = parseTraceCsv(
      fs.readFileSync(path.resolve(__dirname, '../../traces/seed-burst.csv'), 'utf8'),
      'seed-burst.csv',
    );
    const outcomes = await replayTrace(trace, { url: coordinator.url, timeScale: 30, timeoutMs: 90000 });

    expect(outcomes.map((o) => o.state)).toEqual(['finished', 'finished', 'finished', 'finished']);
    const waits = outcomes.map((o) => o.queueWaitS).sort((a, b) => a - b);
    // One ran at once; the others waited for the groups the workflow added (trace seconds, 30× real time).
    expect(waits[0]).toBeLessThan(15);
    expect(waits[3]).toBeGreaterThan(30);
    expect(new Set(outcomes.map((o) => o.group)).size).toBeGreaterThanOrEqual(3);

    await eventually(
      'the warehouse to scale in and suspend',
      async () => suspendedAndRecorded(await h!.status(handle)),
      30000,
    );
    const lines = reasonLines(await h.status(handle));
    expectInOrder(lines, [
      'Group Set: root.default Load: numQueriesQueued 3, numQueriesRunning 1',
      'needsScaleUp is true as there are 3 queries queued.',
      'Adding new executor group: impala-executor-001',
      'CurrentExecutorGroups updated from 1 to 2',
      'Adding new executor group: impala-executor-002',
      /^Removing executor group: impala-executor-00[12]$/,
      /^Suspending warehouse: sim after 2s idle/,
    ]);
    // Nothing was killed: every query the simulator holds finished, including through the removals.
    const { queries } = (await (await fetch(`${coordinator.url}/queries`)).json()) as { queries: { state: string }[] };
    expect(queries.map((q) => q.state)).toEqual(['finished', 'finished', 'finished', 'finished']);
  } finally {
    await h?.close(handles);
    await coordinator?.close();
  }
}, 150000);
