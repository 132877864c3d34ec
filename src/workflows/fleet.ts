// One durable workflow per fleet (`fleet-<name>`): the single place where capacity is granted, so that the fleet's
// warehouses never run more executors together than its limit (src/policy/fleet.ts holds the rules). Its state is
// what the warehouses hold, as they last reported it plus what it granted since: kept in its history, it survives any
// worker's death, and a warehouse's report corrects it (a grant whose answer was lost, a group that failed or is gone).
// Handlers only change the state; the loop sends the answers. Deterministic: workflow time only.
import {
  allHandlersFinished,
  ApplicationFailure,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  log,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import {
  configureFleet,
  type FleetAnswer,
  type FleetSpec,
  type FleetState,
  fleetAsk,
  fleetReport,
  fleetUsed,
  heldBy,
  initialFleet,
} from '../policy/fleet';
import { workflowIdFor } from '../policy/names';
import {
  configureFleetUpdate,
  fleetAnswerSignal,
  fleetAskSignal,
  fleetReportSignal,
  type FleetStatus,
  fleetStatusQuery,
} from './fleet-messages';

export * from './fleet-messages';

export interface FleetWorkflowInput {
  spec: FleetSpec;
  /** Set by continue-as-new. */
  carried?: FleetState;
}

export async function fleetWorkflow(input: FleetWorkflowInput): Promise<never> {
  let state = input.carried ?? initialFleet(input.spec);
  const outbox: { warehouse: string; answer: FleetAnswer }[] = [];

  setHandler(
    configureFleetUpdate,
    (spec: FleetSpec) => {
      state = configureFleet(state, spec);
      log.info(
        `Fleet ${spec.name} configured: limit ${spec.maxExecutors} executors, priorities ${JSON.stringify(spec.priorities)}.`,
      );
      return statusOf(state);
    },
    { validator: checkSpec },
  );
  setHandler(fleetAskSignal, (req) => {
    const r = fleetAsk(state, req, Date.now());
    state = r.state;
    outbox.push({ warehouse: req.warehouse, answer: r.answer });
  });
  setHandler(fleetReportSignal, (report) => {
    state = fleetReport(state, report);
  });
  setHandler(fleetStatusQuery, () => statusOf(state));

  for (;;) {
    await condition(() => outbox.length > 0 || workflowInfo().continueAsNewSuggested);
    while (outbox.length > 0) {
      const { warehouse, answer } = outbox.shift()!;
      try {
        await getExternalWorkflowHandle(workflowIdFor(warehouse)).signal(fleetAnswerSignal, answer);
      } catch (err) {
        // A warehouse that stopped meanwhile: its next run reports what it holds before it asks.
        log.warn(`Fleet answer to warehouse ${warehouse} not delivered: ${(err as Error).message}`);
      }
    }
    if (workflowInfo().continueAsNewSuggested) {
      await condition(allHandlersFinished);
      return continueAsNew<typeof fleetWorkflow>({ spec: state.spec, carried: state });
    }
  }
}

function checkSpec(spec: FleetSpec): void {
  if (!Number.isInteger(spec.maxExecutors) || spec.maxExecutors < 1)
    throw ApplicationFailure.nonRetryable(
      `fleet.maxExecutors must be a whole number ≥ 1 (got ${JSON.stringify(spec.maxExecutors)})`,
      'InvalidFleet',
    );
}

function statusOf(state: FleetState): FleetStatus {
  return {
    spec: state.spec,
    used: fleetUsed(state),
    held: heldBy(state),
    groups: Object.fromEntries(Object.entries(state.held).map(([w, g]) => [w, Object.keys(g).map(Number)])),
    waiting: state.waiting,
  };
}
