// `impala-autoscaler sim coordinator --expected-executor-group-sets …` as an operator runs it: the real binary serves
// two sets, routes by --max-query-mem-mb, and a malformed list stops it with Impala's own message.
import { eventually } from '../support/eventually';
import { background, cli, type Background } from './support';

let server: Background | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

test('two sets from the flags: each its groups and pool, queries routed by the pools max-query-mem-limit', async () => {
  server = background([
    'sim',
    'coordinator',
    '--port',
    '0',
    '--expected-executor-group-sets',
    'root.large:3,root.small:1',
    '--max-query-mem-mb',
    'root.small=1024',
    '--groups',
    '2',
  ]);
  const url = await eventually(
    'the simulator to listen',
    async () => /on (http:\/\/127\.0\.0\.1:\d+)/.exec(server!.output())?.[1],
    60_000,
    200,
  );
  expect(server.output()).toContain('2 group(s) of 1 executors, 2 group(s) of 3 executors in root.small, root.large;');
  const submit = async (memMb: number) =>
    (await (
      await fetch(`${url}/queries`, { method: 'POST', body: JSON.stringify({ durationMs: 60_000, memMb }) })
    ).json()) as { pool: string; group: string };
  expect(await submit(1024)).toMatchObject({ pool: 'root.small', group: 'root.small-group-001' });
  expect(await submit(1025)).toMatchObject({ pool: 'root.large', group: 'root.large-group-001' });
  const backends = (await (await fetch(`${url}/backends`)).json()) as { backends: { address: string }[] };
  expect(backends.backends.map((b) => b.address)).toEqual(
    expect.arrayContaining(['impala-executor-root-small-002-0:27000', 'impala-executor-root-large-002-2:27000']),
  );
}, 90_000);

test.each([
  ['root.small:x', 'Failed to parse expected executor group set size for input: root.small:x'],
  ['root.small:1,root.small:2', 'Executor group set prefix specified multiple times: root.small:2'],
  ['root.small', 'Invalid executor group set format: root.small'],
])(
  "--expected-executor-group-sets %s is refused in Impala's words",
  async (value, message) => {
    const r = await cli(['sim', 'coordinator', '--port', '0', '--expected-executor-group-sets', value]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`error: --expected-executor-group-sets / --max-query-mem-mb: ${message}`);
  },
  60_000,
);
