// The warehouse as its workflow keeps it — the entity of Temporal's entity-workflow pattern: the spec, the policy's
// state, the decision records, the last observation and the executor template; what each operator message does to
// them; what a tick records, logs and publishes; and what continue-as-new carries. warehouse.ts registers the
// handlers and runs the loop over it. Workflow code: deterministic, no I/O but the template's capture activity.
import {
  type ActivityOptions,
  log,
  proxyActivities,
  setCurrentDetails,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { CapturedTemplate } from '../activities/interfaces';
import type { Resize } from '../config/warehouse-spec';
import { afterActions } from '../policy/backoff';
import { type FreezeDirection, frozenDirections } from '../policy/freeze';
import { rulesFrom } from '../policy/rules';
import type { Decision, Observation, PolicyState, WarehouseSpec } from '../policy/types';
import type { ActOutcome } from './act';
import { Alarm } from './alarm';
import { detailsTable } from './details';
import { FleetLink, type FleetLinkState } from './fleet-link';
import {
  DECISIONS_KEPT,
  type DecisionRecord,
  SA_FROZEN,
  SA_GROUPS,
  SA_STATE,
  SA_TARGET,
  SA_WAREHOUSE,
  type TemplateRefresh,
  type WarehouseStatus,
} from './messages';
import { reportTick } from './sinks';
import { specRules } from './spec-rules';

const CAPTURE_OPTIONS: ActivityOptions = {
  startToCloseTimeout: '20 seconds',
  // One attempt: a failed capture is reported in the decision log, and the next tick (or refresh) tries again.
  retry: { maximumAttempts: 1 },
  summary: 'capture executor template',
};
const { captureTemplate } = proxyActivities<Activities>(CAPTURE_OPTIONS);

/** Everything the next run needs to carry on exactly where this one stopped (continue-as-new's input). */
export interface Carried {
  state: PolicyState;
  decisions: DecisionRecord[];
  lastObservation: Observation | null;
  run: number;
  template?: CapturedTemplate;
  /** Only for a warehouse of a fleet (src/workflows/fleet-link.ts). */
  fleet?: FleetLinkState;
}

export class Warehouse {
  /** Wakes the loop when an operator's message arrives. */
  readonly alarm = new Alarm();
  private decisions: DecisionRecord[];
  private lastObservation: Observation | null;
  private readonly run: number;
  // Captured at this warehouse's first tick and carried through continue-as-new: any worker creates groups from it,
  // also after a suspend deleted the StatefulSet it was read from. Runs started before release 3 capture it only
  // when refreshed (their histories have no capture), and until then each create reads the template itself.
  private template?: CapturedTemplate;
  /** What the last logged tick said, and since when (see logDecision). */
  private said = { text: '', since: 0 };
  /** The search attributes last upserted. */
  private published = '';
  /** Its fleet's capacity, for a warehouse of a fleet on release-5 rules; absent, no fleet command is ever issued. */
  readonly fleet?: FleetLink;

  constructor(
    public spec: WarehouseSpec,
    public state: PolicyState,
    carried: Carried | undefined,
  ) {
    this.decisions = carried?.decisions ?? [];
    this.lastObservation = carried?.lastObservation ?? null;
    this.run = carried?.run ?? 1;
    this.template = carried?.template;
    if (spec.fleet && rulesFrom(state, 'release-5')) this.fleet = new FleetLink(spec.fleet, carried?.fleet);
  }

  // --- operator messages: each records what it did and wakes the loop; the loop acts on the next tick ---

  /** The resize update's validator: throws, naming the field, on a resize that would not apply. */
  checkResize(resize: Resize): void {
    specRules().applyResize(this.spec, resize);
  }

  resize(resize: Resize): WarehouseSpec {
    this.spec = specRules().applyResize(this.spec, resize);
    this.operatorNote(`Resize accepted: ${JSON.stringify(resize)}`, 'resize');
    return this.spec;
  }

  /** A signal cannot answer: an invalid resize is recorded as rejected, and nothing changes. */
  resizeOrRecordRejection(resize: Resize): void {
    try {
      this.resize(resize);
    } catch (err) {
      this.operatorNote(`Resize rejected: ${(err as Error).message}; nothing changed.`, 'resize rejected');
    }
  }

  suspend(): void {
    this.state = { ...this.state, intent: 'suspend' };
    this.operatorNote('Suspend requested by the operator.', 'suspend');
  }

  resume(): void {
    this.state = { ...this.state, intent: 'resume' };
    this.operatorNote('Resume requested by the operator.', 'resume');
  }

  pause(): void {
    this.state = { ...this.state, paused: true };
    this.operatorNote('Pause requested by the operator: holding the current size.', 'pause');
  }

  unpause(): void {
    this.state = { ...this.state, paused: false };
    this.operatorNote('Unpause requested by the operator: scaling resumes.', 'unpause');
  }

  freeze(direction: FreezeDirection): void {
    const was = this.state.frozen ?? { scaleIn: false, scaleOut: false };
    const frozen = direction === 'scale-in' ? { ...was, scaleIn: true } : { ...was, scaleOut: true };
    this.state = { ...this.state, frozen };
    this.operatorNote(
      direction === 'scale-in'
        ? 'Freeze requested by the operator: no executor group is removed by scale-down or auto-suspend until unfreeze.'
        : 'Freeze requested by the operator: no executor group is added by scale-up, resume or pre-warming until unfreeze.',
      `freeze ${direction}`,
    );
  }

  unfreeze(): void {
    this.state = { ...this.state, frozen: { scaleIn: false, scaleOut: false } };
    this.operatorNote('Unfreeze requested by the operator: scaling in both directions resumes.', 'unfreeze');
  }

  status(): WarehouseStatus {
    const { spec, state, lastObservation, decisions, run, template } = this;
    return {
      spec,
      state,
      lastObservation,
      decisions,
      run,
      ...(template ? { template: templateSummary(template) } : {}),
      ...(this.fleet ? { fleet: this.fleet.status() } : {}),
    };
  }

  /**
   * The refreshTemplate update: reads only (the template), so it may run while the loop acts on groups. An unchanged
   * template is not recorded: `warehouse apply` asks on every run, and applying twice must not add to the decision log.
   */
  async refreshTemplate(): Promise<TemplateRefresh> {
    const refresh = await this.recapture();
    if (refresh.changed || refresh.error)
      this.record({
        queued: null,
        running: null,
        reasons: [refresh.line],
        actions: ['refresh template'],
        rule: 'operator',
        why: refresh.line,
      });
    return refresh;
  }

  // --- the tick ---

  /**
   * Whether the tick must capture the template first (release 3 on, none captured yet); `captureForTick` does it.
   * Asked synchronously: an async call on every tick costs promises, and each promise a stack capture in the SDK.
   */
  needsTemplate(release3: boolean): boolean {
    return release3 && !this.template;
  }

  /** Captures the template for this tick: the line to log with the tick. */
  async captureForTick(): Promise<string[]> {
    return [(await this.recapture()).line];
  }

  get executorTemplate(): CapturedTemplate | undefined {
    return this.template;
  }

  observed(observation: Observation): void {
    this.lastObservation = observation;
  }

  /** Takes the decision's state before any await: a handler that runs while the actions go on updates the new one. */
  decided(decision: Decision): void {
    this.state = decision.state;
    this.logDecision(decision.reasons);
  }

  /** After the actions: the policy learns which failed (pure), then the tick is recorded, reported and published. */
  ticked(
    observation: Observation,
    decision: Decision,
    outcome: ActOutcome,
    templateLines: string[],
    release3: boolean,
    latenessMs: number | undefined,
  ): void {
    // A refused create backs the scale-up off.
    if (release3 && outcome.failed.length) this.state = afterActions(this.spec, this.state, outcome.failed);
    this.record({
      queued: observation.kind === 'known' ? observation.load.queued : null,
      running: observation.kind === 'known' ? observation.load.running : null,
      reasons: [...templateLines, ...decision.reasons, ...outcome.lines],
      actions: outcome.done,
      rule: decision.rule,
      ...(decision.why ? { why: decision.why } : {}),
      changes: outcome.changes,
    });
    reportTick(this.spec, this.state, observation, decision, latenessMs, this.fleet?.waiting);
    this.publish();
  }

  /** What continue-as-new carries into the next run. */
  carried(): Carried {
    const { state, decisions, lastObservation, run, template } = this;
    return {
      state,
      decisions,
      lastObservation,
      run: run + 1,
      ...(template ? { template } : {}),
      ...(this.fleet ? { fleet: this.fleet.carried() } : {}),
    };
  }

  // --- records, logs, search attributes and details ---

  private record(r: Omit<DecisionRecord, 'at' | 'tick' | 'current' | 'target' | 'state'>): void {
    const { tick, current, target, state } = this.state;
    const at = new Date().toISOString();
    this.decisions = [...this.decisions, { tick, at, current, target, state, ...r }].slice(-DECISIONS_KEPT);
  }

  private operatorNote(line: string, action: string): void {
    log.info(line, { warehouse: this.spec.name, tick: this.state.tick });
    this.record({ queued: null, running: null, reasons: [line], actions: [action], rule: 'operator', why: line });
    this.alarm.ring();
  }

  /**
   * A steady tick (it says exactly what the previous tick said: an idle warehouse) is logged as one line, not the
   * whole decision again: the logs still show every tick, at a sixth of the lines for an idle fleet (and of the
   * worker's logging CPU); the decision log (status, history) keeps every line of every tick.
   */
  private logDecision(reasons: string[]): void {
    const meta = { warehouse: this.spec.name, tick: this.state.tick };
    const text = reasons.join('\n');
    if (text === this.said.text) {
      log.info(`Same decision as tick ${this.said.since} (${reasons[0]}).`, meta);
      return;
    }
    this.said = { text, since: this.state.tick };
    for (const line of reasons) log.info(line, meta);
  }

  private publish(): void {
    const { state, current, target } = this.state;
    // The freeze attribute only once a freeze was ever sent: upserts of runs that never had one stay as they were.
    const frozen =
      this.state.frozen && frozenDirections(this.state).map((d) => (d === 'scale-in' ? 'ScaleIn' : 'ScaleOut'));
    const key = JSON.stringify({ state, current, target, ...(frozen ? { frozen } : {}) });
    if (key !== this.published) {
      // Upserts cost a history event each: only when something the Web UI lists has changed.
      upsertSearchAttributes([
        { key: SA_WAREHOUSE, value: this.spec.name },
        { key: SA_STATE, value: state },
        { key: SA_GROUPS, value: current },
        { key: SA_TARGET, value: target },
        ...(frozen ? [{ key: SA_FROZEN, value: frozen.length ? frozen : null }] : []),
      ]);
      this.published = key;
    }
    setCurrentDetails(detailsTable(this.spec, this.state, this.lastObservation, this.decisions));
  }

  private async recapture(): Promise<TemplateRefresh> {
    const before = this.template;
    const meta = () => ({ warehouse: this.spec.name, tick: this.state.tick });
    let template: CapturedTemplate;
    try {
      template = await captureTemplate(this.spec, { copyGroup: !before });
    } catch (err) {
      const error = ((err as { cause?: Error }).cause ?? (err as Error)).message;
      const line = before
        ? `Executor template not re-captured: ${error}; new groups still use revision ${before.revision} (source ${before.source}).`
        : `Executor template not captured: ${error}; no executor group can be added until it is, trying again next tick.`;
      log.warn(line, meta());
      return { ...(before ? { template: templateSummary(before) } : {}), changed: false, error, line };
    }
    this.template = template;
    const changed = before?.revision !== template.revision;
    const line = !before
      ? `Executor template captured: revision ${template.revision} (source ${template.source}).`
      : changed
        ? `Executor template changed: revision ${before.revision} → ${template.revision} (source ${template.source}); new groups use it.`
        : `Executor template unchanged: revision ${template.revision} (source ${template.source}).`;
    log.info(line, meta());
    return {
      template: templateSummary(template),
      ...(before ? { previousRevision: before.revision } : {}),
      changed,
      line,
    };
  }
}

/** The status query's view of the template: everything but the manifest. */
function templateSummary({ manifest: _manifest, ...summary }: CapturedTemplate) {
  return summary;
}
