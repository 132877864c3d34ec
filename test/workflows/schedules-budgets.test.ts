// Schedules and budgets through the real workflow on a real dev server, the coordinator simulator over HTTP and the
// real Impala reader. Schedules' cron expressions carry croner's leading seconds field so that windows open and close
// within the test: a minimum's groups start one measured start-up ahead of its window and are kept through it, a
// suspend window holds queued queries until it closes. A budget over 90-second periods reaches each of its
// thresholds — notify, block scale-up, suspend — and the next period resumes the warehouse.
import { setTimeout as sleep } from 'node:timers/promises';
import { ImpalaLoadReader } from '../../src/activities/impala/load-reader';
import { AutoscalerMetrics } from '../../src/observability/metrics';
import { budgetStandings } from '../../src/policy/budgets';
import type { WarehouseSpec } from '../../src/policy/types';
import { clusterOptionsFor } from '../../src/sim/cluster';
import { startCoordinator, type CoordinatorServer } from '../../src/sim/coordinator';
import { InProcessMembership } from '../../src/sim/in-process-membership';
import { detailsTable } from '../../src/workflows/details';
import { diff } from '../../src/client/commands/warehouse/apply';
import { resizeUpdate } from '../../src/workflows/messages';
import { tickReport } from '../../src/workflows/sinks';
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
const open: CoordinatorServer[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.close()));
});

async function world(base: WarehouseSpec, seed: number[], readyAfterMs = 500) {
  const groups = new InProcessExecutorGroups({ readyAfterMs, drainMs: 200 });
  groups.preexisting(base.name, seed);
  const c = await startCoordinator({ port: 0, ...clusterOptionsFor(base, new InProcessMembership(groups, base)) });
  open.push(c);
  await c.cluster.refreshMembership();
  const spec = { ...base, coordinators: [{ url: c.url }] };
  const reader = new ImpalaLoadReader({ timeoutMs: 2000 });
  return { spec, groups, c, h: new Harness(env(), groups, (s) => reader.read(s)) };
}

async function submit(url: string, n: number, durationMs: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const res = await fetch(`${url}/queries`, { method: 'POST', body: JSON.stringify({ durationMs }) });
    expect(res.status).toBe(201);
  }
}

/** A cron expression (with seconds) firing once a day at this instant's UTC time of day. */
function cronAt(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCSeconds()} ${d.getUTCMinutes()} ${d.getUTCHours()} * * *`;
}
/** Groups that exist and are not being removed. */
async function live(groups: InProcessExecutorGroups, spec: WarehouseSpec): Promise<number> {
  return (await groups.list(spec)).groups.filter((g) => !g.deleting).length;
}

test('a minimum starts one start-up ahead of its window and holds through it; a suspend window holds a queue', async () => {
  const over = { name: 'sched', mode: 'balanced', scaleDownDelaySeconds: 2, nodes: { min: 0, max: 8 } } as const;
  // Groups start in 2 s: a start-up of a few ticks, so that the lead it sets outlasts a slow tick.
  const { groups, c, h } = await world(testSpec(over), [], 2000);
  await h.startWorker();
  // Whole seconds from now: the workflow starts at once, a query measures the groups' start-up, the warehouse suspends.
  const t0 = Math.ceil(Date.now() / 1000) * 1000;
  const business = { opens: t0 + 25_000, closes: t0 + 37_000 };
  const night = { opens: t0 + 45_000, closes: t0 + 55_000 };
  const spec = {
    ...testSpec({
      ...over,
      schedules: [
        {
          name: 'business',
          start: cronAt(business.opens),
          end: cronAt(business.closes),
          timezone: 'UTC',
          minGroups: 3,
        },
        { name: 'night', start: cronAt(night.opens), end: cronAt(night.closes), timezone: 'UTC', suspend: true },
      ],
    }),
    coordinators: [{ url: c.url }],
  };
  const handle = await h.start(spec);
  try {
    await submit(c.url, 1, 1000);
    await eventually('the warehouse resumed for the query, then suspended', async () => {
      const s = await h.status(handle);
      return s.state.startupTicks !== undefined && s.state.state === 'Suspended' && (await live(groups, spec)) === 0;
    });
    expect(Date.now()).toBeLessThan(business.opens - 5000);

    await eventually('three groups for the business window', async () => (await live(groups, spec)) === 3, 30_000);
    const creates = groups.calls.filter((x) => x.op === 'create').slice(-3);
    const status = await h.status(handle);
    const leadMs = (status.state.startupTicks! + 1) * 1000;
    for (const x of creates) {
      // One measured start-up and a poll ahead (a tick's slack either side), never after the window opened.
      expect(x.at).toBeGreaterThanOrEqual(business.opens - leadMs - 1500);
      expect(x.at).toBeLessThan(business.opens);
    }
    expect(reasonLines(status)).toContainEqual(
      expect.stringMatching(
        /^needsScaleUp is true as current executor groups 0 is below the minimum 3 of schedule business from \S+Z \(one start-up and a poll ahead\)\.$/,
      ),
    );

    // Idle through the window: kept, not suspended (auto-suspend is 2 s).
    await sleep(Math.max(0, business.closes - 1500 - Date.now()));
    expect(await live(groups, spec)).toBe(3);
    const during = await h.status(handle);
    expect(reasonLines(during)).toContainEqual(
      expect.stringMatching(
        /^needsSuspend is false as the minimum is 3 executor groups of schedule business until \S+Z\.$/,
      ),
    );
    expect(detailsTable(spec, during.state, during.lastObservation, during.decisions)).toMatch(
      /Schedule business is open until \S+Z \(minGroups 3\)\./,
    );
    await eventually('released and suspended after the window', async () => {
      const s = await h.status(handle);
      return (await live(groups, spec)) === 0 && s.state.state === 'Suspended';
    });
    expect(
      groups.calls
        .filter((x) => x.op === 'delete')
        .slice(-3)
        .every((x) => x.at >= business.closes),
    ).toBe(true);

    // The night window: queries submitted in it wait for its end.
    await sleep(Math.max(0, night.opens + 1500 - Date.now()));
    const createsBefore = groups.calls.filter((x) => x.op === 'create').length;
    await submit(c.url, 2, 1000);
    await eventually('the night window holding the queue', async () =>
      reasonLines(await h.status(handle)).includes(
        `needsScaleUp is true as there are 2 queries queued, but schedule night holds the warehouse suspended until ${new Date(night.closes).toISOString().replace('.000Z', 'Z')}; the warehouse stays suspended.`,
      ),
    );
    await eventually('resumed once the window closed', async () => (await live(groups, spec)) > 0, 30_000);
    const resumed = groups.calls.filter((x) => x.op === 'create').slice(createsBefore);
    expect(resumed.length).toBeGreaterThan(0);
    expect(resumed.every((x) => x.at >= night.closes)).toBe(true);
    expectInOrder(reasonLines(await h.status(handle)), [/^Resuming warehouse as there are 2 queries queued\.$/]);
  } finally {
    await h.close([handle]);
  }
}, 120_000);

test('a budget over 90-second periods notifies, blocks scale-up, suspends, and the next period resumes', async () => {
  // 0.02 executor-hours = 72 executor-seconds: one group of 2 executors uses a quarter in 9 s, 40 % in 14 s, all in
  // 36 s. Started with at least 60 s of the 90 s period left, so that every threshold falls in one period.
  const { spec, groups, c, h } = await world(
    testSpec({
      name: 'budget',
      mode: 'balanced',
      nodes: { min: 2, max: 8 },
      autoSuspend: { enabled: false, timeoutSeconds: 2 },
      budgets: [
        {
          period: { seconds: 90 },
          executorHours: 0.02,
          thresholds: [
            { percent: 25, action: 'notify' },
            { percent: 40, action: 'block-scale-up' },
            { percent: 100, action: 'suspend' },
          ],
        },
      ],
    }),
    [0],
  );
  await h.startWorker();
  const periodMs = 90_000;
  const left = periodMs - (Date.now() % periodMs);
  if (left < 60_000) await sleep(left + 200);
  // Continuing as new every 7 ticks: the count is workflow state, carried from run to run.
  const handle = await h.start(spec, { continueAsNewAfterTicks: 7 });
  try {
    await eventually(
      'the budget reaching 40 %',
      async () => (await h.status(handle)).state.budget?.periods[0].reached === 40,
      30_000,
    );
    // 20 queries of 3 s: 12 run on the one group, the others queue, and no group is added for them.
    await submit(c.url, 20, 3000);
    await eventually('the queue held by the budget', async () =>
      reasonLines(await h.status(handle)).find((l) =>
        /^needsScaleUp is true as there are \d+ queries queued, but budget per 90s \(\S+ of 0\.02 executor-hours used, \d+%\) blocks scale-up above the minimum 1 until \S+Z; holding 1 executor groups\.$/.test(
          l,
        ),
      ),
    );
    expect(groups.calls.filter((x) => x.op === 'create')).toEqual([]);
    const blocked = await h.status(handle);
    const standing = budgetStandings(spec, blocked.state);
    expect(standing).toEqual([
      expect.stringMatching(
        /^Budget per 90s: \S+ of 0\.02 executor-hours used \(\d+%\) since \S+Z, until \S+Z; reached 40% \(block-scale-up\)\.$/,
      ),
    ]);
    expect(detailsTable(spec, blocked.state, blocked.lastObservation, blocked.decisions)).toContain(standing[0]);
    const metrics = new AutoscalerMetrics();
    metrics.tick(
      tickReport(spec, blocked.state, blocked.lastObservation!, {
        state: blocked.state,
        actions: [],
        reasons: [],
        rule: 'hold',
      }),
    );
    expect(await metrics.registry.metrics()).toContain(
      'impala_autoscaler_budget_threshold_reached_percent{warehouse="budget",budget="90s"} 40',
    );

    await eventually(
      'suspended by the budget',
      async () => suspendedAndRecorded(await h.status(handle)) && (await live(groups, spec)) === 0,
      30_000,
    );
    const suspendedAt = Date.now();
    const lines = reasonLines(await h.status(handle));
    expectInOrder(lines, [
      /^Budget per 90s has reached 25% \(\S+ of 0\.02 executor-hours used since \S+Z\): notify\.$/,
      /^Budget per 90s has reached 40% \(.*\): no scale-up above the minimum until \S+Z\.$/,
      /^Budget per 90s has reached 100% \(.*\): the warehouse is held suspended until \S+Z\.$/,
      /^Suspending warehouse: budget as budget per 90s \(.*\) holds it suspended until \S+Z; removing 1 executor groups\.$/,
    ]);
    // A query now waits for the next period, which resumes the warehouse for it. (The removed group drains for
    // 200 ms: the simulator is told it is gone first, so that the query cannot run on it.)
    await sleep(300);
    await c.cluster.refreshMembership();
    await submit(c.url, 1, 1000);
    await eventually('the query held by the budget', async () =>
      reasonLines(await h.status(handle)).find((l) =>
        /^needsScaleUp is true as there are 1 queries queued, but budget per 90s \(.*\) holds the warehouse suspended until \S+Z; the warehouse stays suspended\.$/.test(
          l,
        ),
      ),
    );
    const periodEnds = Math.ceil(suspendedAt / periodMs) * periodMs;
    await eventually('resumed in the next period', async () => (await live(groups, spec)) > 0, 70_000);
    const resume = groups.calls.filter((x) => x.op === 'create')[0];
    expect(resume.at).toBeGreaterThanOrEqual(periodEnds);
    const last = await h.status(handle);
    expect(last.run).toBeGreaterThan(5);
    expectInOrder(reasonLines(last), [
      /^Budget per 90s: a new period began at \S+Z \(\S+ of 0\.02 executor-hours were used in the last\)\.$/,
      /^Resuming warehouse as there are 1 queries queued\.$/,
    ]);
  } finally {
    await h.close([handle]);
  }
}, 180_000);

test('a warehouse with schedules and a budget is resized, its schedules and budgets replaced (the spec checked again inside the workflow)', async () => {
  const { c, h } = await world(testSpec({ name: 'resized' }), [0]);
  const spec = {
    ...testSpec({
      name: 'resized',
      schedules: [
        { name: 'office', start: '0 8 * * 1-5', end: '0 18 * * 1-5', timezone: 'Europe/Berlin', minGroups: 2 },
        { name: 'weekend', start: '0 20 * * 5', end: '0 6 * * 1', timezone: 'Europe/Berlin', suspend: true },
      ],
      budgets: [{ period: 'month', executorHours: 1000 }],
    }),
    coordinators: [{ url: c.url }],
  };
  await h.startWorker();
  const handle = await h.start(spec);
  try {
    const resized = await handle.executeUpdate(resizeUpdate, { args: [{ nodes: { max: 8 } }] });
    expect(resized.nodes.max).toBe(8);
    expect(resized.schedules).toEqual(spec.schedules);
    expect(resized.budgets).toEqual(spec.budgets);
    await eventually('a tick on the resized spec', async () => (await h.status(handle)).spec.nodes.max === 8);
    // `warehouse apply` of a file that keeps one schedule and no budget.
    const file = { ...spec, nodes: { ...spec.nodes, max: 8 }, schedules: [spec.schedules![0]], budgets: undefined };
    const d = diff(resized, file);
    expect(d).toEqual({
      resize: { schedules: [spec.schedules![0]], budgets: [] },
      changes: [expect.stringMatching(/^schedules: /), expect.stringMatching(/^budgets: .* → \(unset\)$/)],
      fixed: [],
    });
    const replaced = await handle.executeUpdate(resizeUpdate, { args: [d.resize] });
    expect(replaced.schedules).toEqual([spec.schedules![0]]);
    expect(replaced).not.toHaveProperty('budgets');
    // A suspend window over the office's minimum is rejected, naming both schedules; nothing changes.
    const rejected = await handle
      .executeUpdate(resizeUpdate, {
        args: [
          {
            schedules: [
              ...spec.schedules!,
              { ...spec.schedules![1], name: 'lunch', start: '0 12 * * *', end: '0 13 * * *' },
            ],
          },
        ],
      })
      .then(
        () => undefined,
        (e: unknown) => e as Error & { cause?: Error },
      );
    expect(rejected?.cause?.message).toMatch(
      /schedule lunch holds the warehouse suspended .* while schedule office \(minGroups 2\) is open/,
    );
    expect((await h.status(handle)).spec.schedules).toEqual([spec.schedules![0]]);
  } finally {
    await h.close([handle]);
  }
}, 60_000);
