// Bad input, part 3: the real command line (`node bin/impala-autoscaler.js …`) against a real dev server. Every bad
// file, flag and argument is rejected with a non-zero exit and a message naming the field, flag or name — and nothing
// is written: no warehouse workflow started (checked by ID, for every name in the files), no update or signal
// recorded on the running warehouse, its spec unchanged, no executor group created or removed.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stringify as toYaml } from 'yaml';
import type { WarehouseStatus } from '../../src/workflows/warehouse';
import { eventually, useTemporalServer } from '../support/temporal';
import { Harness, InProcessExecutorGroups, testSpec, knownLoad } from '../support/warehouse-harness';
import { SPEC_CASES, VALID } from './cases';
import { cli, type CliResult, noWorkflowFor, pool, writesInHistory } from './support';

const env = useTemporalServer();

const busy = knownLoad({ running: 1 });
const TARGET = 'cli-target';
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bad-input-cli-'));
const file = (name: string, content: string) => {
  const p = path.join(tmp, name);
  fs.writeFileSync(p, content);
  return p;
};

/** Every object case of the table as one entry of one file: the file is rejected as a whole, one line per warehouse. */
const fileCases = SPEC_CASES.filter((c) => c.input !== null && typeof c.input === 'object' && !Array.isArray(c.input));
const allBad = file('all-bad.yaml', toYaml({ warehouses: fileCases.map((c) => c.input) }));
const mixed = file(
  'mixed.yaml',
  toYaml({
    warehouses: [
      { ...VALID, name: 'good-one' },
      { ...VALID, name: 'bad-one', nodes: { min: 8, max: 4 } },
    ],
  }),
);
const noCoordinators = file('no-coordinators.yaml', toYaml({ warehouses: [{ ...VALID, name: 'lonely' }] }));
const notYaml = file('not-yaml.yaml', 'warehouses: [ { name: sales, nodes: { min: 2, max: 6 }\n');
const topLevel = file('top-level.yaml', toYaml({ warehouse: [VALID] }));
const tooLongName = `w${'x'.repeat(63)}`;
// Several mistakes in each warehouse, of kinds that used to hide one another (a type error in one field skipped the
// checks across fields): every one must be named, each with the file, the warehouse and the field.
const several = file(
  'several.yaml',
  [
    'warehouses:',
    '  - name: several-a',
    '    namespace: impala',
    '    executorsPerGroup: 2',
    '    coordinators: [coordinator-0:25000]',
    '    nodes: { min: 8, max: 4 }',
    '    mode: fast',
    '  - name: several-b',
    '    namespace: impala',
    '    size: HUGE',
    '    coordinators: [http://coordinator-0:25000, 25000]',
    '    nodes: { min: 4, max: 2 }',
    '',
  ].join('\n'),
);
const SEVERAL: { line: string; mistakes: string[] }[] = [
  {
    line: `${several}:2: warehouse "several-a" (#1): `,
    mistakes: [
      'coordinators.0.url: url must be an http:// or https:// URL such as http://coordinator-0:25000 (got "coordinator-0:25000")',
      'nodes.max must be ≥ nodes.min (got 4 < 8)',
      'mode must be one of conservative, balanced, aggressive (got "fast")',
    ],
  },
  {
    line: `${several}:8: warehouse "several-b" (#2): `,
    mistakes: [
      'coordinators.1: a coordinator must be a URL such as http://coordinator-0:25000, or { url, user, passwordFile or passwordEnv, caFile } (got 25000)',
      'size must be one of XSMALL, SMALL, MEDIUM, LARGE (got "HUGE")',
      'nodes.max must be ≥ nodes.min (got 2 < 4)',
    ],
  },
];

interface CliCase {
  what: string;
  args: string[];
  /** Each must appear in stderr. */
  names: (string | RegExp)[];
  /** Connect flags are added (the dev server's address) unless false. */
  connect?: boolean;
}

const cases: CliCase[] = [
  // Files
  {
    what: 'apply: a file with every invalid spec of the table',
    args: ['warehouse', 'apply', '-f', allBad],
    names: [`${fileCases.length} problems`],
  },
  {
    what: 'apply: one bad warehouse next to a good one',
    args: ['warehouse', 'apply', '-f', mixed],
    names: ['bad-one', 'nodes.max must be ≥ nodes.min (got 4 < 8)'],
  },
  { what: 'apply: not YAML', args: ['warehouse', 'apply', '-f', notYaml], names: ['not-yaml.yaml', 'not valid YAML'] },
  {
    what: 'apply: unknown top-level field',
    args: ['warehouse', 'apply', '-f', topLevel],
    names: ['top-level.yaml', '"warehouses:"'],
  },
  {
    what: 'apply: no such file',
    args: ['warehouse', 'apply', '-f', path.join(tmp, 'missing.yaml')],
    names: ['missing.yaml', 'no such file'],
  },
  { what: 'apply: no -f', args: ['warehouse', 'apply'], names: ['--file'] },
  {
    what: 'worker: --config with every invalid spec',
    args: ['worker', '--config', allBad, '--metrics-port', '0'],
    names: [`${fileCases.length} problems`],
  },
  {
    what: 'apply: several mistakes in each warehouse',
    args: ['warehouse', 'apply', '-f', several],
    names: [`${several}: 2 problems`],
  },
  {
    what: 'worker: --config with several mistakes in each warehouse',
    args: ['worker', '--config', several, '--start', '--metrics-port', '0'],
    names: [`${several}: 2 problems`],
  },
  {
    what: 'worker: --config whose warehouse has no coordinators',
    args: ['worker', '--config', noCoordinators, '--start', '--metrics-port', '0'],
    names: ['lonely', 'coordinators'],
  },
  { what: 'worker: --start without --config', args: ['worker', '--start', '--metrics-port', '0'], names: ['--config'] },
  // Flags: wrong types, out of range
  {
    what: 'worker: --metrics-port out of range',
    args: ['worker', '--metrics-port', '70000'],
    names: ['--metrics-port', '70000'],
    connect: false,
  },
  {
    what: 'worker: --log-level not a level',
    args: ['worker', '--log-level', 'loud'],
    names: ['--log-level', 'loud'],
    connect: false,
  },
  {
    what: 'worker: --max-cached-workflows not a positive whole number',
    args: ['worker', '--max-cached-workflows', '0'],
    names: ['--max-cached-workflows', '"0"'],
    connect: false,
  },
  {
    what: 'worker: --connect-timeout not a number',
    args: ['worker', '--connect-timeout', 'soon'],
    names: ['--connect-timeout', 'soon'],
    connect: false,
  },
  {
    what: 'list: --address not host:port',
    args: ['warehouse', 'list', '--address', 'not an address'],
    names: ['not an address', '--address'],
    connect: false,
  },
  { what: 'history: --limit 0', args: ['warehouse', 'history', TARGET, '--limit', '0'], names: ['--limit', '"0"'] },
  {
    what: 'status: --timeout not a number',
    args: ['warehouse', 'status', TARGET, '--timeout', 'abc'],
    names: ['--timeout', '"abc"'],
  },
  // Resize: the CLI's own checks, then the workflow's validator
  {
    what: 'resize: --min-nodes not a number',
    args: ['warehouse', 'resize', TARGET, '--min-nodes', 'four'],
    names: ['--min-nodes', '"four"'],
  },
  {
    what: 'resize: --mode not a mode',
    args: ['warehouse', 'resize', TARGET, '--mode', 'turbo'],
    names: ['--mode', 'turbo'],
  },
  { what: 'resize: nothing to change', args: ['warehouse', 'resize', TARGET], names: ['nothing to change'] },
  {
    what: 'resize: --min-nodes not a multiple of the group size',
    args: ['warehouse', 'resize', TARGET, '--min-nodes', '3'],
    names: ['rejected, nothing changed', 'nodes.min must be a multiple of the group size 2 (got 3)'],
  },
  {
    what: 'resize: min > max',
    args: ['warehouse', 'resize', TARGET, '--min-nodes', '8', '--max-nodes', '4'],
    names: ['rejected, nothing changed', 'nodes.max must be ≥ nodes.min (got 4 < 8)'],
  },
  {
    what: 'resize: --min-nodes negative',
    args: ['warehouse', 'resize', TARGET, '--min-nodes=-2'],
    names: ['rejected, nothing changed', 'nodes.min', '-2'],
  },
  {
    what: 'resize: --auto-suspend-timeout fractional',
    args: ['warehouse', 'resize', TARGET, '--auto-suspend-timeout', '1.5'],
    names: ['rejected, nothing changed', 'autoSuspend.timeoutSeconds', '1.5'],
  },
  // Names: injection-looking, too long for Kubernetes
  { what: 'resize: name ../x', args: ['warehouse', 'resize', '../x', '--min-nodes', '4'], names: ['../x'] },
  { what: 'suspend: name ../x', args: ['warehouse', 'suspend', '../x'], names: ['../x'] },
  { what: 'pause: name with a shell substitution', args: ['warehouse', 'pause', '$(id)'], names: ['$(id)'] },
  // Freezes: a warehouse that does not exist, and a freeze that does not say which direction.
  {
    what: 'freeze: a warehouse that does not exist',
    args: ['warehouse', 'freeze', 'no-such-warehouse', '--scale-in'],
    names: ['no warehouse named no-such-warehouse', 'warehouse-no-such-warehouse'],
  },
  {
    what: 'unfreeze: a warehouse that does not exist',
    args: ['warehouse', 'unfreeze', 'no-such-warehouse'],
    names: ['no warehouse named no-such-warehouse'],
  },
  { what: 'freeze: no direction', args: ['warehouse', 'freeze', TARGET], names: ['--scale-in', '--scale-out'] },
  {
    what: `resize: name of ${tooLongName.length} characters`,
    args: ['warehouse', 'resize', tooLongName, '--max-nodes', '8'],
    names: [tooLongName],
  },
];

let results: CliResult[] = [];
let harness: Harness | undefined;
let groups: InProcessExecutorGroups;
let before: WarehouseStatus;
let historyBefore: { updates: number; signals: number };
const spec = testSpec({ name: TARGET, executorsPerGroup: VALID.executorsPerGroup, nodes: VALID.nodes });

beforeAll(async () => {
  groups = new InProcessExecutorGroups({ readyAfterMs: 0 });
  groups.preexisting(spec.name, [0]);
  harness = new Harness(env(), groups, () => busy);
  await harness.startWorker();
  const handle = await harness.start(spec);
  await eventually('the first tick', async () => (await harness!.status(handle)).state.tick >= 1);
  before = await harness.status(handle);
  historyBefore = await writesInHistory(handle);
  const connect = { TEMPORAL_ADDRESS: env().address, TEMPORAL_NAMESPACE: 'default' };
  // The command line starts in seconds on an idle machine, tens of seconds on a busy one: run a few at once.
  results = await pool(
    cases.map(
      (c) => () =>
        cli(
          [
            ...c.args,
            ...(c.args[0] === 'worker' ? [] : ['--timeout', '20'].filter(() => !c.args.includes('--timeout'))),
          ],
          c.connect === false ? {} : connect,
        ),
    ),
    4,
  );
}, 600000);

afterAll(async () => {
  if (harness) await harness.close([env().client.workflow.getHandle(`warehouse-${TARGET}`)]);
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe.each(cases.map((c, i) => [c.what, c, i] as const))('%s', (_what, c, i) => {
  test('rejected: non-zero exit, the message names the field, flag or name', () => {
    const r = results[i];
    expect({ code: r.code === 0 ? 0 : 'non-zero', stdout: r.stdout }).toEqual({ code: 'non-zero', stdout: '' });
    for (const n of c.names)
      expect(r.stderr).toEqual(typeof n === 'string' ? expect.stringContaining(n) : expect.stringMatching(n));
  });
});

test('the file of every invalid spec: one line per warehouse, each naming its fields', () => {
  const stderr = results[0].stderr;
  const failures: string[] = [];
  fileCases.forEach((c, i) => {
    const line = stderr.split('\n').find((l) => new RegExp(`warehouse (".*" )?\\(?#${i + 1}\\)?:`).test(l));
    if (!line) failures.push(`${c.what}: no line for warehouse #${i + 1}`);
    else for (const n of c.names) if (!line.includes(n)) failures.push(`${c.what}: "${line}" does not name ${n}`);
  });
  expect(failures).toEqual([]);
});

test.each(['apply', 'worker'])(
  '%s: a file with several mistakes per warehouse names every one, with file, warehouse and field',
  (command) => {
    const r =
      results[
        cases.findIndex((c) => c.args[0] === (command === 'apply' ? 'warehouse' : 'worker') && c.args.includes(several))
      ];
    const missing: string[] = [];
    for (const w of SEVERAL) {
      const line = r.stderr.split('\n').find((l) => l.trim().startsWith(w.line));
      if (!line) missing.push(`no line starting with ${w.line}`);
      else for (const m of w.mistakes) if (!line.includes(m)) missing.push(`${w.line}… does not name: ${m}`);
    }
    expect({ missing, stderr: r.stderr }).toEqual({ missing: [], stderr: r.stderr });
  },
);

test('nothing written: no warehouse workflow started for any name in the files or arguments', async () => {
  const client = env().client;
  const names = new Set<string>([
    'good-one',
    'bad-one',
    'lonely',
    'several-a',
    'several-b',
    '../x',
    '$(id)',
    tooLongName,
    'sales',
  ]);
  for (const c of fileCases) {
    const n = (c.input as { name?: unknown }).name;
    if (typeof n === 'string') names.add(n);
  }
  const started: string[] = [];
  for (const n of names) if (!(await noWorkflowFor(client, n))) started.push(n);
  expect(started).toEqual([]);
  // And by listing: the only warehouse workflow on the server is the target (visibility may lag; it only shrinks).
  const listed: string[] = [];
  for await (const wf of client.workflow.list({ query: "WorkflowType = 'warehouseWorkflow'" }))
    listed.push(wf.workflowId);
  expect(listed).toEqual([`warehouse-${TARGET}`]);
});

test('nothing written to the running warehouse: no update or signal in its history, same spec, no group touched', async () => {
  const handle = env().client.workflow.getHandle(`warehouse-${TARGET}`);
  const history = await writesInHistory(handle);
  expect({ updates: history.updates, signals: history.signals }).toEqual({
    updates: historyBefore.updates,
    signals: historyBefore.signals,
  });
  const after = await harness!.status(handle);
  expect(after.spec).toEqual(before.spec);
  expect(after.decisions.filter((d) => d.actions.some((a) => a.startsWith('resize')))).toEqual([]);
  expect(groups.calls).toEqual([]);
});
