// The coordinator simulator serving several executor group sets, over real HTTP, against the shapes and behaviour of
// tests/custom_cluster/test_executor_groups.py (test_multiple_executor_groups, test_query_assignment_with_two_exec_groups,
// the group-set metrics) and Frontend.java's routing; and the autoscaler's own reader reading each set as its pool.
import { ImpalaLoadReader } from '../../src/activities/impala/load-reader';
import { startCoordinator, type CoordinatorServer } from '../../src/sim/coordinator';
import { fixedMembership } from '../../src/sim/in-process-membership';
import { groupSetOptionsFor } from '../../src/sim/cluster';
import type { MemberGroup } from '../../src/sim/membership';

const MB = 1024 * 1024;
const open: CoordinatorServer[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

interface QueryJson {
  id: string;
  pool: string;
  state: string;
  group?: string;
  memMb: number;
  reason?: string;
}

async function post(url: string, body: object): Promise<{ status: number; json: QueryJson & { error?: string } }> {
  const res = await fetch(`${url}/queries`, { method: 'POST', body: JSON.stringify(body) });
  return { status: res.status, json: (await res.json()) as QueryJson & { error?: string } };
}

async function page<T>(url: string, path: string): Promise<T> {
  const res = await fetch(`${url}${path}`);
  expect(res.status).toBe(200);
  return (await res.json()) as T;
}

// Listed large first: the simulator orders sets as the planner does, not as given.
const large = {
  groupSet: 'root.large',
  executorsPerGroup: 3,
  queriesPerGroup: 4,
  executorMemoryMb: 16384,
  groupPrefix: 'impala-executor-root-large-',
};
const small = {
  groupSet: 'root.small',
  executorsPerGroup: 2,
  queriesPerGroup: 1,
  executorMemoryMb: 4096,
  maxQueryMemMb: 2048,
  groupPrefix: 'impala-executor-root-small-',
};

async function twoSets(smallGroups = 1, largeGroups = 1): Promise<CoordinatorServer> {
  const c = await startCoordinator({
    port: 0,
    sets: [
      groupSetOptionsFor(large, fixedMembership(largeGroups, large.executorsPerGroup)),
      groupSetOptionsFor(small, fixedMembership(smallGroups, small.executorsPerGroup)),
    ],
  });
  open.push(c);
  return c;
}

describe('coordinator simulator with two executor group sets', () => {
  test('queries go to the set the planner picks: by per-host memory against max_query_mem_limit, REQUEST_POOL forcing', async () => {
    const c = await twoSets();
    expect(c.cluster.sets.map((s) => s.groupSet)).toEqual(['root.small', 'root.large']);
    const bi = await post(c.url, { durationMs: 60_000, memMb: 512 });
    expect(bi.status).toBe(201);
    expect(bi.json).toMatchObject({ pool: 'root.small', state: 'running', group: 'root.small-group-001' });
    const etl = await post(c.url, { durationMs: 60_000, memMb: 8192 });
    expect(etl.json).toMatchObject({
      pool: 'root.large',
      state: 'running',
      group: 'root.large-group-001',
      memMb: 8192,
    });
    // Over every set's limit: the last (largest) set, --skip_resource_checking_on_last_executor_group_set.
    const huge = await post(c.url, { durationMs: 1000, memMb: 20_000 });
    expect(huge.json).toMatchObject({ pool: 'root.large', state: 'rejected' });
    // REQUEST_POOL=large (a suffix of root.large) forces the set however small the query.
    const forced = await post(c.url, { durationMs: 60_000, memMb: 100, pool: 'large' });
    expect(forced.json).toMatchObject({ pool: 'root.large', state: 'running' });
    // REQUEST_POOL=small for a large query: its memory is clamped to the pool's max_query_mem_limit, and it queues
    // behind the small group's one admission slot.
    const clamped = await post(c.url, { durationMs: 60_000, memMb: 8192, pool: 'root.small' });
    expect(clamped.json).toMatchObject({ pool: 'root.small', state: 'queued', memMb: 2048 });
    expect(clamped.json.reason).toBe(
      'Not enough admission control slots available on host impala-executor-root-small-001-0:27000. Needed 1 slots but 1/1 are already in use.',
    );
    const unknown = await post(c.url, { durationMs: 1000, pool: 'root.adhoc' });
    expect(unknown).toEqual({
      status: 400,
      json: { error: 'POST /queries: Request pool: root.adhoc does not map to any known executor group set.' },
    });
  });

  test('one queue per set: a full small set queues while the large set admits (test_multiple_executor_groups)', async () => {
    const c = await twoSets();
    await post(c.url, { durationMs: 60_000, memMb: 100 });
    const queued = await post(c.url, { durationMs: 1000, memMb: 100 });
    expect(queued.json.state).toBe('queued');
    const other = await post(c.url, { durationMs: 1000, memMb: 100, pool: 'root.large' });
    expect(other.json.state).toBe('running');

    const admission = await page<{ resource_pools: Record<string, unknown>[] }>(c.url, '/admission');
    const pools = Object.fromEntries(admission.resource_pools.map((p) => [p.pool_name, p]));
    expect(Object.keys(pools).sort()).toEqual(['root.large', 'root.small']);
    expect(pools['root.small']).toMatchObject({
      agg_num_running: 1,
      agg_num_queued: 1,
      max_query_mem_limit: 2048 * MB,
      head_queued_reason: queued.json.reason,
    });
    expect(pools['root.large']).toMatchObject({ agg_num_running: 1, agg_num_queued: 0, max_query_mem_limit: 0 });

    // The autoscaler's reader, given one set as its warehouse (a resolved set spec), sees that set's pool only.
    const reader = new ImpalaLoadReader({ timeoutMs: 2000 });
    const read = await reader.readDetailed({
      coordinators: [{ url: c.url }],
      groupSet: 'root.small',
      executorsPerGroup: 2,
    });
    if (!read.ok) throw new Error(read.reason);
    expect(read.view.load).toMatchObject({
      queued: 1,
      running: 1,
      healthyGroups: 1,
      runningByGroup: { 'root.small-group-001': 1 },
      impalaGroups: { 'root.small-group-001': { executors: 2, active: 2, healthy: true } },
      queueCause: 'capacity',
    });
  });

  test("cluster-membership.group-set.* metrics per set, and /backends with each set's executors", async () => {
    let smallGroups: MemberGroup[] = [
      { index: 1, executors: 2, healthy: true, quiescing: false },
      { index: 2, executors: 1, healthy: false, quiescing: false },
    ];
    const c = await startCoordinator({
      port: 0,
      membershipPollMs: 60_000,
      sets: [
        groupSetOptionsFor(small, { groups: async () => smallGroups }),
        groupSetOptionsFor(large, fixedMembership(3, large.executorsPerGroup)),
      ],
    });
    open.push(c);
    const metrics = async () => page<Record<string, number>>(c.url, '/jsonmetrics');
    expect(await metrics()).toMatchObject({
      'cluster-membership.executor-groups.total': 5,
      'cluster-membership.executor-groups.total-healthy': 4,
      'cluster-membership.backends.total': 3 + 9 + 1,
      'cluster-membership.group-set.executor-groups.total.root.small': 2,
      'cluster-membership.group-set.executor-groups.total-healthy.root.small': 1,
      'cluster-membership.group-set.backends.total.root.small': 3,
      'cluster-membership.group-set.executor-groups.total.root.large': 3,
      'cluster-membership.group-set.executor-groups.total-healthy.root.large': 3,
      'cluster-membership.group-set.backends.total.root.large': 9,
    });
    smallGroups = [];
    await c.cluster.refreshMembership();
    expect(await metrics()).toMatchObject({
      'cluster-membership.group-set.executor-groups.total.root.small': 0,
      'cluster-membership.group-set.backends.total.root.small': 0,
      'cluster-membership.group-set.backends.total.root.large': 9,
    });
    const tree = await page<{ metric_group: { metrics: { name: string; description: string }[] } }>(
      c.url,
      '/metrics?json&metric_group=cluster-membership',
    );
    expect(tree.metric_group.metrics.find((m) => m.name.endsWith('.total-healthy.root.small'))?.description).toBe(
      'Total number of executor groups in the executor group set root.small that are in a healthy state',
    );

    smallGroups = [{ index: 1, executors: 2, healthy: true, quiescing: false }];
    await c.cluster.refreshMembership();
    const backends = await page<{ backends: Record<string, unknown>[] }>(c.url, '/backends');
    const executors = backends.backends.filter((b) => b.is_executor);
    expect(executors.filter((b) => b.executor_groups === 'root.small-group-001')).toEqual([
      expect.objectContaining({
        address: 'impala-executor-root-small-001-0:27000',
        admission_slots: 1,
        admit_mem_limit: '4.00 GB',
      }),
      expect.objectContaining({ address: 'impala-executor-root-small-001-1:27000' }),
    ]);
    expect(executors.find((b) => b.executor_groups === 'root.large-group-003')).toMatchObject({
      address: 'impala-executor-root-large-003-0:27000',
      admission_slots: 4,
      admit_mem_limit: '16.00 GB',
    });
  });
});
