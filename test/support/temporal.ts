// A real Temporal dev server for tests: the CLI built from its Go module (scripts/ensure-temporal.sh), started on a
// free loopback port by TestWorkflowEnvironment and stopped by the test file that started it.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { bundleWarehouseWorkflows } from '../../src/worker';
import { SA_FROZEN, SA_GROUPS, SA_STATE, SA_TARGET, SA_WAREHOUSE } from '../../src/workflows/messages';

export const REPO = path.resolve(__dirname, '../..');

export function temporalCliPath(): string {
  if (process.env.TEMPORAL_CLI_PATH) return process.env.TEMPORAL_CLI_PATH;
  const out = execFileSync('bash', [path.join(REPO, 'scripts/ensure-temporal.sh')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  process.env.TEMPORAL_CLI_PATH = out.trim().split('\n').pop()!;
  return process.env.TEMPORAL_CLI_PATH;
}

export async function startTemporal(): Promise<TestWorkflowEnvironment> {
  return TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: temporalCliPath() },
      ip: '127.0.0.1',
      searchAttributes: [SA_WAREHOUSE, SA_STATE, SA_GROUPS, SA_TARGET, SA_FROZEN],
    },
  });
}

let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;
/** One workflow bundle per test file: bundling takes seconds, workers start in milliseconds from it. */
export function workflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  bundle ??= bundleWarehouseWorkflows(quietLogger);
  return bundle;
}

const quietLogger = { trace() {}, debug() {}, info() {}, warn: console.warn, error: console.error, log() {} };

export { eventually } from './eventually';

/** One dev server for the calling test file: started before its tests, stopped after them (also when they fail). */
export function useTemporalServer(): () => TestWorkflowEnvironment {
  let env: TestWorkflowEnvironment | undefined;
  beforeAll(async () => {
    env = await startTemporal();
  }, 120000);
  afterAll(async () => {
    await env?.teardown();
  });
  return () => {
    if (!env) throw new Error('the Temporal dev server is not running (did beforeAll fail?)');
    return env;
  };
}

/**
 * Replays the workflow's own history on the current code (determinism on what just ran) and, with
 * RECORD_HISTORIES=1, saves it as a fixture for test/workflows/replay.test.ts, in the JSON that
 * `temporal workflow show --output json` gives operators.
 */
export async function replayAndRecord(
  env: TestWorkflowEnvironment,
  handle: { workflowId: string; fetchHistory(): Promise<unknown> },
  fixture: string,
): Promise<void> {
  await Worker.runReplayHistory(
    { workflowBundle: await workflowBundle() },
    await handle.fetchHistory(),
    handle.workflowId,
  );
  if (!process.env.RECORD_HISTORIES) return;
  const file = path.join(REPO, 'test/fixtures/histories', `${fixture}.json`);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(
    file,
    execFileSync(
      temporalCliPath(),
      ['workflow', 'show', '--address', env.address, '-w', handle.workflowId, '--output', 'json'],
      { maxBuffer: 64 << 20 },
    ),
  );
}
