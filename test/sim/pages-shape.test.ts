// The simulator's pages carry every key a real coordinator's do (the fixtures follow Impala's source field for
// field), so nothing the reader might start reading later exists only on a real cluster.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { startCoordinator, type CoordinatorServer } from '../../src/sim/coordinator';
import { fixedMembership } from '../../src/sim/in-process-membership';

const fixture = (page: string) =>
  JSON.parse(readFileSync(path.join(__dirname, '..', 'fixtures', 'impala', 'queued', `${page}.json`), 'utf8'));
const keys = (o: object) => Object.keys(o).sort();

let sim: CoordinatorServer;
beforeAll(async () => {
  sim = await startCoordinator({ port: 0, membership: fixedMembership(1, 2) });
  for (let i = 0; i < 4; i++) sim.cluster.submit({ durationMs: 60_000, memMb: 10240, coordinator: sim.name });
});
afterAll(() => sim.close());

const get = async (p: string) => (await fetch(`${sim.url}${p}`)).json() as Promise<Record<string, any>>;

test('/admission?json: same top-level and per-pool keys as Impala; plain JSON is the same pools', async () => {
  const real = fixture('admission');
  const page = await get('/admission?json');
  expect(keys(page)).toEqual(keys(real));
  expect(keys(page.resource_pools[0])).toEqual(keys(real.resource_pools[0]));
  expect(keys(page.resource_pools[0].queued_queries[0])).toEqual(keys(real.resource_pools[0].queued_queries[0]));
  expect(JSON.parse(page.resource_pools_plain_json)).toEqual(page.resource_pools);
});

test('/backends?json: same keys per executor and coordinator as Impala, byte strings in its format', async () => {
  const real = fixture('backends');
  const page = await get('/backends?json');
  expect(keys(page)).toEqual(keys(real));
  const realExec = real.backends.find((b: { is_executor: boolean }) => b.is_executor);
  const exec = page.backends.find((b: { is_executor: boolean }) => b.is_executor);
  expect(keys(exec)).toEqual(keys(realExec));
  expect(keys(page.backends[0])).toEqual(keys(real.backends[0]));
  expect(exec).toMatchObject({
    admit_mem_limit: '16.00 GB',
    mem_admitted: '10.00 GB',
    admission_slots_in_use: 1,
    executor_groups: 'root.default-group-001',
  });
});

test("/metrics?json: metric entries carry Impala's fields and sit in named child groups", async () => {
  const page = await get('/metrics?json');
  expect(page.metric_group.name).toBe('impala-metrics');
  const admission = page.metric_group.child_groups.find((g: { name: string }) => g.name === 'admission-controller');
  expect(keys(admission.metrics[0])).toEqual(['description', 'human_readable', 'kind', 'name', 'units', 'value']);
});
