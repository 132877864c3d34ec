// One durable workflow per warehouse: observe → decide → act → sleep, forever. Handlers only validate, record the
// operator's intent and wake the loop; only the loop calls activities, so no two changes to a warehouse's groups
// ever interleave. Deterministic: no clock but workflow time, no I/O, no randomness.
import {
  type ActivityOptions,
  ApplicationFailure,
  allHandlersFinished,
  CancellationScope,
  condition,
  continueAsNew,
  log,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setCurrentDetails,
  setHandler,
  sleep,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { CapturedTemplate } from '../activities/interfaces';
import type { Resize } from '../config/warehouse-spec';
import { afterActions } from '../policy/backoff';
import { decide, initialState } from '../policy/decide';
import type { Action, Observation, PolicyState, WarehouseSpec } from '../policy/types';
import { Alarm } from './alarm';
import { detailsTable } from './details';
import { reportTick } from './sinks';
import { specRules } from './spec-rules';
import {
  DECISIONS_KEPT,
  type DecisionRecord,
  pauseSignal,
  refreshTemplateUpdate,
  resizeSignal,
  resizeUpdate,
  resumeSignal,
  SA_GROUPS,
  SA_STATE,
  SA_TARGET,
  SA_WAREHOUSE,
  statusQuery,
  suspendSignal,
  type GroupChange,
  type TemplateRefresh,
  unpauseSignal,
} from './messages';

export * from './messages';

/**
 * Marks runs started on the second release: they validate their input in the validateSpec local activity (zod stays
 * out of the workflow, see spec-rules.ts) and decide with the current mode presets (pre-warming, the delays measured
 * by bench:policy). A run started on the first release replays without the marker: it validates in workflow code and
 * keeps the first presets until it continues as new. Remove the gate (deprecatePatch, then nothing) once no such run
 * is left.
 */
export const RELEASE_2_PATCH = 'release-2';

/**
 * Marks runs started on the third release, which decide with its rules (src/policy/rules.ts). A run started earlier
 * replays without the marker and keeps the second release's rules (`PolicyState.rules`) until it continues as new.
 */
export const RELEASE_3_PATCH = 'release-3';

/** Marks runs started on the fourth release, which also decide with the rules it added; as RELEASE_3_PATCH. */
export const RELEASE_4_PATCH = 'release-4';

export interface WarehouseWorkflowInput {
  spec: WarehouseSpec;
  /** Set by continue-as-new: everything the next run needs to carry on exactly where this one stopped. */
  carried?: {
    state: PolicyState;
    decisions: DecisionRecord[];
    lastObservation: Observation | null;
    run: number;
    template?: CapturedTemplate;
  };
  /** Test-only: continue-as-new after this many ticks instead of waiting for the server's suggestion. */
  continueAsNewAfterTicks?: number;
}

const { validateSpec } = proxyLocalActivities<Activities>({
  startToCloseTimeout: '10 seconds',
  // Pure: only an overloaded or restarting worker fails it, and that must not fail the warehouse.
  retry: { nonRetryableErrorTypes: ['InvalidSpec'] },
});

const { observe } = proxyLocalActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  // A failed read is unknown load for this tick; the next tick reads again.
  retry: { maximumAttempts: 1 },
});

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

const CAPTURE_OPTIONS: ActivityOptions = {
  startToCloseTimeout: '20 seconds',
  // One attempt: a failed capture is reported in the decision log, and the next tick (or refresh) tries again.
  retry: { maximumAttempts: 1 },
  summary: 'capture executor template',
};
const { captureTemplate } = proxyActivities<Activities>(CAPTURE_OPTIONS);

export async function warehouseWorkflow(input: WarehouseWorkflowInput): Promise<never> {
  const release2 = patched(RELEASE_2_PATCH);
  const release3 = patched(RELEASE_3_PATCH);
  const release4 = patched(RELEASE_4_PATCH);
  // A carried spec was validated by the run that continued as new; a new run's is checked below, once the handlers
  // are registered (an update sent with the start must find its handler in the first activation).
  const checkInActivity = release2 && !input.carried;
  let spec = input.carried || checkInActivity ? input.spec : validatedHere(input.spec);
  let state = rulesOfThisRun(input.carried?.state ?? initialState(), release2, release3, release4);
  let decisions = input.carried?.decisions ?? [];
  let lastObservation = input.carried?.lastObservation ?? null;
  const run = input.carried?.run ?? 1;
  // Captured at this warehouse's first tick and carried through continue-as-new: any worker creates groups from it,
  // also after a suspend deleted the StatefulSet it was read from. Runs started before release 3 capture it only
  // when refreshed (their histories have no capture), and until then each create reads the template itself.
  let template = input.carried?.template;
  const alarm = new Alarm();
  let ticksThisRun = 0;

  const record = (r: Omit<DecisionRecord, 'at' | 'tick' | 'current' | 'target' | 'state'>) => {
    decisions = [
      ...decisions,
      {
        tick: state.tick,
        at: new Date().toISOString(),
        current: state.current,
        target: state.target,
        state: state.state,
        ...r,
      },
    ].slice(-DECISIONS_KEPT);
  };
  const operatorNote = (line: string, action: string) => {
    log.info(line, { warehouse: spec.name, tick: state.tick });
    record({ queued: null, running: null, reasons: [line], actions: [action], rule: 'operator', why: line });
    alarm.ring();
  };

  setHandler(
    resizeUpdate,
    (resize: Resize) => {
      spec = specRules().applyResize(spec, resize);
      operatorNote(`Resize accepted: ${JSON.stringify(resize)}`, 'resize');
      return spec;
    },
    { validator: (resize: Resize) => void specRules().applyResize(spec, resize) },
  );
  setHandler(resizeSignal, (resize: Resize) => {
    try {
      spec = specRules().applyResize(spec, resize);
      operatorNote(`Resize accepted: ${JSON.stringify(resize)}`, 'resize');
    } catch (err) {
      operatorNote(`Resize rejected: ${(err as Error).message}; nothing changed.`, 'resize rejected');
    }
  });
  setHandler(suspendSignal, () => {
    state = { ...state, intent: 'suspend' };
    operatorNote('Suspend requested by the operator.', 'suspend');
  });
  setHandler(resumeSignal, () => {
    state = { ...state, intent: 'resume' };
    operatorNote('Resume requested by the operator.', 'resume');
  });
  setHandler(pauseSignal, () => {
    state = { ...state, paused: true };
    operatorNote('Pause requested by the operator: holding the current size.', 'pause');
  });
  setHandler(unpauseSignal, () => {
    state = { ...state, paused: false };
    operatorNote('Unpause requested by the operator: scaling resumes.', 'unpause');
  });
  setHandler(statusQuery, () => ({
    spec,
    state,
    lastObservation,
    decisions,
    run,
    ...(template ? { template: templateSummary(template) } : {}),
  }));

  const recapture = async (): Promise<TemplateRefresh> => {
    const before = template;
    try {
      template = await captureTemplate(spec, { copyGroup: !before });
    } catch (err) {
      const error = ((err as { cause?: Error }).cause ?? (err as Error)).message;
      const line = before
        ? `Executor template not re-captured: ${error}; new groups still use revision ${before.revision} (source ${before.source}).`
        : `Executor template not captured: ${error}; no executor group can be added until it is, trying again next tick.`;
      log.warn(line, { warehouse: spec.name, tick: state.tick });
      return { ...(before ? { template: templateSummary(before) } : {}), changed: false, error, line };
    }
    const changed = before?.revision !== template.revision;
    const line = !before
      ? `Executor template captured: revision ${template.revision} (source ${template.source}).`
      : changed
        ? `Executor template changed: revision ${before.revision} → ${template.revision} (source ${template.source}); new groups use it.`
        : `Executor template unchanged: revision ${template.revision} (source ${template.source}).`;
    log.info(line, { warehouse: spec.name, tick: state.tick });
    return {
      template: templateSummary(template),
      ...(before ? { previousRevision: before.revision } : {}),
      changed,
      line,
    };
  };
  // Reads only (the template), so it may run while the loop acts on groups. An unchanged template is not recorded:
  // `warehouse apply` asks on every run, and applying twice must not add to the decision log.
  setHandler(refreshTemplateUpdate, async () => {
    const refresh = await recapture();
    if (refresh.changed || refresh.error)
      record({
        queued: null,
        running: null,
        reasons: [refresh.line],
        actions: ['refresh template'],
        rule: 'operator',
        why: refresh.line,
      });
    return refresh;
  });

  if (checkInActivity) {
    const checked = await validatedInActivity(input.spec);
    // A resize accepted meanwhile has already checked the whole spec (applyResize parses it): keep it.
    if (spec === input.spec) spec = checked;
  }

  // A steady tick (it says exactly what the previous tick said: an idle warehouse) is logged as one line, not the
  // whole decision again: the logs still show every tick, at a sixth of the lines for an idle fleet (and of the
  // worker's logging CPU); the decision log (status, history) keeps every line of every tick.
  let said = { text: '', since: 0 };
  const logDecision = (reasons: string[]) => {
    const text = reasons.join('\n');
    if (text === said.text) {
      log.info(`Same decision as tick ${said.since} (${reasons[0]}).`, { warehouse: spec.name, tick: state.tick });
      return;
    }
    said = { text, since: state.tick };
    for (const line of reasons) log.info(line, { warehouse: spec.name, tick: state.tick });
  };

  let published = '';
  const publish = () => {
    const attrs = { state: state.state, current: state.current, target: state.target };
    const key = JSON.stringify(attrs);
    if (key !== published) {
      // Upserts cost a history event each: only when something the Web UI lists has changed.
      upsertSearchAttributes([
        { key: SA_WAREHOUSE, value: spec.name },
        { key: SA_STATE, value: state.state },
        { key: SA_GROUPS, value: state.current },
        { key: SA_TARGET, value: state.target },
      ]);
      published = key;
    }
    setCurrentDetails(detailsTable(spec, state, lastObservation, decisions));
  };

  for (;;) {
    // Reset before the tick, not after: a message that arrives while the tick runs still wakes the next one at once.
    alarm.reset();
    const templateLines = release3 && !template ? [(await recapture()).line] : [];
    let observation: Observation;
    try {
      observation = await observe(spec);
    } catch (err) {
      observation = { kind: 'unknown', reason: `reading the load failed: ${(err as Error).message}` };
    }
    lastObservation = observation;
    // Workflow time (deterministic on replay): the policy's seasonal history is kept by the tick's time.
    const decision = decide(
      spec,
      state,
      observation.kind === 'known' ? { ...observation, atMs: Date.now() } : observation,
    );
    // Assigned before any await: a handler that runs while the actions are carried out updates the new state.
    state = decision.state;
    logDecision(decision.reasons);
    const outcome = decision.actions.length
      ? await act(spec, decision.actions, template, release3)
      : { done: [], changes: [], failed: [], lines: [] };
    // The policy learns which actions failed (a refused create backs the scale-up off); pure, so replay-safe.
    if (release3 && outcome.failed.length) state = afterActions(spec, state, outcome.failed);
    record({
      queued: observation.kind === 'known' ? observation.load.queued : null,
      running: observation.kind === 'known' ? observation.load.running : null,
      reasons: [...templateLines, ...decision.reasons, ...outcome.lines],
      actions: outcome.done,
      rule: decision.rule,
      ...(decision.why ? { why: decision.why } : {}),
      changes: outcome.changes,
    });
    reportTick(spec, state, observation, decision);
    publish();

    ticksThisRun += 1;
    const limit = input.continueAsNewAfterTicks;
    if ((limit !== undefined && ticksThisRun >= limit) || workflowInfo().continueAsNewSuggested) {
      await condition(allHandlersFinished);
      return continueAsNew<typeof warehouseWorkflow>({
        spec,
        carried: { state, decisions, lastObservation, run: run + 1, ...(template ? { template } : {}) },
        continueAsNewAfterTicks: input.continueAsNewAfterTicks,
      });
    }
    await alarm.sleep(spec.pollIntervalSeconds * 1000);
  }
}

/** A run decides with the presets and rules of the release that started it (the patch markers in its history). */
function rulesOfThisRun(state: PolicyState, release2: boolean, release3: boolean, release4: boolean): PolicyState {
  const { presets: _first, rules: _rules, ...current } = state;
  const rules = !release3 ? ('release-2' as const) : !release4 ? ('release-3' as const) : undefined;
  return { ...current, ...(release2 ? {} : { presets: 'first' as const }), ...(rules ? { rules } : {}) };
}

async function validatedInActivity(spec: WarehouseSpec): Promise<WarehouseSpec> {
  try {
    return await validateSpec(spec);
  } catch (err) {
    const cause = (err as { cause?: Error }).cause;
    throw cause instanceof ApplicationFailure
      ? ApplicationFailure.nonRetryable(cause.message, cause.type ?? 'InvalidSpec')
      : err;
  }
}

/** How first-release runs validated (and still do when they replay): the same rules, in workflow code. */
function validatedHere(spec: WarehouseSpec): WarehouseSpec {
  try {
    return specRules().parseWarehouseSpec(spec, 'warehouse workflow input');
  } catch (err) {
    throw ApplicationFailure.nonRetryable((err as Error).message, 'InvalidSpec');
  }
}

/** The status query's view of the template: everything but the manifest. */
function templateSummary({ manifest: _manifest, ...summary }: CapturedTemplate) {
  return summary;
}

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

async function act(
  spec: WarehouseSpec,
  actions: Action[],
  template: CapturedTemplate | undefined,
  release3: boolean,
): Promise<ActOutcome> {
  // Runs started before the third release carried their actions out one after another, unbounded: on replay they
  // must issue exactly the commands they issued.
  const results = release3
    ? await actConcurrently(spec, actions, template, actBoundMs(spec))
    : await actOneByOne(spec, actions, template);
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

/** One action as one activity (with its own retries); a failure is returned, not thrown. */
async function carryOut(spec: WarehouseSpec, a: Action, template: CapturedTemplate | undefined): Promise<ActionResult> {
  const summary = summaryOf(a);
  try {
    if (a.type === 'add')
      await groups.addExecutorGroup.executeWithOptions({ ...ACTIVITY_OPTIONS, summary }, [spec, a.index, template]);
    else await groups.removeExecutorGroup.executeWithOptions({ ...ACTIVITY_OPTIONS, summary }, [spec, a.index]);
    return { ok: true };
  } catch (err) {
    // The next tick observes what really exists and decides again; the failure stays visible in the log.
    const cause = (err as { cause?: Error }).cause ?? (err as Error);
    return { ok: false, unfinished: false, error: cause.message, line: `Failed to ${summary}: ${cause.message}` };
  }
}

async function actOneByOne(
  spec: WarehouseSpec,
  actions: Action[],
  template: CapturedTemplate | undefined,
): Promise<ActionResult[]> {
  const results: ActionResult[] = [];
  for (const a of actions) {
    const r = await carryOut(spec, a, template);
    if (!r.ok) log.error(r.line, { warehouse: spec.name, group: a.group });
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
  actions: Action[],
  template: CapturedTemplate | undefined,
  boundMs: number,
): Promise<ActionResult[]> {
  const results: (ActionResult | undefined)[] = actions.map(() => undefined);
  let started = 0;
  let overdue = false;
  const work = new CancellationScope();
  const lanes = work.run(() =>
    Promise.all(
      Array.from({ length: Math.min(ACT_CONCURRENCY, actions.length) }, async () => {
        while (started < actions.length && !overdue) {
          const i = started++;
          const r = await carryOut(spec, actions[i], template);
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
