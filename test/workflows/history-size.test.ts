// What one tick writes to workflow history stays small with a long queue: the observation (the `observe` local
// activity's result, a marker in history) carries bounded summaries of the queued and running queries' memory, not one
// number per query. Measured on a real dev server, the real reader and the coordinator simulator over HTTP, with 1,000
// queued queries: the history's own bytes (protobuf, as the server stores them) per tick, printed and bounded.
import { temporal } from '@temporalio/proto';
import { ImpalaLoadReader } from '../../src/activities/impala/load-reader';
import { clusterOptionsFor } from '../../src/sim/cluster';
import { startCoordinator, type CoordinatorServer } from '../../src/sim/coordinator';
import { InProcessMembership } from '../../src/sim/in-process-membership';
import { eventually, useTemporalServer } from '../support/temporal';
import { Harness, InProcessExecutorGroups, testSpec } from '../support/warehouse-harness';

const env = useTemporalServer();
const { HistoryEvent } = temporal.api.history.v1;
const { EventType } = temporal.api.enums.v1;
const QUEUED = 1000;

test(`history per tick with ${QUEUED} queued queries stays under 2 KB`, async () => {
  // One group, at its maximum: every tick observes the whole queue and decides nothing new.
  const base = testSpec({
    name: 'history',
    nodes: { min: 2, max: 2 },
    autoSuspend: { enabled: false, timeoutSeconds: 2 },
  });
  const groups = new InProcessExecutorGroups({ readyAfterMs: 0 });
  groups.preexisting(base.name, [0]);
  let c: CoordinatorServer | undefined;
  let h: Harness | undefined;
  const handles = [];
  try {
    c = await startCoordinator({ port: 0, ...clusterOptionsFor(base, new InProcessMembership(groups, base)) });
    const url = c.url;
    // Queries of many sizes (100 MB to 5 GB per executor), as a real queue holds; the group runs what it admits.
    const sizes = Array.from({ length: QUEUED + base.queriesPerGroup }, (_, i) => ((i * 37) % 50) * 100 + 100);
    for (let i = 0; i < sizes.length; i += 50) {
      await Promise.all(
        sizes
          .slice(i, i + 50)
          .map((memMb) =>
            fetch(`${url}/queries`, { method: 'POST', body: JSON.stringify({ durationMs: 600_000, memMb }) }),
          ),
      );
    }
    const queued = c.cluster.model.poolStats(base.groupSet)!.queued;
    expect(queued).toBeGreaterThanOrEqual(QUEUED);

    const reader = new ImpalaLoadReader({ timeoutMs: 5000 });
    h = new Harness(env(), groups, (s) => reader.read(s));
    await h.startWorker();
    const handle = await h.start({ ...base, coordinators: [{ url }] });
    handles.push(handle);
    await eventually('ten ticks', async () => (await h!.status(handle)).state.tick >= 10, 60000);
    const status = await h.status(handle);
    expect(status.lastObservation).toMatchObject({ kind: 'known', load: { queued } });

    const events = (await handle.fetchHistory()).events ?? [];
    const bytes = (e: temporal.api.history.v1.IHistoryEvent) => HistoryEvent.encode(e).finish().length;
    // Steady state: from the first tick's timer to the last one's, every event of the ticks between.
    const timers = events.flatMap((e, i) => (e.eventType === EventType.EVENT_TYPE_TIMER_STARTED ? [i] : []));
    expect(timers.length).toBeGreaterThanOrEqual(5);
    const ticks = timers.length - 1;
    const steady = events.slice(timers[0]! + 1, timers[timers.length - 1]! + 1);
    const perTick = steady.reduce((n, e) => n + bytes(e), 0) / ticks;
    const observations = steady.filter((e) => e.eventType === EventType.EVENT_TYPE_MARKER_RECORDED).map(bytes);
    console.log(
      `history per tick with ${queued} queued and ${status.lastObservation?.kind === 'known' ? status.lastObservation.load.running : '?'} running queries: ` +
        `${Math.round(perTick)} bytes over ${ticks} ticks (${steady.length} events; the observation marker ${Math.max(...observations)} bytes)`,
    );
    expect(perTick).toBeLessThanOrEqual(2048);
  } finally {
    await h?.close(handles);
    await c?.close();
  }
}, 120000);
