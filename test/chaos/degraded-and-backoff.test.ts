// Chaos, part 4: capacity that Kubernetes takes away or refuses, on the real local control plane with the warehouse
// workflow on a real dev server and its load from the coordinator simulator over HTTP.
// - A group loses readiness while it runs a query (a pod's readiness probe fails: Ready=False on a Running pod, as the
//   kubelet reports it; KWOK's pod-ready stage only touches Pending pods, so nothing flips it back). The group is
//   degraded, not a scale-up in progress: the queue still gets a group, the degraded one is replaced past
//   degradedReplaceSeconds and removed only once its query has finished (src/policy/degraded.ts).
// - A ResourceQuota refuses the third group's StatefulSet. The refusal is reported in Kubernetes' words, retried on
//   the backoff schedule of src/policy/backoff.ts instead of on every tick, and once the quota is raised the group
//   comes when the backoff ends.
import { CoreV1Api } from '@kubernetes/client-node';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { KubernetesExecutorGroups } from '../../src/activities/kubernetes/executor-groups';
import { type DecisionRecord } from '../../src/workflows/warehouse';
import { eventually } from '../support/eventually';
import { chaosCase, chaosSeed, DecisionLog, duplicatesOver, orphansBetween, rng, settledAt } from './support/chaos';
import { proxiedKubeConfig } from './support/fault-proxy';
import { chaosServers, type Handle } from './support/servers';

Runtime.install({ logger: new DefaultLogger('ERROR') });

const SEED = chaosSeed();
const { runWorker, startWarehouse, world, status, apiProxy } = chaosServers({ podReadyDelayMs: 1000 });

/** Reads status into `log` until `pick` finds a record in the whole log. */
const logged = (h: Handle, log: DecisionLog, what: string, pick: (d: DecisionRecord) => boolean, timeoutMs: number) =>
  eventually(
    what,
    async () => {
      log.add(await status(h));
      return log.all().find(pick);
    },
    timeoutMs,
    200,
  );

const says = (d: DecisionRecord, re: RegExp) => d.reasons.some((x) => re.test(x));

/** Creations each group name may have: the test's own groups, and one per add the workflow decided. */
function allowedCreations(log: DecisionLog, own = ['impala-executor-000']): Record<string, number> {
  const allowed: Record<string, number> = Object.fromEntries(own.map((name) => [name, 1]));
  for (const [name, n] of Object.entries(log.addsDecided())) allowed[name] = (allowed[name] ?? 0) + n;
  return allowed;
}

/** A readiness probe that starts failing: the kubelet sets Ready and ContainersReady False on the Running pod. */
async function failReadiness(core: CoreV1Api, namespace: string, name: string): Promise<void> {
  const pod = await core.readNamespacedPodStatus({ name, namespace });
  const now = new Date();
  for (const c of pod.status?.conditions ?? []) {
    if (c.type === 'Ready' || c.type === 'ContainersReady')
      Object.assign(c, { status: 'False', reason: 'ContainersNotReady', lastTransitionTime: now });
  }
  for (const c of pod.status?.containerStatuses ?? []) c.ready = false;
  await core.replaceNamespacedPodStatus({ name, namespace, body: pod });
}

test('a group loses readiness while it runs a query: degraded, blocks no scale-up, replaced, removed once idle', async () => {
  await chaosCase('degraded group', SEED, async (say) => {
    const r = rng(SEED, 'degraded');
    const w = await world('degraded', {
      nodes: { min: 4, max: 10 },
      queriesPerGroup: 1,
      degradedReplaceSeconds: 4,
      scaleDownDelaySeconds: 600,
      autoSuspend: { enabled: false, timeoutSeconds: 300 },
    });
    await runWorker('chaos-degraded', new KubernetesExecutorGroups(w.kc));
    const h = await startWarehouse(w.spec, 'chaos-degraded');
    const log = new DecisionLog();
    await settledAt(() => status(h), 2, log, 60_000, 200);

    // One query on each group; the one on group 001 outlives the replacement by several ticks.
    const busyMs = Math.round(r.between(18_000, 24_000));
    w.submit(2, busyMs);
    const onGroup = (g: string) =>
      w.coordinator.cluster.queries().find((q) => q.group?.endsWith(g.slice(-3)) && q.state === 'running');
    await eventually(
      'a query running on each of groups 000 and 001',
      () => Boolean(onGroup('000') && onGroup('001')),
      30_000,
      100,
    );
    const busyQuery = onGroup('001')!.id;

    const degradedAt = Date.now();
    await failReadiness(w.kc.makeApiClient(CoreV1Api), w.spec.namespace, 'impala-executor-001-1');
    const degraded = await logged(
      h,
      log,
      'group 001 reported degraded',
      (d) => says(d, /^Executor group impala-executor-001 is degraded: /),
      30_000,
    );
    // The queue comes once the group is degraded: what it gets must not depend on the degraded group.
    const queuedAt = Date.now();
    w.submit(2, 10_000);
    const queueAdd = await logged(
      h,
      log,
      'a group added for the queue',
      (d) =>
        Date.parse(d.at) >= queuedAt &&
        (d.queued ?? 0) > 0 &&
        d.actions.some((a) => /^add /.test(a)) &&
        !says(d, /replacing it with/),
      30_000,
    );
    const replaced = await logged(
      h,
      log,
      'group 001 replaced',
      (d) =>
        says(
          d,
          /^Executor group impala-executor-001 has not been ready since tick \d+ .*; replacing it with impala-executor-\d{3}\.$/,
        ),
      30_000,
    );
    const by = /replacing it with (impala-executor-\d{3})/.exec(
      replaced.reasons.find((x) => x.includes('replacing it with'))!,
    )![1];
    await eventually(
      'group 001 gone and the warehouse settled',
      async () => {
        const s = await status(h);
        log.add(s);
        const live = await w.live();
        return (
          !live.some((g) => g.name === 'impala-executor-001') &&
          live.every((g) => g.ready) &&
          s.state.pending.length === 0 &&
          s.state.current === s.state.target
        );
      },
      busyMs + 60_000,
      300,
    );
    const final = await status(h);
    log.add(final);

    const ticks = log.ticks();
    const since = ticks.filter((d) => Date.parse(d.at) >= degradedAt);
    const blocked = since.filter(
      (d) =>
        Date.parse(d.at) <= Date.parse(queueAdd.at) &&
        says(d, /^Scale up from \d+ to \d+ Executor Groups is in progress\.$/),
    );
    const removals = ticks.filter((d) => d.actions.includes('remove impala-executor-001'));
    const removalsWhileBusy = removals.filter(
      (d) => !says(d, /^Degraded executor group impala-executor-001 runs no queries; removing it/),
    ).length;
    const busyQ = w.coordinator.cluster.query(busyQuery)!;
    const killed = w.coordinator.cluster.queries().filter((q) => q.state === 'killed');
    const keptBusy = ticks.filter((d) =>
      says(d, /^Degraded executor group impala-executor-001 runs 1 queries; removing it once idle/),
    ).length;
    const orphans = orphansBetween(await w.recorder.snapshot(), final);
    const creations = w.recorder.creations();
    say(`degraded at tick ${degraded.tick}: "${degraded.reasons.find((x) => x.includes('is degraded'))}"`);
    say(
      `queue add at tick ${queueAdd.tick}: ${queueAdd.actions.join(', ')}; replaced at tick ${replaced.tick} by ${by}; kept while busy on ${keptBusy} ticks; removed at ticks ${removals.map((d) => d.tick).join(', ')}`,
    );
    say(
      `query on 001: ${busyQ.state}; killed ${killed.length}; creations ${JSON.stringify(creations)}; orphans: ${orphans.detail}`,
    );

    expect(degraded.reasons.find((x) => x.includes('is degraded'))).toMatch(/not counted as capacity\.$/);
    // The queue was not held behind the degraded group.
    expect(blocked.map((d) => d.reasons.find((x) => x.includes('in progress')))).toEqual([]);
    expect(by).not.toBe('impala-executor-001');
    expect(queueAdd.actions.some((a) => a === `add ${by}`)).toBe(false);
    // Replaced past degradedReplaceSeconds (4 polls), not before.
    expect(replaced.tick - degraded.tick).toBeGreaterThanOrEqual(3);
    // Kept while its query ran, removed once, after the query finished.
    expect(keptBusy).toBeGreaterThan(0);
    expect({ removalsWhileBusy, removals: removals.length, query: busyQ.state, killed: killed.length }).toEqual({
      removalsWhileBusy: 0,
      removals: 1,
      query: 'finished',
      killed: 0,
    });
    return {
      faults: 1,
      restarts: 0,
      groupsCreated: w.recorder.total() - 1,
      duplicates: duplicatesOver(creations, allowedCreations(log)),
      orphans: orphans.count,
      extra: `ticks ${ticks.length}, replaced impala-executor-001 by ${by} at tick ${replaced.tick} (degraded at ${degraded.tick}), queue add at tick ${queueAdd.tick}, removals while busy ${removalsWhileBusy}`,
    };
  });
}, 180_000);

const STATEFULSETS = /\/apis\/apps\/v1\/namespaces\/[^/]+\/statefulsets$/;
/** Ticks watched after the first refusal. */
const WINDOW = 40;

test('a ResourceQuota refuses the third group: reported, retried on the backoff schedule, created once the quota is raised', async () => {
  await chaosCase('failed scale-up backs off', SEED, async (say) => {
    const w = await world('backoff', {
      nodes: { min: 4, max: 6 },
      queriesPerGroup: 1,
      scaleDownDelaySeconds: 600,
      autoSuspend: { enabled: false, timeoutSeconds: 300 },
    });
    const core = w.kc.makeApiClient(CoreV1Api);
    const namespace = w.spec.namespace;
    await core.createNamespacedResourceQuota({
      namespace,
      body: { metadata: { name: 'executor-groups' }, spec: { hard: { 'count/statefulsets.apps': '2' } } },
    });
    await eventually(
      'the quota counted',
      () => core.readNamespacedResourceQuota({ name: 'executor-groups', namespace }),
      30_000,
      100,
      (q) => q.status?.used?.['count/statefulsets.apps'] !== undefined,
    );
    // Group 001 exists before the workflow starts, so that the refused create is the whole scale-up: a group created
    // on the same tick as the refused one clears the backoff once it becomes ready (decide.ts learnHistory), which
    // would restart the schedule inside the window.
    await w.groups.create(w.spec, 1);

    // The fault proxy injects nothing here: it counts the creates that reach the API server.
    const proxy = await apiProxy(w.kc);
    await runWorker('chaos-backoff', new KubernetesExecutorGroups(proxiedKubeConfig(proxy)));
    const h = await startWarehouse(w.spec, 'chaos-backoff');
    const log = new DecisionLog();
    await settledAt(() => status(h), 2, log, 60_000, 200);

    // Three groups' worth of queries, for longer than the case.
    w.submit(3, 600_000);
    const third = 'impala-executor-002';
    const attempt = (d: DecisionRecord) => d.actions.some((a) => a === `add ${third}` || a === `add ${third} failed`);
    const first = await logged(
      h,
      log,
      `the create of ${third} refused`,
      (d) => d.actions.includes(`add ${third} failed`),
      60_000,
    );
    const refusal = first.reasons.find((x) => x.startsWith(`Failed to add executor group ${third}:`));
    await eventually(
      `${WINDOW} ticks after the first refusal`,
      async () => {
        log.add(await status(h));
        return log.ticks().some((d) => d.tick >= first.tick + WINDOW);
      },
      (WINDOW + 30) * 1000,
      500,
    );
    const during = await status(h);
    log.add(during);
    const window = log.ticks().filter((d) => d.tick >= first.tick && d.tick < first.tick + WINDOW);
    const attempts = window.filter(attempt);
    const posts = proxy.requests.filter(
      (q) =>
        q.method === 'POST' &&
        STATEFULSETS.test(q.path) &&
        q.at >= Date.parse(first.at) - 2000 &&
        q.at <= Date.parse(window[window.length - 1].at),
    );
    const backingOff = window
      .map((d) => d.reasons.find((x) => /scale-up is backing off after \d+ failed attempts until tick \d+/.test(x)))
      .filter((x): x is string => x !== undefined);
    const backoff = during.state.scaleUpBackoff;
    say(`refusal at tick ${first.tick}: "${refusal}"`);
    say(
      `attempts at ticks ${attempts.map((d) => d.tick).join(', ')} of ${window.length} ticks; POSTs seen ${posts.length}; last note: "${backingOff[backingOff.length - 1]}"`,
    );
    say(
      `status state.scaleUpBackoff ${JSON.stringify(backoff)}; lastScaleUpFailure ${JSON.stringify(during.state.lastScaleUpFailure)}`,
    );

    expect(refusal).toContain(`Kubernetes API refused to create StatefulSet ${third} in namespace ${namespace}: 403`);
    expect(refusal).toContain('exceeded quota: executor-groups');
    expect(backingOff.length).toBeGreaterThan(0);
    expect(window).toHaveLength(WINDOW);
    // The schedule (backoff.ts): after the k-th consecutive failure the next attempt waits 2^(k-1) polls, so within
    // WINDOW ticks of the first the attempts fall at offsets 0, 1, 3, 7, 15, 31 — at most 1 + log2(WINDOW) = 6 —
    // against one per tick without the backoff. At least 4: the backoff retries, it does not give up.
    expect(attempts.length).toBeLessThanOrEqual(1 + Math.floor(Math.log2(WINDOW)));
    expect(attempts.length).toBeGreaterThanOrEqual(4);
    expect(attempts.map((d) => d.actions.includes(`add ${third} failed`))).toEqual(attempts.map(() => true));
    // Each decided attempt is one create at the API server (the quota refuses it at once, nothing retries it).
    expect(posts.length).toBe(attempts.length);
    expect(backoff).toMatchObject({ failures: attempts.length });
    expect(backoff?.reason).toContain('exceeded quota');
    expect(during.state.lastScaleUpFailure?.reason).toContain('exceeded quota');
    expect(during.state.lastScaleUpFailure?.groups).toEqual([third]);

    // The quota raised: the group comes once the backoff ends, not before, and then within a few ticks.
    const raisedAt = Date.now();
    await core.deleteNamespacedResourceQuota({ name: 'executor-groups', namespace });
    const until = backoff!.untilTick;
    const final = await settledAt(() => status(h), 3, log, (until - during.state.tick + 30) * 1000, 300);
    const created = log.ticks().find((d) => d.tick > first.tick && d.actions.includes(`add ${third}`))!;
    const readyTick = final.state.tick;
    const recoverSeconds = (Date.now() - raisedAt) / 1000;
    say(
      `quota removed at tick ${during.state.tick}; backoff until tick ${until}; created at tick ${created.tick}; settled at 3 by tick ${readyTick} (${recoverSeconds.toFixed(1)} s)`,
    );
    expect(created.tick).toBeGreaterThanOrEqual(until);
    expect(created.tick).toBeLessThanOrEqual(until + 2);
    expect(readyTick - created.tick).toBeLessThanOrEqual(5);
    expect(final.state.scaleUpBackoff).toBeUndefined();
    const orphans = orphansBetween(await w.recorder.snapshot(), final);
    const creations = w.recorder.creations();
    say(`creations ${JSON.stringify(creations)}; orphans: ${orphans.detail}`);
    return {
      faults: attempts.length,
      restarts: 0,
      groupsCreated: w.recorder.total() - 2,
      duplicates: duplicatesOver(creations, allowedCreations(log, ['impala-executor-000', 'impala-executor-001'])),
      orphans: orphans.count,
      extra: `failed attempts ${attempts.length} in ${window.length} ticks (${(attempts.length / window.length).toFixed(2)} per tick), created ${created.tick - until} ticks after the backoff ended, recovered ${recoverSeconds.toFixed(1)} s after the quota was removed`,
    };
  });
}, 240_000);
