// What counts as capacity, through the real workflow on a real dev server:
// - a group that loses readiness while it runs a query is degraded: the queue still scales up at once, the group is
//   replaced after degradedReplaceSeconds and removed only once idle (in-process groups, caller-driven load);
// - with one of two coordinators silent, a group whose queries that coordinator admitted looks idle: it is not removed,
//   and the queue still scales up (coordinator simulator over HTTP, the real reader);
// - three queries that each fill a group by per-executor memory are not "held by 2 groups" (simulator over HTTP).
import { setTimeout as sleep } from 'node:timers/promises';
import { ImpalaLoadReader } from '../../src/activities/impala/load-reader';
import type { GroupListing, LoadResult } from '../../src/activities/interfaces';
import type { WarehouseSpec } from '../../src/policy/types';
import { clusterOptionsFor } from '../../src/sim/cluster';
import { startCoordinator, type CoordinatorServer } from '../../src/sim/coordinator';
import { InProcessMembership } from '../../src/sim/in-process-membership';
import { eventually, useTemporalServer } from '../support/temporal';
import {
  expectInOrder,
  Harness,
  InProcessExecutorGroups,
  reasonLines,
  testSpec,
  knownLoad,
} from '../support/warehouse-harness';

const env = useTemporalServer();

/** In-process groups in which a group's pods can stop being Ready (a crashed executor), as Kubernetes would list it. */
class CrashableGroups extends InProcessExecutorGroups {
  readonly crashed = new Set<number>();

  override async list(spec: WarehouseSpec): Promise<GroupListing> {
    const listed = await super.list(spec);
    return {
      ...listed,
      groups: listed.groups.map((g) =>
        this.crashed.has(g.index) && !g.deleting
          ? { ...g, ready: false, problem: `pod ${g.name}-1 is not ready: CrashLoopBackOff` }
          : g,
      ),
    };
  }
}

const deletesOf = (groups: InProcessExecutorGroups, group: string) =>
  groups.calls.filter((c) => c.op === 'delete' && c.group === group);

test('a group that loses readiness while running a query: scale-up goes on, it is replaced, and removed only once idle', async () => {
  const spec = testSpec({
    name: 'degraded',
    nodes: { min: 4, max: 12 },
    scaleUpTimeoutSeconds: 8,
    degradedReplaceSeconds: 4,
    autoSuspend: { enabled: false, timeoutSeconds: 2 },
  });
  const groups = new CrashableGroups({ readyAfterMs: 1000, drainMs: 200 });
  groups.preexisting(spec.name, [0, 1]);
  // One query runs on group 001 until released; three queue until a group beyond 000 and 001 is ready.
  let released = false;
  const load = async (s: WarehouseSpec): Promise<LoadResult> => {
    const { groups: listed } = await groups.list(s);
    const newReady = listed.filter((g) => g.index > 1 && g.ready && !g.deleting).length;
    const onCrashed = released ? 0 : 1;
    return knownLoad({
      queued: newReady > 0 ? 0 : 3,
      running: onCrashed,
      healthyGroups: 0,
      runningByGroup: { 'root.default-group-001': onCrashed },
    });
  };
  const h = new Harness(env(), groups, load);
  await h.startWorker();
  const handle = await h.start(spec);
  try {
    await eventually('groups 000 and 001 ready', async () => (await h.status(handle)).state.current === 2);
    const crashedAt = Date.now();
    groups.crashed.add(1);

    // The queue is served at once: a new group is created well before scaleUpTimeoutSeconds (the old rules waited for
    // it, then deleted the busy group as a failed scale-up).
    await eventually(
      'a group created for the queue',
      () => groups.calls.some((c) => c.op === 'create' && c.at > crashedAt),
      5000,
    );
    expect(groups.calls.find((c) => c.op === 'create' && c.at > crashedAt)!.at - crashedAt).toBeLessThan(
      spec.scaleUpTimeoutSeconds * 1000,
    );

    await eventually(
      'the degraded group replaced',
      async () =>
        reasonLines(await h.status(handle)).some((l) =>
          /^Executor group impala-executor-001 has not been ready since tick \d+ \(degradedReplaceSeconds 4s\); replacing it with impala-executor-00\d\.$/.test(
            l,
          ),
        ),
      15000,
    );
    // Past the scale-up timeout too, it still runs its query: never removed.
    await sleep(Math.max(0, crashedAt + spec.scaleUpTimeoutSeconds * 1000 + 2000 - Date.now()));
    expect(deletesOf(groups, 'impala-executor-001')).toEqual([]);
    const busyLines = reasonLines(await h.status(handle));
    expect(busyLines).toContainEqual(
      expect.stringMatching(
        /^Degraded executor group impala-executor-001 runs 1 queries; removing it once idle \(replaced by impala-executor-00\d\)\.$/,
      ),
    );
    expect(busyLines.some((l) => l.includes('has failed'))).toBe(false);

    const releasedAt = Date.now();
    released = true;
    await eventually(
      'the idle degraded group removed',
      () => deletesOf(groups, 'impala-executor-001').length === 1,
      5000,
    );
    expect(deletesOf(groups, 'impala-executor-001')[0]!.at).toBeGreaterThanOrEqual(releasedAt);
    expectInOrder(reasonLines(await h.status(handle)), [
      /^Executor group impala-executor-001 is degraded: pod impala-executor-001-1 is not ready: CrashLoopBackOff \(was ready at tick \d+\); not counted as capacity\.$/,
      'needsScaleUp is true as there are 3 queries queued.',
      /^Adding new executor group: impala-executor-00\d$/,
      /^Degraded executor group impala-executor-001 runs no queries; removing it \(replaced by impala-executor-00\d\)\.$/,
      'Removing executor group: impala-executor-001',
    ]);
  } finally {
    await h.close([handle]);
  }
}, 90000);

describe('through the coordinator simulator over HTTP', () => {
  const open: CoordinatorServer[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((c) => c.close()));
  });

  async function submit(
    url: string,
    body: { durationMs: number; memMb?: number },
  ): Promise<{ id: string; state: string }> {
    const res = await fetch(`${url}/queries`, { method: 'POST', body: JSON.stringify(body) });
    expect(res.status).toBe(201);
    return (await res.json()) as { id: string; state: string };
  }
  const stateOf = async (url: string, id: string) =>
    ((await (await fetch(`${url}/queries/${encodeURIComponent(id)}`)).json()) as { state: string }).state;

  test('one of two coordinators silent: the group running its query looks idle but is not removed; the queue still scales up', async () => {
    const base = testSpec({
      name: 'partial',
      nodes: { min: 2, max: 8 },
      queriesPerGroup: 2,
      scaleDownDelaySeconds: 2,
      autoSuspend: { enabled: false, timeoutSeconds: 2 },
    });
    const groups = new InProcessExecutorGroups({ readyAfterMs: 1000, drainMs: 300 });
    groups.preexisting(base.name, [0, 1]);
    const a = await startCoordinator({ port: 0, ...clusterOptionsFor(base, new InProcessMembership(groups, base)) });
    open.push(a);
    const b = await startCoordinator({ port: 0, cluster: a.cluster });
    open.push(b);
    const spec = { ...base, coordinators: [{ url: a.url }, { url: b.url }] };
    // Two queries through a fill group 000 (2 slots); the one through b lands on 001; the short one through a ends.
    const q1 = await submit(a.url, { durationMs: 120_000 });
    const q2 = await submit(a.url, { durationMs: 1000 });
    const q3 = await submit(b.url, { durationMs: 120_000 });
    await eventually('the short query to end', async () => (await stateOf(a.url, q2.id)) === 'finished');
    expect(a.cluster.query(q3.id)).toMatchObject({ state: 'running', group: 'root.default-group-001' });

    const reader = new ImpalaLoadReader({ timeoutMs: 500 });
    const h = new Harness(env(), groups, (s) => reader.read(s));
    await h.startWorker();
    const handle = await h.start(spec);
    try {
      await eventually('the first ticks', async () => (await h.status(handle)).state.tick >= 2);
      // b stops answering its debug pages (its control API still takes queries).
      b.setFaults({ delayMs: 3000 });
      const silentFrom = (await h.status(handle)).state.tick;
      // Twice the scale-down delay: the old rules removed 001 here (2 running fit 1 group of 2 slots; 001 looked idle).
      await eventually('six ticks without b', async () => (await h.status(handle)).state.tick >= silentFrom + 6, 30000);
      expect(deletesOf(groups, 'impala-executor-001')).toEqual([]);
      // Both groups were busy before b went silent, so the scale-down delay had been served: held, not acted on.
      const held = `needsScaleDown/needsSuspend is false as coordinator ${b.url} did not answer: the running queries of each executor group are not fully known; counters held (scale-down 2, suspend 0).`;
      expect(reasonLines(await h.status(handle)).filter((l) => l === held).length).toBeGreaterThanOrEqual(5);

      // Three more through b: two take the free slots, one queues; the cluster-wide queue still adds a group.
      for (let i = 0; i < 3; i++) await submit(b.url, { durationMs: 120_000 });
      await eventually(
        'a group created for the queue while b is silent',
        () => groups.calls.some((c) => c.op === 'create'),
        10000,
      );
      expect(reasonLines(await h.status(handle))).toContain('needsScaleUp is true as there are 1 queries queued.');

      b.setFaults({});
      await eventually('b read again', async () => {
        const obs = (await h.status(handle)).lastObservation;
        return obs?.kind === 'known' && obs.load.unreachableCoordinators === undefined;
      });
      expect(deletesOf(groups, 'impala-executor-001')).toEqual([]);
      expect([await stateOf(a.url, q1.id), await stateOf(b.url, q3.id)]).toEqual(['running', 'running']);
    } finally {
      await h.close([handle]);
    }
  }, 90000);

  test('three queries that each fill a group by per-executor memory: 2 groups would not hold them', async () => {
    // 10 GiB per executor on 16 GiB executors: one query per group, though 3 × 10 GiB × 2 executors = 60 GiB < 64 GiB.
    const base = testSpec({
      name: 'perexec',
      nodes: { min: 2, max: 8 },
      scaleDownDelaySeconds: 2,
      autoSuspend: { enabled: false, timeoutSeconds: 2 },
    });
    const groups = new InProcessExecutorGroups({ readyAfterMs: 1000, drainMs: 300 });
    groups.preexisting(base.name, [0, 1, 2]);
    const c = await startCoordinator({ port: 0, ...clusterOptionsFor(base, new InProcessMembership(groups, base)) });
    open.push(c);
    const spec = { ...base, coordinators: [{ url: c.url }] };
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push((await submit(c.url, { durationMs: 120_000, memMb: 10 * 1024 })).id);
    expect(new Set(ids.map((id) => c.cluster.query(id)!.group)).size).toBe(3);

    const reader = new ImpalaLoadReader({ timeoutMs: 2000 });
    const h = new Harness(env(), groups, (s) => reader.read(s));
    await h.startWorker();
    const handle = await h.start(spec);
    try {
      await eventually('six ticks', async () => (await h.status(handle)).state.tick >= 6, 30000);
      const status = await h.status(handle);
      const lines = reasonLines(status);
      expect(lines).toContain(
        'needsScaleDown is false as 2 executor groups would not hold 3 running queries by their per-executor memory (they need 3).',
      );
      // What the old rules said (and counted towards removing a group) while each query filled its group:
      expect(lines).not.toContain(
        'needsScaleDown is true as there are no queries queued and 2 executor groups would hold 3 running queries.',
      );
      expect(status.decisions.every((d) => d.state !== 'ScalingDown')).toBe(true);
      expect(status.state.counters.down).toBe(0);
      expect(groups.calls.filter((x) => x.op === 'delete')).toEqual([]);
    } finally {
      await h.close([handle]);
    }
  }, 90000);
});
