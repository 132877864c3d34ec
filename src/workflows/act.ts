// Carrying out a tick's actions: each add or remove is one activity (with its own bounded retries), a few at a time,
// within a bound, so a stalled API costs the loop at most two ticks. A failure is reported, never thrown: the next
// tick observes what really exists and decides again.
import { type ActivityOptions, CancellationScope, log, proxyActivities, sleep } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { CapturedTemplate, ScaleEvent } from '../activities/interfaces';
import type { Action, Decision, WarehouseSpec } from '../policy/types';
import type { GroupChange } from './messages';
import { scaleEventOf } from './scale-events';

const ACTIVITY_OPTIONS: ActivityOptions = {
  // One create or delete is a single API call: a worker killed mid-call, or an API server that stalls, costs at most
  // this before the next attempt, instead of freezing the warehouse's loop for a minute.
  startToCloseTimeout: '20 seconds',
  // Bounded: after this the loop records the failure and decides again from what it observes next tick.
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '30 seconds',
    maximumAttempts: 6,
    nonRetryableErrorTypes: ['KubernetesError'],
  },
};

const groups = proxyActivities<Activities>(ACTIVITY_OPTIONS);

/** What carrying out a tick's actions came to. */
export interface ActOutcome {
  /** Per action, in the decision's order: `add impala-executor-001`, or with ` failed` / ` unfinished` after it. */
  done: string[];
  /** The same, as data. */
  changes: GroupChange[];
  /** The actions that failed or did not finish within the tick's bound, with why (for the policy's afterActions). */
  failed: { action: Action; error: string }[];
  /** A decision-log line for each of them. */
  lines: string[];
}

/**
 * At most this many of a tick's actions at once. A healthy API server answers each create or delete in well under
 * a second, so four lanes carry out even the largest step (an aggressive scale-up or a suspend of a dozen groups) in
 * a few round trips; while the API stalls, a warehouse holds at most four of the worker's activity slots, which
 * hundreds of warehouses share, and puts at most four requests at once on an API server that is already struggling.
 */
export const ACT_CONCURRENCY = 4;

/**
 * How long a tick waits for its actions: two poll intervals, and at least 30 s — room for an attempt that hits a
 * transient fault (500, 429, a reset) and its retries with backoff (1 + 2 + 4 + 8 s), while a stalled API costs the
 * loop at most two ticks before it observes again. Past it the remaining activities are cancelled and the tick goes
 * on: create and delete are idempotent and the loop is level-triggered, so the next tick observes what really exists.
 */
export function actBoundMs(spec: WarehouseSpec): number {
  return Math.max(30_000, 2 * spec.pollIntervalSeconds * 1000);
}

export async function act(
  spec: WarehouseSpec,
  decision: Decision,
  template: CapturedTemplate | undefined,
  release3: boolean,
): Promise<ActOutcome> {
  const { actions } = decision;
  const steps = actions.map((action) => ({ action, event: scaleEventOf(action, decision) }));
  // Runs started before the third release carried their actions out one after another, unbounded: on replay they
  // must issue exactly the commands they issued.
  const results = release3
    ? await actConcurrently(spec, steps, template, actBoundMs(spec))
    : await actOneByOne(spec, steps, template);
  const outcome: ActOutcome = { done: [], changes: [], failed: [], lines: [] };
  actions.forEach((a, i) => {
    const r = results[i];
    const op = a.type === 'add' ? 'add' : 'remove';
    const how = r.ok ? 'done' : r.unfinished ? 'unfinished' : 'failed';
    outcome.changes.push({ op, group: a.group, outcome: how });
    if (r.ok) {
      outcome.done.push(`${op} ${a.group}`);
      return;
    }
    outcome.done.push(`${op} ${a.group} ${how}`);
    outcome.failed.push({ action: a, error: r.error });
    outcome.lines.push(r.line);
  });
  return outcome;
}

type ActionResult = { ok: true } | { ok: false; unfinished: boolean; error: string; line: string };

function summaryOf(a: Action): string {
  return `${a.why === 'prewarm' ? 'pre-warm: ' : ''}${a.type === 'add' ? 'add' : 'remove'} executor group ${a.group}`;
}

/** An action and the Kubernetes Event it records (src/workflows/scale-events.ts). */
interface Step {
  action: Action;
  event: ScaleEvent;
}

/** One action as one activity (with its own retries); a failure is returned, not thrown. */
async function carryOut(
  spec: WarehouseSpec,
  { action: a, event }: Step,
  template: CapturedTemplate | undefined,
): Promise<ActionResult> {
  const summary = summaryOf(a);
  try {
    if (a.type === 'add')
      await groups.addExecutorGroup.executeWithOptions({ ...ACTIVITY_OPTIONS, summary }, [
        spec,
        a.index,
        template,
        event,
      ]);
    else await groups.removeExecutorGroup.executeWithOptions({ ...ACTIVITY_OPTIONS, summary }, [spec, a.index, event]);
    return { ok: true };
  } catch (err) {
    // The next tick observes what really exists and decides again; the failure stays visible in the log.
    const cause = (err as { cause?: Error }).cause ?? (err as Error);
    return { ok: false, unfinished: false, error: cause.message, line: `Failed to ${summary}: ${cause.message}` };
  }
}

async function actOneByOne(
  spec: WarehouseSpec,
  steps: Step[],
  template: CapturedTemplate | undefined,
): Promise<ActionResult[]> {
  const results: ActionResult[] = [];
  for (const step of steps) {
    const r = await carryOut(spec, step, template);
    if (!r.ok) log.error(r.line, { warehouse: spec.name, group: step.action.group });
    results.push(r);
  }
  return results;
}

/**
 * The actions in up to ACT_CONCURRENCY lanes, each taking the next action in the decision's order, for at most
 * boundMs: then the actions still running are cancelled and those not started are not started.
 */
async function actConcurrently(
  spec: WarehouseSpec,
  steps: Step[],
  template: CapturedTemplate | undefined,
  boundMs: number,
): Promise<ActionResult[]> {
  const actions = steps.map((s) => s.action);
  const results: (ActionResult | undefined)[] = actions.map(() => undefined);
  let started = 0;
  let overdue = false;
  const work = new CancellationScope();
  const lanes = work.run(() =>
    Promise.all(
      Array.from({ length: Math.min(ACT_CONCURRENCY, actions.length) }, async () => {
        while (started < actions.length && !overdue) {
          const i = started++;
          const r = await carryOut(spec, steps[i], template);
          // A cancelled activity rejects too: past the bound it is reported as unfinished, below, not as failed.
          if (overdue) return;
          if (!r.ok) log.error(r.line, { warehouse: spec.name, group: actions[i].group });
          results[i] = r;
        }
      }),
    ),
  );
  const deadline = new CancellationScope();
  const timedOut = deadline
    .run(() => sleep(boundMs))
    .then(
      () => true,
      // Cancelled below, once every action has finished in time.
      () => false,
    );
  if (await Promise.race([lanes.then(() => false), timedOut])) {
    overdue = true;
    work.cancel();
    // Cancellation is reported back at once (the default TRY_CANCEL): this returns within the same tick.
    await lanes;
  } else {
    deadline.cancel();
  }
  const seconds = Math.round(boundMs / 1000);
  const next = 'the next tick observes what exists and decides again.';
  return actions.map((a, i) => {
    const r = results[i];
    if (r) return r;
    const line =
      i < started
        ? `Gave up waiting for ${summaryOf(a)} after ${seconds}s; ${next}`
        : `Did not start ${summaryOf(a)} within ${seconds}s (${ACT_CONCURRENCY} actions at a time); ${next}`;
    log.warn(line, { warehouse: spec.name, group: a.group });
    return {
      ok: false,
      unfinished: true,
      error: i < started ? `did not finish within ${seconds}s` : `not started within ${seconds}s`,
      line,
    };
  });
}
