// Chaos, part 3: the Kubernetes API stalls while a tick's actions run — the real local kube-apiserver behind the
// fault proxy, which holds every request until the API "comes back". The warehouse loop must not wait for the stall:
// the tick that removes five groups gives up after its bound and says which removals did not finish, the loop keeps
// ticking (unknown load), `status` answers within seconds throughout, and once the API answers again the operator's
// `resume` sent meanwhile is acted on within a few ticks.
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { LIST_TIMEOUT_MS } from '../../src/activities';
import { KubernetesExecutorGroups } from '../../src/activities/kubernetes/executor-groups';
import { actBoundMs } from '../../src/workflows/act';
import { resumeSignal, statusQuery, suspendSignal } from '../../src/workflows/warehouse';
import { eventually } from '../support/temporal';
import {
  chaosCase,
  chaosSeed,
  DecisionLog,
  duplicatesOver,
  orphansBetween,
  rng,
  settledAt,
  sleep,
} from './support/chaos';
import { proxiedKubeConfig } from './support/fault-proxy';
import { chaosServers } from './support/servers';

// The stalled activities' attempts time out and are logged by the SDK at WARN: plenty of them.
Runtime.install({ logger: new DefaultLogger('ERROR') });

const SEED = chaosSeed();
const { env, runWorker, startWarehouse, world, apiProxy } = chaosServers({ podReadyDelayMs: 1000 });

const ONE_STATEFULSET = /\/apis\/apps\/v1\/namespaces\/[^/]+\/statefulsets\/impala-executor-\d+$/;
/** Longer than a tick's bound plus the observe that follows it: the old loop, stuck in its actions, shows no tick. */
const STALL_MS = 75_000;
const RESUMED = /^(Resuming warehouse as the operator asked\.|Resume asked for, but the warehouse is not suspended)/;

test('the API stalls while five groups are removed: status answers, the loop goes on, the resume is acted on within a few ticks of the API coming back', async () => {
  await chaosCase('Kubernetes API stall', SEED, async (say) => {
    const r = rng(SEED, 'stall');
    const w = await world('stall', {
      nodes: { min: 2, max: 10 },
      scaleDownDelaySeconds: 600,
      autoSuspend: { enabled: false, timeoutSeconds: 300 },
    });
    for (const i of [1, 2, 3, 4]) await w.groups.create(w.spec, i);
    await eventually('5 ready groups', async () => (await w.live()).filter((g) => g.ready).length === 5, 60_000);

    const proxy = await apiProxy(w.kc);
    await runWorker('chaos-stall', new KubernetesExecutorGroups(proxiedKubeConfig(proxy)));
    const h = await startWarehouse(w.spec, 'chaos-stall');
    const status = (ms = 3000) => env().connection.withDeadline(Date.now() + ms, () => h.query(statusQuery));
    const log = new DecisionLog();
    await settledAt(() => status(), 5, log, 60_000, 200);

    // The suspend's removals stall first (each reads its StatefulSet, then deletes it); once one is held, the whole
    // API stalls, listing included. A stall longer than the test: only heal() ends it.
    const hold = { kind: 'stall', ms: 10 * 60_000 } as const;
    proxy.inject({ path: ONE_STATEFULSET, fault: hold, times: 10_000 });
    const suspendedAt = Date.now();
    await h.signal(suspendSignal);
    await eventually(
      'a removal held by the stalled API',
      () => proxy.requests.some((q) => ONE_STATEFULSET.test(q.path) && q.outcome === ''),
      30_000,
      50,
    );
    proxy.inject({ fault: hold, times: 100_000 });
    const stalledAt = Date.now();

    // While it stalls: status every half second, timed; the operator's resume at a random point.
    const resumeAfterMs = r.between(5_000, 25_000);
    let resumedAt: number | undefined;
    const answers: number[] = [];
    while (Date.now() - stalledAt < STALL_MS) {
      if (resumedAt === undefined && Date.now() - stalledAt >= resumeAfterMs) {
        await h.signal(resumeSignal);
        resumedAt = Date.now();
      }
      const t = Date.now();
      const s = await status(30_000).catch(() => undefined);
      answers.push(s ? Date.now() - t : Infinity);
      if (s) log.add(s);
      await sleep(500);
    }
    proxy.heal();
    const healedAt = Date.now();

    const resumed = await eventually(
      'the resume acted on',
      async () => {
        const s = await status();
        log.add(s);
        return s.decisions.find((d) => d.reasons.some((x) => RESUMED.test(x)));
      },
      60_000,
      200,
    );
    const final = await settledAt(() => status(), 1, log, 90_000, 300);

    const bound = actBoundMs(w.spec);
    const poll = w.spec.pollIntervalSeconds * 1000;
    const sorted = [...answers].sort((a, b) => a - b);
    const ticks = log.ticks();
    // Every tick recorded from the suspend to the API's return (a tick is recorded once its actions are done).
    const during = ticks.filter((d) => Date.parse(d.at) >= suspendedAt && Date.parse(d.at) <= healedAt);
    const times = [suspendedAt, ...during.map((d) => Date.parse(d.at)), healedAt];
    const longestGap = Math.max(...times.slice(1).map((t, i) => t - times[i]));
    const suspendTick = log
      .all()
      .find((d) => d.reasons.some((x) => x.startsWith('Suspending warehouse: stall as the operator asked')));
    const actedAfterMs = Date.parse(resumed.at) - healedAt;
    say(
      `status answered ${answers.length} times during the ${STALL_MS / 1000}s stall: p50 ${sorted[sorted.length >> 1]} ms, max ${sorted[sorted.length - 1]} ms`,
    );
    say(
      `${during.length} ticks recorded during the stall, longest gap ${longestGap} ms (tick bound ${bound} ms, listing bound ${LIST_TIMEOUT_MS} ms)`,
    );
    say(
      `suspend tick: ${suspendTick ? `${suspendTick.actions.join(', ')} | ${suspendTick.reasons.filter((x) => /^(Gave up|Did not start)/.test(x)).join(' | ')}` : 'not recorded'}`,
    );
    say(
      `resume sent ${resumedAt! - stalledAt} ms into the stall, acted on ${actedAfterMs} ms after the API came back: "${resumed.reasons.find((x) => RESUMED.test(x))}"`,
    );

    // `status` answered within seconds throughout: a tick's observe (a local activity, during which no query is
    // answered) is bounded by the listing's timeout, and the actions' wait answers queries at once.
    expect(sorted[sorted.length - 1]).toBeLessThan(LIST_TIMEOUT_MS + 1500);
    // The loop went on: the stalled tick gave up after its bound, and ticks of unknown load followed.
    expect(longestGap).toBeLessThan(bound + LIST_TIMEOUT_MS + poll + 5000);
    expect(suspendTick?.actions.filter((a) => a.endsWith(' unfinished'))).toHaveLength(5);
    expect(
      suspendTick?.reasons.filter((x) =>
        /^Gave up waiting for remove executor group impala-executor-00\d after \d+s; the next tick observes what exists and decides again\.$/.test(
          x,
        ),
      ),
    ).toHaveLength(4);
    expect(
      suspendTick?.reasons.filter((x) =>
        /^Did not start remove executor group impala-executor-00\d within \d+s \(4 actions at a time\)/.test(x),
      ),
    ).toHaveLength(1);
    // The resume waited only for a known reading: a few ticks after the API answered again.
    expect(actedAfterMs).toBeLessThan(LIST_TIMEOUT_MS + 3 * poll + 3000);

    const creations = w.recorder.creations();
    const decided = log.addsDecided();
    const expected: Record<string, number> = {};
    for (const i of [0, 1, 2, 3, 4]) expected[`impala-executor-00${i}`] = 1 + (decided[`impala-executor-00${i}`] ?? 0);
    const orphans = orphansBetween(await w.recorder.snapshot(), final);
    say(`creations ${JSON.stringify(creations)}; orphans: ${orphans.detail}`);
    return {
      faults: proxy.injected(),
      restarts: 0,
      groupsCreated: w.recorder.total() - 5,
      duplicates: duplicatesOver(creations, expected),
      orphans: orphans.count,
      extra: `stall ${STALL_MS / 1000}s, status max ${sorted[sorted.length - 1]} ms, longest tick gap ${longestGap} ms, resume acted on ${actedAfterMs} ms after the API came back`,
    };
  });
}, 300_000);
