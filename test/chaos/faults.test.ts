// Chaos, part 2: the outside systems misbehave. Kubernetes API faults through a fault-injecting proxy in front of
// the real local kube-apiserver, and Impala faults through the coordinator simulator (and the same proxy in front of
// it), with the warehouse workflow on a real dev server. Every case prints one `CHAOS` summary line.
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { KubernetesExecutorGroups } from '../../src/activities/kubernetes/executor-groups';
import type { Resize } from '../../src/config/warehouse-spec';
import type { WarehouseSpec } from '../../src/policy/types';
import { startCoordinator } from '../../src/sim/coordinator';
import { resizeUpdate, type DecisionRecord } from '../../src/workflows/warehouse';
import { eventually } from '../support/temporal';
import {
  chaosCase,
  chaosSeed,
  counterProblems,
  DecisionLog,
  duplicatesOver,
  orphansBetween,
  rng,
  settledAt,
} from './support/chaos';
import { proxiedKubeConfig, startFaultProxy, type Fault } from './support/fault-proxy';
import { chaosServers, type Handle } from './support/servers';

// The workflow logs every reason line at INFO and the SDK every failed attempt at WARN: the faults make plenty.
Runtime.install({ logger: new DefaultLogger('ERROR') });

const SEED = chaosSeed();
const { env, onClose, runWorker, startWarehouse, world, status, apiProxy } = chaosServers({ podReadyDelayMs: 1000 });

const settled = (h: Handle, n: number, log: DecisionLog, timeoutMs = 30_000) =>
  settledAt(() => status(h), n, log, timeoutMs, 200);

const STATEFULSETS = /\/apis\/apps\/v1\/namespaces\/[^/]+\/statefulsets$/;
const ONE_STATEFULSET = /\/apis\/apps\/v1\/namespaces\/[^/]+\/statefulsets\/impala-executor-\d+$/;

test('Kubernetes API faults: retried with backoff, the right result after the fault, no duplicate; 403/422 reported at once', async () => {
  await chaosCase('Kubernetes API faults', SEED, async (say) => {
    const r = rng(SEED, 'kubernetes');
    const w = await world('kapi', {
      nodes: { min: 2, max: 20 },
      scaleDownDelaySeconds: 600,
      autoSuspend: { enabled: false, timeoutSeconds: 300 },
    });
    const direct = w.kc;
    const proxy = await apiProxy(direct);
    await runWorker('chaos-kapi', new KubernetesExecutorGroups(proxiedKubeConfig(proxy)));
    const h = await startWarehouse(w.spec, 'chaos-kapi');
    const log = new DecisionLog();
    let groups = (await settled(h, 1, log)).state.current;
    const resize = async (resize: Resize) => {
      await env().connection.withDeadline(Date.now() + 10_000, () => h.executeUpdate(resizeUpdate, { args: [resize] }));
    };
    const lines: string[] = [];

    /** POSTs (creates) or DELETEs of one group seen by the proxy since `from`. */
    const calls = (method: string, from: number, path: RegExp) =>
      proxy.requests.filter((q) => q.method === method && q.at >= from && path.test(q.path));
    const backoffOk = (times: number[]) => times.slice(1).every((t, i) => t - times[i] >= 0.8 * 1000 * 2 ** i);
    const gaps = (times: number[]) =>
      times
        .slice(1)
        .map((t, i) => `${((t - times[i]) / 1000).toFixed(1)}s`)
        .join('/');

    const grow = async (label: string, fault: Fault, times: number, expectPosts: number) => {
      const from = Date.now();
      const group = `impala-executor-${String(nextIndex()).padStart(3, '0')}`;
      proxy.inject({ method: 'POST', path: STATEFULSETS, fault, times });
      await resize({ nodes: { min: 2 * (groups + 1), max: 20 } });
      await settled(h, groups + 1, log, 60_000);
      groups += 1;
      const posts = calls('POST', from, STATEFULSETS);
      const at = posts.map((q) => q.at);
      lines.push(`${label} on create ${group}: ${posts.map((q) => q.outcome).join(', ')} (gaps ${gaps(at) || '-'})`);
      expect({ label, posts: posts.length }).toEqual({ label, posts: expectPosts });
      if (expectPosts > 1 && fault.kind !== 'stall')
        expect({ label, backoff: backoffOk(at), gaps: gaps(at) }).toEqual({ label, backoff: true, gaps: gaps(at) });
      expect({ label, creations: w.recorder.creations()[group] }).toEqual({ label, creations: expected[group] });
    };
    const shrink = async (label: string, fault: Fault, times: number) => {
      const from = Date.now();
      const group = `impala-executor-${String(groups - 1).padStart(3, '0')}`;
      proxy.inject({ method: 'DELETE', path: ONE_STATEFULSET, fault, times });
      await resize({ nodes: { min: 2, max: 2 * (groups - 1) } });
      await eventually(`${group} gone`, async () => !(await w.live()).some((g) => g.name === group), 60_000, 200);
      await settled(h, groups - 1, log, 60_000);
      groups -= 1;
      const deletes = calls('DELETE', from, ONE_STATEFULSET);
      lines.push(
        `${label} on delete ${group}: ${deletes.map((q) => q.outcome).join(', ')} (gaps ${gaps(deletes.map((q) => q.at)) || '-'})`,
      );
    };
    const refused = async (code: 403 | 422, hint: RegExp) => {
      const from = Date.now();
      const group = `impala-executor-${String(nextIndex()).padStart(3, '0')}`;
      proxy.inject({ method: 'POST', path: STATEFULSETS, fault: { kind: 'status', code }, times: 1 });
      await resize({ nodes: { min: 2 * (groups + 1), max: 20 } });
      const failure = await eventually(
        `the ${code} reported in the decision log`,
        async () => {
          const s = await status(h);
          log.add(s);
          return s.decisions.find(
            (d) =>
              Date.parse(d.at) >= from - 1000 &&
              d.reasons.some((x) => x.startsWith(`Failed to add executor group ${group}:`)),
          );
        },
        30_000,
        100,
      );
      const line = failure.reasons.find((x) => x.startsWith('Failed to add'))!;
      const reportedAfterMs = Date.parse(failure.at) - from;
      lines.push(`${code} on create ${group}: reported ${reportedAfterMs} ms after the resize, 1 attempt: "${line}"`);
      expect(line).toContain(`Kubernetes API refused to create StatefulSet ${group}`);
      expect(line).toContain(`${code} `);
      expect(line).toMatch(hint);
      // The fault was for one request: the next tick decides again and the group is created, once.
      await settled(h, groups + 1, log, 30_000);
      groups += 1;
      // At once: one attempt (no retry) before the failure was recorded, within a second of the refused request.
      const before = calls('POST', from, STATEFULSETS).filter((q) => q.at <= Date.parse(failure.at));
      expect(before.map((q) => q.outcome)).toEqual([`status ${code}`]);
      expect(Date.parse(failure.at) - before[0].at).toBeLessThan(1000);
      expect(w.recorder.creations()[group]).toBe(expected[group]);
    };
    // Groups stay 000…N-1 (a scale-down removes the highest): the next group is N; a name removed may come back.
    const expected: Record<string, number> = { 'impala-executor-000': 1 };
    const nextIndex = () => {
      const name = `impala-executor-${String(groups).padStart(3, '0')}`;
      expected[name] = (expected[name] ?? 0) + 1;
      return groups;
    };

    const steps: [string, () => Promise<void>][] = [
      ['500', () => grow('500 ×2', { kind: 'status', code: 500 }, 2, 3)],
      ['503', () => grow('503 Retry-After: 1 ×2', { kind: 'status', code: 503, retryAfterSeconds: 1 }, 2, 3)],
      ['429', () => grow('429 Retry-After: 1 ×2', { kind: 'status', code: 429, retryAfterSeconds: 1 }, 2, 3)],
      ['409', () => grow('409 (nothing created) ×1', { kind: 'status', code: 409 }, 1, 2)],
      ['reset before', () => grow('connection reset before forwarding ×1', { kind: 'reset', when: 'before' }, 1, 2)],
      ['reset after', () => grow('connection reset after the create ×1', { kind: 'reset', when: 'after' }, 1, 2)],
      ['stall', () => grow('10 s stall', { kind: 'stall', ms: 10_000 }, 1, 1)],
      ['403', () => refused(403, /ServiceAccount lacks this permission/)],
      ['422', () => refused(422, /executor template produces an invalid StatefulSet/)],
    ];
    // The create faults in a seeded order, with the delete faults between them.
    const order = steps
      .map((s) => ({ s, k: r.next() }))
      .sort((a, b) => a.k - b.k)
      .map((x) => x.s);
    const deletes: [string, () => Promise<void>][] = [
      [
        '404 delete',
        () => shrink('404 ×1 (taken as gone; the next tick removes it)', { kind: 'status', code: 404 }, 1),
      ],
      ['500 delete', () => shrink('500 ×2', { kind: 'status', code: 500 }, 2)],
      ['reset delete', () => shrink('connection reset after the delete ×1', { kind: 'reset', when: 'after' }, 1)],
    ];
    const plan = order.flatMap((s, i) => (i % 3 === 2 && deletes.length ? [s, deletes.shift()!] : [s]));
    try {
      for (const [name, run] of plan) {
        const t0 = Date.now();
        await run();
        say(`${name}: ${lines[lines.length - 1]} [${Date.now() - t0} ms]`);
      }
    } finally {
      say(`proxy saw ${proxy.requests.length} requests`);
    }
    const final = await settled(h, groups, log);
    const problems = counterProblems(log.ticks());
    expect(problems).toEqual([]);
    const listed = await w.recorder.snapshot();
    const orphans = orphansBetween(listed, final);
    const creations = w.recorder.creations();
    say(`creations ${JSON.stringify(creations)}; orphans: ${orphans.detail}`);
    expect(creations).toEqual(expected);
    return {
      faults: proxy.injected(),
      restarts: 0,
      groupsCreated: w.recorder.total() - 1,
      duplicates: duplicatesOver(creations, expected),
      orphans: orphans.count,
      extra: `${plan.length} fault kinds, final groups ${final.state.current}`,
    };
  });
}, 240_000);

const UNKNOWN = /^Load for Group Set: root\.default is unknown: /;
const HELD =
  /^needsScaleDown\/needsSuspend is false as the load is unknown; counters held \(scale-down (\d+), suspend (\d+)\)\.$/;
const COUNT = /^enoughConsecutive (Down|Suspend) calls false as current (\d+) target \d+$/;

/** The scale-down and suspend counters as a tick left them. */
function countersAfter(d: DecisionRecord): { down: number; suspend: number } {
  const held = d.reasons.map((x) => HELD.exec(x)).find(Boolean);
  if (held) return { down: Number(held[1]), suspend: Number(held[2]) };
  const out = { down: 0, suspend: 0 };
  for (const x of d.reasons) {
    const m = COUNT.exec(x);
    if (m) out[m[1] === 'Down' ? 'down' : 'suspend'] = Number(m[2]) + 1;
  }
  return out;
}

test('Impala faults: unknown load never advances a scale-down or suspend counter, and the decision log says why', async () => {
  await chaosCase('Impala faults', SEED, async (say) => {
    const r = rng(SEED, 'impala');
    const w = await world('imp', {
      nodes: { min: 2, max: 6 },
      scaleDownDelaySeconds: 120,
      autoSuspend: { enabled: true, timeoutSeconds: 120 },
    });
    // Two coordinators of one cluster (the second like Impala's backup coordinator), each behind a proxy that can
    // go down or rewrite a page.
    const second = await startCoordinator({ port: 0, cluster: w.coordinator.cluster });
    onClose(() => second.close());
    const proxies = [await startFaultProxy({ url: w.coordinator.url }), await startFaultProxy({ url: second.url })];
    for (const p of proxies) onClose(() => p.close());
    const coordinators = [w.coordinator, second];
    const spec: WarehouseSpec = { ...w.spec, coordinators: proxies.map((p) => ({ url: p.url })) };
    // Two idle groups: the scale-down counter counts on every tick whose load is known.
    await w.groups.create(spec, 1);
    await eventually('group 001 ready', async () => (await w.live()).filter((g) => g.ready).length === 2, 30_000);
    await runWorker('chaos-imp', new KubernetesExecutorGroups(w.kc));
    const h = await startWarehouse(spec, 'chaos-imp');
    const log = new DecisionLog();
    await settled(h, 2, log);

    const windows: { name: string; from: number; to: number; expect: 'unknown' | 'warning' | 'not zero' }[] = [];
    /** Applies a fault for `ticks` ticks (whatever the tick's length: a slow read makes it longer), then heals it. */
    const during = async (
      name: string,
      expectation: 'unknown' | 'warning' | 'not zero',
      apply: () => Promise<void> | void,
      heal: () => Promise<void> | void,
    ) => {
      const ticks = 3 + Math.floor(r.between(0, 2));
      await apply();
      const from = Date.now();
      const start = (await status(h)).state.tick;
      await eventually(
        `${ticks} ticks with ${name}`,
        async () => {
          const s = await status(h);
          log.add(s);
          return s.state.tick >= start + ticks + 1;
        },
        60_000,
        200,
      );
      const to = Date.now();
      await heal();
      windows.push({ name, from, to, expect: expectation });
      // One known tick after the fault, so that the next window starts from a counted tick.
      const healed = (await status(h)).state.tick;
      await eventually('a tick after the fault', async () => (await status(h)).state.tick >= healed + 2, 30_000, 200);
    };

    await during(
      'both coordinators down',
      'unknown',
      () => Promise.all(proxies.map((p) => p.down())).then(() => undefined),
      () => Promise.all(proxies.map((p) => p.up())).then(() => undefined),
    );
    await during(
      'both slower than the 1 s timeout',
      'unknown',
      () => coordinators.forEach((c) => c.setFaults({ delayMs: 1500 })),
      () => coordinators.forEach((c) => c.setFaults({})),
    );
    await during(
      'malformed JSON from one coordinator',
      'unknown',
      () => coordinators[0].setFaults({ truncate: true }),
      () => coordinators[0].setFaults({}),
    );
    await during(
      'one of two coordinators down',
      'warning',
      () => proxies[1].down(),
      () => proxies[1].up(),
    );
    // Queries running: the pool is on the admission page. Then every coordinator "forgets" the pool while its
    // groups still execute those queries (a restarted coordinator): that is not an idle warehouse.
    w.submit(2, 600_000);
    await eventually(
      '2 queries running',
      async () => {
        const s = await status(h);
        return s.lastObservation?.kind === 'known' && s.lastObservation.load.running === 2;
      },
      30_000,
      200,
    );
    const dropPool = (body: unknown) => {
      const b = body as { resource_pools: { pool_name: string }[] };
      const pools = b.resource_pools.filter((p) => p.pool_name !== 'root.default');
      return { ...b, resource_pools: pools, resource_pools_plain_json: JSON.stringify(pools) };
    };
    await during(
      'pool missing from /admission while its queries run',
      'not zero',
      () => proxies.forEach((p) => p.rewrite(/^\/admission$/, dropPool)),
      () => proxies.forEach((p) => p.rewrite(undefined)),
    );
    log.add(await status(h));

    const ticks = log.ticks();
    expect(counterProblems(ticks)).toEqual([]);
    const lines: string[] = [];
    let unknownTicks = 0;
    for (const win of windows) {
      // The ticks that read the load while the fault was on (a tick's time is when it started).
      const inside = ticks.filter((d) => Date.parse(d.at) > win.from + 200 && Date.parse(d.at) < win.to - 200);
      expect({ window: win.name, ticks: inside.length > 0 }).toEqual({ window: win.name, ticks: true });
      for (const d of inside) {
        const i = ticks.indexOf(d);
        const before = countersAfter(ticks[i - 1]);
        const after = countersAfter(d);
        const reason = d.reasons.find((x) => UNKNOWN.test(x));
        if (win.expect === 'unknown' || (win.expect === 'not zero' && reason)) {
          unknownTicks += 1;
          expect({ window: win.name, tick: d.tick, unknown: Boolean(reason), queued: d.queued }).toEqual({
            window: win.name,
            tick: d.tick,
            unknown: true,
            queued: null,
          });
          // Held: neither advanced nor reset.
          expect({ window: win.name, tick: d.tick, counters: after }).toEqual({
            window: win.name,
            tick: d.tick,
            counters: before,
          });
        } else if (win.expect === 'warning') {
          expect({
            window: win.name,
            tick: d.tick,
            warning: d.reasons.some((x) => x.startsWith('Warning: coordinator down, using the others')),
          }).toEqual({ window: win.name, tick: d.tick, warning: true });
          expect({ window: win.name, tick: d.tick, known: d.queued !== null }).toEqual({
            window: win.name,
            tick: d.tick,
            known: true,
          });
        } else {
          // Known: then it must still see the 2 running queries, never an idle warehouse.
          expect({ window: win.name, tick: d.tick, running: d.running }).toEqual({
            window: win.name,
            tick: d.tick,
            running: 2,
          });
        }
      }
      const sample = inside[inside.length - 1];
      lines.push(
        `${win.name}: ${inside.length} ticks, e.g. "${sample.reasons.find((x) => UNKNOWN.test(x) || x.startsWith('Warning:')) ?? sample.reasons[0]}"`,
      );
    }
    for (const l of lines) say(l);
    // Nothing was removed: the counters never ran out on an unknown load.
    expect((await w.live()).length).toBe(2);
    const creations = w.recorder.creations();
    const final = await status(h);
    const orphans = orphansBetween(await w.recorder.snapshot(), final);
    return {
      faults: windows.length,
      restarts: 0,
      groupsCreated: w.recorder.total() - 1,
      duplicates: duplicatesOver(creations, { 'impala-executor-000': 1, 'impala-executor-001': 1 }),
      orphans: orphans.count,
      extra: `${unknownTicks} ticks with unknown load, counters held on every one`,
    };
  });
}, 240_000);
