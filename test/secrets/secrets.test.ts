// Secrets: Impala passwords come from a file or an environment variable and the Temporal API key from
// the environment; none of them may appear in workflow history (every run, through continue-as-new), search
// attributes or the workflow's description, the status query, the logs (the pino logger the worker installs as the
// Runtime logger, Core's forwarded lines included), the Prometheus scrape, or the command line's output.
//
// Three warehouses read a coordinator simulator through a proxy that requires basic auth: one with passwordFile, one
// with passwordEnv, one whose passwordEnv holds a wrong password (401: load unknown, and the reason is recorded in
// the history — it must name the URL, not the password). The worker and the client connect with the API key.
import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { NativeConnection, Runtime } from '@temporalio/worker';
import { ImpalaLoadReader } from '../../src/activities/impala/load-reader';
import { InProcessExecutorGroups } from '../../src/activities/in-process';
import { createLogger, PinoTemporalLogger } from '../../src/observability/logger';
import { startObservabilityServer } from '../../src/observability/http';
import { AutoscalerMetrics } from '../../src/observability/metrics';
import { SdkMetricsBridge } from '../../src/observability/sdk-metrics';
import { workflowIdFor } from '../../src/policy/names';
import type { WarehouseSpec } from '../../src/policy/types';
import { startCoordinator, type CoordinatorServer } from '../../src/sim/coordinator';
import { InProcessMembership } from '../../src/sim/in-process-membership';
import { createWarehouseWorker } from '../../src/worker';
import { statusQuery, warehouseWorkflow } from '../../src/workflows/warehouse';
import { eventually, REPO, temporalCliPath, useTemporalServer, workflowBundle } from '../support/temporal';
import { testSpec } from '../support/warehouse-harness';
import { type AuthProxy, startAuthProxy } from './support/auth-proxy';

const planted = (what: string) => `${what}-${randomBytes(12).toString('hex')}`;
const FILE_PASSWORD = planted('impala-file-pw');
const ENV_PASSWORD = planted('impala-env-pw');
const WRONG_PASSWORD = planted('impala-wrong-pw');
const RIGHT_PASSWORD = planted('impala-right-pw');
const API_KEY = planted('temporal-api-key');
const USER = 'autoscaler';
const ENV_VAR = 'IMPALA_SECRET_TEST_PASSWORD';
const WRONG_VAR = 'IMPALA_SECRET_TEST_WRONG_PASSWORD';

/** Every form a leaked secret could take: as is, base64 alone, and inside a basic-auth or bearer header. */
const NEEDLES: { what: string; text: string }[] = [
  ...[
    ['password file', FILE_PASSWORD],
    ['password env', ENV_PASSWORD],
    ['wrong password', WRONG_PASSWORD],
    ['right password (never configured)', RIGHT_PASSWORD],
    ['Temporal API key', API_KEY],
  ].flatMap(([what, s]) => [
    { what, text: s },
    { what: `${what} (base64)`, text: Buffer.from(s).toString('base64') },
    { what: `${what} (basic auth)`, text: Buffer.from(`${USER}:${s}`).toString('base64') },
  ]),
];

function leaks(where: string, text: string): string[] {
  return NEEDLES.filter((n) => text.includes(n.text)).map((n) => `${n.what} found in ${where}`);
}

// Logs captured as the worker writes them: pino JSON lines, the Runtime's logger, Core's lines forwarded. Installed
// before the dev server starts, so that the test environment uses this Runtime too.
const logLines: string[] = [];
const logStream = new Writable({
  write(chunk: Buffer, _enc, done) {
    logLines.push(chunk.toString('utf8'));
    done();
  },
});
const log = createLogger({ level: 'trace', pretty: false, destination: logStream });
const metrics = new AutoscalerMetrics();
const sdkMetrics = new SdkMetricsBridge(metrics.registry);
Runtime.install({
  logger: new PinoTemporalLogger(log),
  telemetryOptions: {
    logging: { filter: { core: 'INFO', other: 'INFO' }, forward: {} },
    metrics: { buffer: sdkMetrics.buffer },
  },
  shutdownSignals: [],
});

const env = useTemporalServer();

/** Everything in a history (or any proto object) as text: payload bytes decoded as UTF-8. */
function asText(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => {
    if (v instanceof Uint8Array) return Buffer.from(v).toString('utf8');
    if (
      v &&
      typeof v === 'object' &&
      (v as { type?: string }).type === 'Buffer' &&
      Array.isArray((v as { data?: unknown }).data)
    )
      return Buffer.from((v as { data: number[] }).data).toString('utf8');
    if (typeof v === 'bigint') return v.toString();
    return v;
  });
}

/** Every run of a workflow, first to latest, following continue-as-new. */
async function allRuns(
  client: Client,
  workflowId: string,
  firstRunId: string,
): Promise<{ runId: string; text: string; startInput: unknown }[]> {
  const runs = [];
  let runId: string | undefined = firstRunId;
  while (runId) {
    const history: Awaited<ReturnType<WorkflowHandle['fetchHistory']>> = await client.workflow
      .getHandle(workflowId, runId)
      .fetchHistory();
    const events = history.events ?? [];
    const started = events[0]?.workflowExecutionStartedEventAttributes;
    const payload = started?.input?.payloads?.[0]?.data;
    runs.push({
      runId,
      text: asText(history),
      startInput: payload ? JSON.parse(Buffer.from(payload).toString('utf8')) : undefined,
    });
    runId =
      events.find((e) => e.workflowExecutionContinuedAsNewEventAttributes)
        ?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined;
  }
  return runs;
}

function run(cmd: string, args: string[], extraEnv: Record<string, string>): Promise<string> {
  return new Promise((resolve) => {
    execFile(
      cmd,
      args,
      { cwd: REPO, env: { ...process.env, ...extraEnv }, timeout: 90000, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) =>
        // Not err.message: it repeats the command line, which holds --api-key by design of this check.
        resolve(`${stdout}\n${stderr}\nexit ${err ? String((err as { code?: unknown }).code) : 0}`),
    );
  });
}

test('planted Impala passwords and a Temporal API key appear nowhere: history, search attributes, status, logs, metrics, CLI', async () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'secrets-'));
  const passwordFile = path.join(tmp, 'impala-password');
  fs.writeFileSync(passwordFile, `${FILE_PASSWORD}\n`, { mode: 0o600 });
  process.env[ENV_VAR] = ENV_PASSWORD;
  process.env[WRONG_VAR] = WRONG_PASSWORD;

  const groups = new InProcessExecutorGroups({ readyAfterMs: 0 });
  const base = testSpec({
    name: 'secret-file',
    pollIntervalSeconds: 1,
    autoSuspend: { enabled: false, timeoutSeconds: 300 },
  });
  let coordinator: CoordinatorServer | undefined;
  const proxies: AuthProxy[] = [];
  let worker: { shutdown(): void } | undefined;
  let running: Promise<void> | undefined;
  let nativeConnection: NativeConnection | undefined;
  let connection: Connection | undefined;
  let http: { url: string; close(): Promise<void> } | undefined;
  const handles: WorkflowHandle[] = [];
  try {
    coordinator = await startCoordinator({
      port: 0,
      membership: new InProcessMembership(groups, base),
      groupSet: base.groupSet,
      executorsPerGroup: base.executorsPerGroup,
    });
    const [fileProxy, envProxy, wrongProxy] = await Promise.all([
      startAuthProxy(coordinator.url, USER, FILE_PASSWORD),
      startAuthProxy(coordinator.url, USER, ENV_PASSWORD),
      startAuthProxy(coordinator.url, USER, RIGHT_PASSWORD),
    ]);
    proxies.push(fileProxy, envProxy, wrongProxy);
    const specs: WarehouseSpec[] = [
      { ...base, name: 'secret-file', coordinators: [{ url: fileProxy.url, user: USER, passwordFile }] },
      { ...base, name: 'secret-env', coordinators: [{ url: envProxy.url, user: USER, passwordEnv: ENV_VAR }] },
      { ...base, name: 'secret-wrong', coordinators: [{ url: wrongProxy.url, user: USER, passwordEnv: WRONG_VAR }] },
    ];
    for (const s of specs) groups.preexisting(s.name, [0]);

    // The worker's and the client's connections carry the API key (no TLS: the dev server has none).
    const address = env().address;
    nativeConnection = await NativeConnection.connect({ address, apiKey: API_KEY, tls: false });
    connection = await Connection.connect({ address, apiKey: API_KEY, tls: false });
    const client = new Client({ connection });
    const taskQueue = `secrets-${process.pid}`;
    const w = await createWarehouseWorker({
      connection: nativeConnection,
      taskQueue,
      workflowBundle: await workflowBundle(),
      deps: { loadReader: new ImpalaLoadReader({ timeoutMs: 3000 }), executorGroups: groups },
      sinks: metrics.sinks(),
    });
    worker = w;
    running = w.run();
    http = await startObservabilityServer({
      registry: metrics.registry,
      beforeScrape: () => sdkMetrics.drain(),
      ready: async () => ({ ok: true, detail: 'test' }),
      host: '127.0.0.1',
      port: 0,
    });

    for (const spec of specs) {
      handles.push(
        await client.workflow.start(warehouseWorkflow, {
          taskQueue,
          workflowId: workflowIdFor(spec.name),
          args: [{ spec, continueAsNewAfterTicks: 3 }],
        }),
      );
    }
    // Each warehouse has continued-as-new at least once (the spec travelled in a second run's input) and read its load.
    for (const h of handles) {
      await eventually(`${h.workflowId} on its third run`, async () => (await h.query(statusQuery)).run >= 3, 60000);
    }
    const [fileStatus, envStatus, wrongStatus] = await Promise.all(handles.map((h) => h.query(statusQuery)));
    expect(fileStatus.lastObservation?.kind).toBe('known');
    expect(envStatus.lastObservation?.kind).toBe('known');
    expect(wrongStatus.lastObservation?.kind).toBe('unknown');
    expect(JSON.stringify(wrongStatus.lastObservation)).toContain('HTTP 401');
    // The passwords were really used: the proxies let the right ones through and refused the wrong one.
    expect(fileProxy.authorized).toBeGreaterThan(0);
    expect(envProxy.authorized).toBeGreaterThan(0);
    expect(wrongProxy.refused).toBeGreaterThan(0);
    expect(wrongProxy.authorized).toBe(0);

    const found: string[] = [];
    const checked: Record<string, number> = {};
    const check = (where: string, text: string) => {
      checked[where] = text.length;
      found.push(...leaks(where, text));
    };

    for (const [i, h] of handles.entries()) {
      const first = (await h.describe()).raw.workflowExecutionInfo?.execution?.runId;
      const firstRunId = (h as { firstExecutionRunId?: string }).firstExecutionRunId ?? first!;
      const runs = await allRuns(client, h.workflowId, firstRunId);
      expect(runs.length).toBeGreaterThanOrEqual(3);
      runs.forEach((r, n) => check(`${h.workflowId} history, run ${n + 1}`, r.text));
      // The spec in every run's input names the password's file or variable, never a password.
      for (const r of runs) {
        const coordinators = (r.startInput as { spec: WarehouseSpec }).spec.coordinators;
        expect(coordinators).toEqual([
          {
            url: proxies[i].url,
            user: USER,
            ...(i === 0 ? { passwordFile } : { passwordEnv: i === 1 ? ENV_VAR : WRONG_VAR }),
          },
        ]);
      }
      const description = await h.describe();
      check(
        `${h.workflowId} description (search attributes, memo, summary, details)`,
        asText({ raw: description.raw, sa: description.searchAttributes, typed: description.typedSearchAttributes }),
      );
      check(`${h.workflowId} status query`, asText(await h.query(statusQuery)));
      // The `temporal` CLI's own rendering of the latest run.
      const shown = execFileSync(
        temporalCliPath(),
        ['workflow', 'show', '--workflow-id', h.workflowId, '--address', address, '--output', 'json'],
        { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
      );
      check(`${h.workflowId} temporal workflow show`, shown);
    }
    const sa = [];
    for await (const wf of client.workflow.list({ query: "WorkflowType = 'warehouseWorkflow'" }))
      sa.push(asText({ id: wf.workflowId, sa: wf.searchAttributes, memo: wf.memo }));
    check('workflow list (search attributes, memo)', sa.join('\n'));

    const scrape = await (await fetch(`${http.url}/metrics`)).text();
    expect(scrape).toContain('impala_autoscaler_executor_groups{warehouse="secret-env"}');
    check('metrics scrape', scrape);

    // The command line, given the API key in the environment (its reads and its errors).
    const cliEnv = { TEMPORAL_ADDRESS: address, TEMPORAL_API_KEY: API_KEY, TEMPORAL_TLS: 'false' };
    const bin = path.join(REPO, 'bin/impala-autoscaler.js');
    const outputs = await Promise.all([
      run(process.execPath, [bin, 'warehouse', 'status', 'secret-env', '--json'], cliEnv),
      run(process.execPath, [bin, 'warehouse', 'history', 'secret-wrong'], cliEnv),
      run(process.execPath, [bin, 'warehouse', 'list', '--api-key', API_KEY, '--address', 'localhost:1'], {}),
    ]);
    outputs.forEach((o, i) => check(`command line #${i + 1}`, o));
    console.log(
      `command line with the API key:\n${outputs.map((o) => `  ${o.trim().split('\n').slice(-3).join(' | ').slice(0, 300)}`).join('\n')}`,
    );

    await sleep(300); // Core forwards its log lines every 100 ms
    const logs = logLines.join('');
    expect(logs).toContain('secret-env');
    check('worker logs', logs);

    console.log(
      `secrets: checked ${Object.keys(checked).length} places, ${Object.values(checked).reduce((a, b) => a + b, 0)} characters, ${logLines.length} log lines; leaks: ${found.length}`,
    );
    expect(found).toEqual([]);
  } finally {
    for (const h of handles) await h.terminate('test over').catch(() => undefined);
    worker?.shutdown();
    await running?.catch(() => undefined);
    await http?.close();
    await nativeConnection?.close();
    await connection?.close();
    for (const p of proxies) await p.close();
    await coordinator?.close();
    fs.rmSync(tmp, { recursive: true, force: true });
    delete process.env[ENV_VAR];
    delete process.env[WRONG_VAR];
  }
}, 240000);
