// One durable workflow per warehouse: observe → decide → act → sleep, forever. Handlers only validate, record the
// operator's intent and wake the loop; only the loop calls activities, so no two changes to a warehouse's groups
// ever interleave. Deterministic: no clock but workflow time, no I/O, no randomness.
import {
  ApplicationFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  isCancellation,
  patched,
  proxyLocalActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { Resize } from '../config/warehouse-spec';
import { decide, initialState } from '../policy/decide';
import type { FleetAllowance } from '../policy/fleet';
import type { Decision, Observation, PolicyState, WarehouseSpec } from '../policy/types';
import { act } from './act';
import { fleetAnswerSignal } from './fleet-messages';
import { nothingDone, tickGroupSets } from './group-set-tick';
import {
  freezeScaleInSignal,
  freezeScaleOutSignal,
  pauseSignal,
  refreshTemplateUpdate,
  resizeSignal,
  resizeUpdate,
  resumeSignal,
  statusQuery,
  suspendSignal,
  unfreezeSignal,
  unpauseSignal,
} from './messages';
import { specRules } from './spec-rules';
import { type Carried, Warehouse } from './warehouse-entity';

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

/** Marks runs started on the fifth release, which also decide with the rules it added; as RELEASE_3_PATCH. */
export const RELEASE_5_PATCH = 'release-5';

export interface WarehouseWorkflowInput {
  spec: WarehouseSpec;
  /** Set by continue-as-new: everything the next run needs to carry on exactly where this one stopped. */
  carried?: Carried;
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

export async function warehouseWorkflow(input: WarehouseWorkflowInput): Promise<never> {
  const release2 = patched(RELEASE_2_PATCH);
  const release3 = patched(RELEASE_3_PATCH);
  const release4 = patched(RELEASE_4_PATCH);
  const release5 = patched(RELEASE_5_PATCH);
  // A carried spec was validated by the run that continued as new; a new run's is checked below, once the handlers
  // are registered (an update sent with the start must find its handler in the first activation).
  const checkInActivity = release2 && !input.carried;
  const rules = (state: PolicyState) => rulesOfThisRun(state, release2, release3, release4, release5);
  const w = new Warehouse(
    input.carried || checkInActivity ? input.spec : validatedHere(input.spec),
    rules(input.carried?.state ?? initialState()),
    input.carried,
    rules,
  );
  let ticksThisRun = 0;
  // When the timer of the last sleep was due: how late the tick it wakes starts is the worker's (and the server's)
  // backlog, published as impala_autoscaler_tick_lateness_seconds. Unknown after a message woke the loop early.
  let dueAtMs: number | undefined;

  setHandler(resizeUpdate, (resize: Resize) => w.resize(resize), {
    validator: (resize: Resize) => w.checkResize(resize),
  });
  setHandler(resizeSignal, (resize: Resize) => w.resizeOrRecordRejection(resize));
  setHandler(suspendSignal, () => w.suspend());
  setHandler(resumeSignal, () => w.resume());
  setHandler(pauseSignal, () => w.pause());
  setHandler(unpauseSignal, () => w.unpause());
  setHandler(freezeScaleInSignal, () => w.freeze('scale-in'));
  setHandler(freezeScaleOutSignal, () => w.freeze('scale-out'));
  setHandler(unfreezeSignal, () => w.unfreeze());
  setHandler(statusQuery, () => w.status());
  setHandler(refreshTemplateUpdate, () => w.refreshTemplate());
  setHandler(fleetAnswerSignal, (answer) => w.fleet?.answered(answer));

  if (checkInActivity) {
    const checked = await validatedInActivity(input.spec);
    // A resize accepted meanwhile has already checked the whole spec (applyResize parses it): keep it.
    if (w.spec === input.spec) w.spec = checked;
  }

  for (;;) {
    // Reset before the tick, not after: a message that arrives while the tick runs still wakes the next one at once.
    w.alarm.reset();
    const latenessMs = dueAtMs === undefined ? undefined : Math.max(0, Date.now() - dueAtMs);
    if (w.hasSets) await tickGroupSets(w, observeOrUnknown, release3, latenessMs);
    else {
      // The tick of a warehouse of one set, inline: the SDK captures a source-mapped stack for every promise workflow
      // code makes (each async call, each `await`, each `then`), and at thousands of cached warehouses those captures
      // were the largest share of an idle tick's workflow-thread time beyond the bare loop's (bench:scale --cpu-prof).
      // An idle tick awaits what the bare loop awaits: the read here and the sleep below.
      const templateLines = w.needsTemplate(release3) ? await w.captureForTick() : [];
      let observation: Observation;
      try {
        observation = await observe(w.spec);
      } catch (err) {
        observation = unknownLoad(err);
      }
      const acting = decideAndAct(w, observation, templateLines, release3, latenessMs);
      if (acting) await acting;
    }

    ticksThisRun += 1;
    const limit = input.continueAsNewAfterTicks;
    if ((limit !== undefined && ticksThisRun >= limit) || workflowInfo().continueAsNewSuggested) {
      await condition(allHandlersFinished);
      return continueAsNew<typeof warehouseWorkflow>({
        spec: w.spec,
        carried: w.carried(),
        continueAsNewAfterTicks: input.continueAsNewAfterTicks,
      });
    }
    const pollMs = w.spec.pollIntervalSeconds * 1000;
    const due = Date.now() + pollMs;
    try {
      dueAtMs = (await w.alarm.sleep(pollMs)) === false ? undefined : due;
    } catch (err) {
      // A ring cancelled the timer (src/workflows/alarm.ts); anything else fails the task as before.
      if (!isCancellation(err)) throw err;
      dueAtMs = undefined;
    }
  }
}

/**
 * The tick once its load is read: synchronous unless it has something to wait for (a fleet's grant, actions), so that
 * an idle tick makes no promise of its own.
 */
function decideAndAct(
  w: Warehouse,
  observation: Observation,
  templateLines: string[],
  release3: boolean,
  latenessMs: number | undefined,
): void | Promise<void> {
  w.observed(observation);
  // Workflow time (deterministic on replay): the policy's seasonal history is kept by the tick's time.
  const timed: Observation = observation.kind === 'known' ? { ...observation, atMs: Date.now() } : observation;
  const before = w.state;
  const decision = decide(w.spec, before, timed);
  if (w.fleet || decision.actions.length)
    return limitAndAct(w, observation, decision, templateLines, release3, latenessMs, (a) =>
      decide(w.spec, before, timed, a),
    );
  w.decided(decision);
  w.ticked(observation, decision, nothingDone(), templateLines, release3, latenessMs);
}

/** The rest of a tick that acts or asks its fleet: `decideAgain` re-decides with the capacity the fleet grants. */
async function limitAndAct(
  w: Warehouse,
  observation: Observation,
  decided: Decision,
  templateLines: string[],
  release3: boolean,
  latenessMs: number | undefined,
  decideAgain: (allowance: FleetAllowance) => Decision,
): Promise<void> {
  // A warehouse of a fleet adds only the groups its fleet grants; without a fleet, no command is added here.
  const decision = w.fleet ? await w.fleet.limit(w.spec, observation, decided, decideAgain) : decided;
  w.decided(decision);
  const outcome = decision.actions.length ? await act(w.spec, decision, w.executorTemplate, release3) : nothingDone();
  w.ticked(observation, decision, outcome, templateLines, release3, latenessMs);
  if (w.fleet) await w.fleet.afterTick(w.spec, observation, decision, outcome);
}

/** A failed read is unknown load for this tick; the next tick reads again. */
function observeOrUnknown(spec: WarehouseSpec): Promise<Observation> {
  return observe(spec).catch(unknownLoad);
}

function unknownLoad(err: unknown): Observation {
  return { kind: 'unknown', reason: `reading the load failed: ${(err as Error).message}` };
}

/** A run decides with the presets and rules of the release that started it (the patch markers in its history). */
function rulesOfThisRun(
  state: PolicyState,
  release2: boolean,
  release3: boolean,
  release4: boolean,
  release5: boolean,
): PolicyState {
  const { presets: _first, rules: _rules, ...current } = state;
  const rules = !release3
    ? ('release-2' as const)
    : !release4
      ? ('release-3' as const)
      : !release5
        ? ('release-4' as const)
        : undefined;
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
