// Bad input, the fleet: a fleet limit below the sum of its warehouses' minimums, through the real command line
// against a real dev server, is rejected naming the field, and nothing is started — no fleet workflow, no warehouse.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { WorkflowNotFoundError } from '@temporalio/client';
import { stringify as toYaml } from 'yaml';
import { fleetWorkflowIdFor } from '../../src/policy/names';
import { useTemporalServer } from '../support/temporal';
import { VALID } from './cases';
import { cli, noWorkflowFor } from './support';

const env = useTemporalServer();
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bad-input-fleet-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

test('warehouse apply and worker --start: a fleet limit below the minimums starts nothing', async () => {
  const file = path.join(tmp, 'fleet.yaml');
  fs.writeFileSync(
    file,
    toYaml({
      fleet: { name: 'main', maxExecutors: 6 },
      warehouses: [
        { ...VALID, name: 'fleet-sales', coordinators: ['http://127.0.0.1:1'], nodes: { min: 4, max: 6 }, priority: 2 },
        {
          ...VALID,
          name: 'fleet-etl',
          namespace: 'impala-etl',
          coordinators: ['http://127.0.0.1:1'],
          nodes: { min: 4, max: 6 },
        },
      ],
    }),
  );
  const connect = { TEMPORAL_ADDRESS: env().address, TEMPORAL_NAMESPACE: 'default' };
  const line =
    "fleet.maxExecutors 6 is below the sum of its warehouses' minimums, 8 (fleet-sales nodes.min 4, fleet-etl nodes.min 4): raise fleet.maxExecutors or lower a nodes.min";
  const [apply, worker] = await Promise.all([
    cli(['warehouse', 'apply', '-f', file, '--timeout', '20'], connect),
    cli(['worker', '--config', file, '--start', '--metrics-port', '0'], connect),
  ]);
  for (const r of [apply, worker]) {
    expect({ code: r.code === 0 ? 0 : 'non-zero', stdout: r.stdout }).toEqual({ code: 'non-zero', stdout: '' });
    expect(r.stderr).toContain(`${file}:1: fleet: ${line}`);
  }
  for (const name of ['fleet-sales', 'fleet-etl']) expect(await noWorkflowFor(env().client, name)).toBe(true);
  await expect(env().client.workflow.getHandle(fleetWorkflowIdFor('main')).describe()).rejects.toBeInstanceOf(
    WorkflowNotFoundError,
  );
}, 180_000);
