// A warehouse of two executor group sets on a real dev server, reading the coordinator simulator over HTTP with the
// real Impala reader: small queries are routed (as Impala's planner routes them) to root.small and resume only that
// set; a large query resumes root.large; root.small, idle, is not suspended while root.large runs, and the warehouse
// suspends once both are idle. Each set's groups are named by its set, and each set decides on its own pool, its
// state carried through continue-as-new.
import { ImpalaLoadReader } from '../../src/activities/impala/load-reader';
import { setSpecs } from '../../src/policy/group-sets';
import { groupSetOptionsFor } from '../../src/sim/cluster';
import { startCoordinator, type CoordinatorServer } from '../../src/sim/coordinator';
import { InProcessMembership } from '../../src/sim/in-process-membership';
import { AutoscalerMetrics } from '../../src/observability/metrics';
import { detailsTable } from '../../src/workflows/details';
import type { WarehouseStatus } from '../../src/workflows/messages';
import { tickReport } from '../../src/workflows/sinks';
import { eventually, replayAndRecord, useTemporalServer } from '../support/temporal';
import {
  expectInOrder,
  Harness,
  InProcessExecutorGroups,
  suspendedAndRecorded,
  testSpec,
} from '../support/warehouse-harness';

const env = useTemporalServer();
const CONTINUE_EVERY = 4;

/** The lines of one set's decision records, in order. */
const setLines = (s: WarehouseStatus, groupSet: string) =>
  s.decisions.filter((d) => d.groupSet === groupSet).flatMap((d) => d.reasons);
const setState = (s: WarehouseStatus, groupSet: string) => s.sets?.find((x) => x.groupSet === groupSet)?.state;

test('two group sets: each resumes, scales and suspends on its own pool; the warehouse suspends when both are idle', async () => {
  const warehouse = testSpec({
    name: 'mixed',
    autoSuspend: { enabled: true, timeoutSeconds: 3 },
    groupSets: [
      { groupSet: 'root.small', executorsPerGroup: 2, nodes: { min: 0, max: 6 }, maxQueryMemMb: 2048 },
      { groupSet: 'root.large', executorsPerGroup: 4, nodes: { min: 0, max: 8 }, executorMemoryMb: 65536 },
    ],
  });
  const [small, large] = setSpecs(warehouse);
  const groups = new InProcessExecutorGroups({ readyAfterMs: 1500, drainMs: 500 });
  let coordinator: CoordinatorServer | undefined;
  let h: Harness | undefined;
  const handles = [];
  try {
    coordinator = await startCoordinator({
      port: 0,
      sets: [small, large].map((s) => groupSetOptionsFor(s, new InProcessMembership(groups, s))),
    });
    const url = coordinator.url;
    const spec = { ...warehouse, coordinators: [{ url }] };
    const reader = new ImpalaLoadReader({ timeoutMs: 2000 });
    h = new Harness(env(), groups, (s) => reader.read(s));
    await h.startWorker();
    // Continued as new every few ticks: each set's state must be carried across runs for any of this to hold.
    const handle = await h.start(spec, { continueAsNewAfterTicks: CONTINUE_EVERY });
    handles.push(handle);
    const status = () => h!.status(handle);
    await eventually(
      'both sets to start suspended (nodes.min 0)',
      async () => (await status()).state.state === 'Suspended',
    );

    // Three small queries (512 MB per host, under root.small's 2048 MB limit): the planner routes them to root.small.
    const submit = (memMb: number, durationMs: number) =>
      fetch(`${url}/queries`, { method: 'POST', body: JSON.stringify({ memMb, durationMs }) }).then(
        async (r) => (await r.json()) as { id: string; pool: string },
      );
    const smallQueries = await Promise.all([1, 2, 3].map(() => submit(512, 3000)));
    expect(smallQueries.map((q) => q.pool)).toEqual(['root.small', 'root.small', 'root.small']);
    await eventually('root.small to resume', async () => (await status()).sets?.[0].state.current === 1, 20000);
    let s = await status();
    expect(setState(s, 'root.large')?.state).toBe('Suspended');
    expect(groups.calls.map((c) => c.group)).toEqual(['impala-executor-root-small-000']);

    // One large query (20 GiB per host): routed to root.large, which resumes; root.small stays as it is.
    const big = await submit(20480, 8000);
    expect(big.pool).toBe('root.large');
    await eventually('root.large to resume', async () => setState(await status(), 'root.large')?.current === 1, 20000);

    // root.small's queries finish long before the large one: it is idle, but not suspended while root.large runs.
    await eventually(
      'root.small to hold while root.large runs',
      async () =>
        setLines(await status(), 'root.small').includes(
          'needsSuspend is false as group set root.large of warehouse mixed has queries queued or running, or executor groups starting.',
        ),
      20000,
    );
    expect(setState(await status(), 'root.small')?.current).toBe(1);

    await eventually(
      'the warehouse to suspend once both sets are idle, and their groups to be gone',
      async () => {
        const now = await status();
        return suspendedAndRecorded(now) && now.state.current === 0;
      },
      40000,
    );
    s = await status();
    expect(s.sets?.map((x) => [x.groupSet, x.state.state, x.state.current])).toEqual([
      ['root.small', 'Suspended', 0],
      ['root.large', 'Suspended', 0],
    ]);
    expectInOrder(setLines(s, 'root.small'), [
      'Group Set: root.small Load: numQueriesQueued 3, numQueriesRunning 0',
      'Resuming warehouse as there are 3 queries queued.',
      'Adding new executor group: impala-executor-root-small-000',
      /^needsSuspend is false as group set root.large of warehouse mixed has queries queued or running/,
      /^Suspending warehouse: mixed after 3s idle; removing 1 executor groups\.$/,
    ]);
    expectInOrder(setLines(s, 'root.large'), [
      'Warehouse is suspended: 0 executor groups, no queries queued.',
      'Group Set: root.large Load: numQueriesQueued 1, numQueriesRunning 0',
      'Resuming warehouse as there are 1 queries queued.',
      'Adding new executor group: impala-executor-root-large-000',
      /^Suspending warehouse: mixed after 3s idle/,
    ]);
    // Every group was created and removed in its own set, under its own name.
    expect(groups.calls.map((c) => `${c.op} ${c.group}`).sort()).toEqual([
      'create impala-executor-root-large-000',
      'create impala-executor-root-small-000',
      'delete impala-executor-root-large-000',
      'delete impala-executor-root-small-000',
    ]);
    // Several runs, each set's ticks counted across them (a set's state carried by continue-as-new), the decision
    // records of earlier runs kept.
    expect(s.run).toBeGreaterThan(2);
    for (const set of s.sets!) expect(set.state.tick).toBeGreaterThan(CONTINUE_EVERY * (s.run - 1));
    // The Web UI's current details have a row per set; the metrics of each set carry its name.
    const details = detailsTable(s.spec, s.state, s.lastObservation, s.decisions, s.sets);
    expect(details).toContain('| group set | state | executor groups | target | load | mode | nodes |');
    expect(details).toContain(
      '| root.small | Suspended | 0 | 0 | 0 queued, 0 running | conservative | 0–6 × 2/group |',
    );
    expect(details).toContain(
      '| root.large | Suspended | 0 | 0 | 0 queued, 0 running | conservative | 0–8 × 4/group |',
    );
    const metrics = new AutoscalerMetrics();
    for (const set of s.sets!) {
      const last = s.decisions.filter((d) => d.groupSet === set.groupSet).at(-1)!;
      metrics.tick(
        tickReport(set.spec, set.state, set.lastObservation!, {
          state: set.state,
          actions: [],
          reasons: last.reasons,
          rule: 'hold',
        }),
      );
    }
    const scrape = await metrics.registry.metrics();
    expect(scrape).toContain('impala_autoscaler_executor_groups{warehouse="mixed",group_set="root.small"} 0');
    expect(scrape).toContain('impala_autoscaler_executor_groups{warehouse="mixed",group_set="root.large"} 0');
    const { queries } = (await (await fetch(`${url}/queries`)).json()) as { queries: { state: string }[] };
    expect(queries.map((q) => q.state)).toEqual(['finished', 'finished', 'finished', 'finished']);
    // A run of a warehouse with groupSets (carried sets, a tick per set) replays, and is kept as a fixture.
    await replayAndRecord(env(), handle, 'group-sets');
  } finally {
    await h?.close(handles);
    await coordinator?.close();
  }
}, 150000);
