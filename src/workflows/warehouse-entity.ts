// The warehouse as its workflow keeps it — the entity of Temporal's entity-workflow pattern: the spec, the policy's
// state, the decision records, the last observation and the executor template; what each operator message does to
// them; what a tick records, logs and publishes; and what continue-as-new carries. warehouse.ts registers the
// handlers and runs the loop over it. Workflow code: deterministic, no I/O but the template's capture activity.
import { type ActivityOptions, log, proxyActivities, upsertMemo, upsertSearchAttributes } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { CapturedTemplate } from '../activities/interfaces';
import type { Resize } from '../config/warehouse-spec';
import { afterActions } from '../policy/backoff';
import { type FreezeDirection, frozenDirections } from '../policy/freeze';
import { initialState } from '../policy/decide';
import { setSpecs, summaryState } from '../policy/group-sets';
import { rulesFrom } from '../policy/rules';
import type { Decision, Observation, PolicyState, WarehouseSpec } from '../policy/types';
import type { ActOutcome } from './act';
import { Alarm, type LoopAlarm } from './alarm';
import { RaceAlarm } from './race-alarm';
import { detailsTable } from './details';
import { detailsWhenRead } from './details-query';
import { FleetLink, type FleetLinkState } from './fleet-link';
import {
  DECISIONS_KEPT,
  type DecisionRecord,
  type GroupSetStatus,
  type GroupSetsMemo,
  MEMO_GROUP_SETS,
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
  /** A warehouse with groupSets: the sets summed up (src/policy/group-sets.ts summaryState); each set's is in `sets`. */
  state: PolicyState;
  decisions: DecisionRecord[];
  lastObservation: Observation | null;
  run: number;
  template?: CapturedTemplate;
  /** Only for a warehouse of a fleet (src/workflows/fleet-link.ts). */
  fleet?: FleetLinkState;
  /** A warehouse with groupSets: each set's own state, last observation and template, by groupSet. */
  sets?: Record<string, GroupSetRun>;
}

/** What a warehouse with groupSets keeps for each set: what a one-set warehouse keeps in the entity itself. */
export interface GroupSetRun {
  state: PolicyState;
  lastObservation: Observation | null;
  template?: CapturedTemplate;
}

export class Warehouse {
  /** Wakes the loop when an operator's message arrives. */
  readonly alarm: LoopAlarm;
  private decisions: DecisionRecord[];
  private lastObservation: Observation | null;
  private readonly run: number;
  // Captured at this warehouse's first tick and carried through continue-as-new: any worker creates groups from it,
  // also after a suspend deleted the StatefulSet it was read from. Runs started before release 3 capture it only
  // when refreshed (their histories have no capture), and until then each create reads the template itself.
  private template?: CapturedTemplate;
  /** What the last logged tick said, and since when (see logDecision). */
  private said: Said = { text: '', since: 0 };
  /** The search attributes last upserted. */
  private published = '';
  /**
   * A warehouse with groupSets: each set's own part, by groupSet (`state` then sums them up). Undefined for a
   * warehouse of one set, which keeps everything in the fields above.
   */
  private readonly sets?: Record<string, GroupSetRun>;
  /** What each set's last logged tick said (see logDecision). */
  private readonly setSaid: Record<string, Said> = {};
  /** Its fleet's capacity, for a warehouse of a fleet on release-5 rules; absent, no fleet command is ever issued. */
  readonly fleet?: FleetLink;

  /**
   * `rules`: how this run decides (its release's rules, src/workflows/warehouse.ts rulesOfThisRun), applied to each
   * set's state as it is carried or first made.
   */
  constructor(
    public spec: WarehouseSpec,
    public state: PolicyState,
    carried: Carried | undefined,
    private readonly rules: (state: PolicyState) => PolicyState = (x) => x,
  ) {
    this.decisions = carried?.decisions ?? [];
    this.lastObservation = carried?.lastObservation ?? null;
    this.run = carried?.run ?? 1;
    this.template = carried?.template;
    const release5 = rulesFrom(state, 'release-5');
    this.alarm = release5 ? new Alarm() : new RaceAlarm();
    if (spec.fleet && release5) this.fleet = new FleetLink(spec.fleet, carried?.fleet);
    if (spec.groupSets)
      this.sets = Object.fromEntries(
        Object.entries(carried?.sets ?? {}).map(([name, set]) => [name, { ...set, state: rules(set.state) }]),
      );
    detailsWhenRead(() =>
      detailsTable(this.spec, this.state, this.lastObservation, this.decisions, this.sets && this.setStatuses()),
    );
  }

  /** Whether the warehouse has groupSets: each set is then observed, decided and acted on of its own. */
  get hasSets(): boolean {
    return this.sets !== undefined;
  }

  /** A set's part, made at its first tick (or when a resize named a set that had none). */
  setRun(groupSet: string): GroupSetRun {
    return (this.sets![groupSet] ??= this.freshSet());
  }

  private freshSet(): GroupSetRun {
    return { state: this.rules(initialState()), lastObservation: null };
  }

  /** An operator's message, to the warehouse and each of its sets alike. */
  private operate(change: (state: PolicyState) => PolicyState): void {
    this.state = change(this.state);
    for (const set of Object.values(this.sets ?? {})) set.state = change(set.state);
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
    this.operate((s) => ({ ...s, intent: 'suspend' }));
    this.operatorNote('Suspend requested by the operator.', 'suspend');
  }

  resume(): void {
    this.operate((s) => ({ ...s, intent: 'resume' }));
    this.operatorNote('Resume requested by the operator.', 'resume');
  }

  pause(): void {
    this.operate((s) => ({ ...s, paused: true }));
    this.operatorNote('Pause requested by the operator: holding the current size.', 'pause');
  }

  unpause(): void {
    this.operate((s) => ({ ...s, paused: false }));
    this.operatorNote('Unpause requested by the operator: scaling resumes.', 'unpause');
  }

  freeze(direction: FreezeDirection): void {
    this.operate((s) => {
      const was = s.frozen ?? { scaleIn: false, scaleOut: false };
      return { ...s, frozen: direction === 'scale-in' ? { ...was, scaleIn: true } : { ...was, scaleOut: true } };
    });
    this.operatorNote(
      direction === 'scale-in'
        ? 'Freeze requested by the operator: no executor group is removed by scale-down or auto-suspend until unfreeze.'
        : 'Freeze requested by the operator: no executor group is added by scale-up, resume or pre-warming until unfreeze.',
      `freeze ${direction}`,
    );
  }

  unfreeze(): void {
    this.operate((s) => ({ ...s, frozen: { scaleIn: false, scaleOut: false } }));
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
      ...(this.sets ? { sets: this.setStatuses() } : {}),
      ...(this.fleet ? { fleet: this.fleet.status() } : {}),
    };
  }

  private setStatuses(): GroupSetStatus[] {
    // Read-only (a query must not change the workflow's state): a set not ticked yet shows its first state.
    return setSpecs(this.spec).map((spec) => {
      const { state, lastObservation, template } = this.sets![spec.groupSet] ?? this.freshSet();
      return {
        groupSet: spec.groupSet,
        spec,
        state,
        lastObservation,
        ...(template ? { template: templateSummary(template) } : {}),
      };
    });
  }

  /**
   * The refreshTemplate update: reads only (the template), so it may run while the loop acts on groups. An unchanged
   * template is not recorded: `warehouse apply` asks on every run, and applying twice must not add to the decision log.
   */
  async refreshTemplate(): Promise<TemplateRefresh> {
    const refresh = this.sets ? await this.recaptureSets() : await this.recapture();
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
    this.record(recordOf(observation, decision, outcome, templateLines));
    reportTick(this.spec, this.state, observation, decision, {
      latenessMs,
      fleetWaiting: this.fleet?.waiting,
      steadyLine: steadyLineOf(this.said),
    });
    this.publish();
  }

  // --- the tick of a warehouse with groupSets (src/workflows/group-set-tick.ts): each set as a one-set tick ---

  /** Whether the set's tick must capture its template first (release 3 on, none captured yet). */
  setNeedsTemplate(spec: WarehouseSpec, release3: boolean): boolean {
    return release3 && !this.setRun(spec.groupSet).template;
  }

  async captureSetForTick(spec: WarehouseSpec): Promise<string[]> {
    return [(await this.recaptureSet(spec)).line];
  }

  /** Takes the sets' decisions before any await, as `decided` does. */
  setsDecided(ticks: SetTick[]): void {
    for (const { spec, observation, decision } of ticks) {
      const set = this.setRun(spec.groupSet);
      set.lastObservation = observation;
      set.state = decision.state;
      this.logDecision(decision.reasons, spec.groupSet);
    }
    this.state = this.summed();
  }

  /** After the sets' actions: as `ticked`, one decision record and one metrics report per set. */
  setsTicked(ticks: SetTick[], outcomes: ActOutcome[], release3: boolean, latenessMs: number | undefined): void {
    ticks.forEach(({ spec, observation, decision, templateLines }, i) => {
      const set = this.setRun(spec.groupSet);
      const outcome = outcomes[i];
      if (release3 && outcome.failed.length) set.state = afterActions(spec, set.state, outcome.failed);
      this.record(recordOf(observation, decision, outcome, templateLines), set.state, spec.groupSet);
      reportTick(spec, set.state, observation, decision, {
        latenessMs,
        steadyLine: steadyLineOf(this.setSaid[spec.groupSet]),
      });
    });
    this.state = this.summed();
    this.publish();
  }

  private summed(): PolicyState {
    return summaryState(setSpecs(this.spec).map((spec) => this.setRun(spec.groupSet).state));
  }

  /** What continue-as-new carries into the next run. */
  carried(): Carried {
    const { state, decisions, lastObservation, run, template, sets } = this;
    return {
      state,
      decisions,
      lastObservation,
      run: run + 1,
      ...(template ? { template } : {}),
      ...(sets ? { sets } : {}),
      ...(this.fleet ? { fleet: this.fleet.carried() } : {}),
    };
  }

  // --- records, logs and search attributes (the Web UI's details are built when read: details-query.ts) ---

  /** `groupSet`: the record is of that set's tick (a warehouse with groupSets keeps as many records for each set). */
  private record(r: TickRecord, of: PolicyState = this.state, groupSet?: string): void {
    const { tick, current, target, state } = of;
    const at = new Date().toISOString();
    const kept = DECISIONS_KEPT * (this.sets ? setSpecs(this.spec).length : 1);
    // A steady tick says what the one before it said: its record shares that record's lines rather than holding a
    // copy, so an idle warehouse's records hold one set of lines. Each copy lived for DECISIONS_KEPT ticks, long enough
    // to be promoted to the old generation: at thousands of cached warehouses those copies were worker memory and
    // major-GC work on every tick (bench:scale's RSS and worker CPU per tick at saturation).
    const previous = lastOf(this.decisions, groupSet);
    const reasons = previous && sameLines(previous.reasons, r.reasons) ? previous.reasons : r.reasons;
    const actions = previous && sameLines(previous.actions, r.actions) ? previous.actions : r.actions;
    this.decisions.push({
      tick,
      at,
      current,
      target,
      state,
      ...(groupSet ? { groupSet } : {}),
      ...r,
      reasons,
      actions,
    });
    if (this.decisions.length > kept) this.decisions.splice(0, this.decisions.length - kept);
  }

  private operatorNote(line: string, action: string): void {
    log.info(line, { warehouse: this.spec.name, tick: this.state.tick });
    this.record({ queued: null, running: null, reasons: [line], actions: [action], rule: 'operator', why: line });
    this.alarm.ring();
  }

  /**
   * A steady tick (it says exactly what the previous tick said: an idle warehouse) is logged as one line, not the
   * whole decision again: the logs still show every tick, at a sixth of the lines for an idle fleet (and of the
   * worker's logging CPU); the decision log (status, history) keeps every line of every tick. That line goes out
   * with the tick's metrics report (steadyLineOf), one sink call instead of two.
   */
  private logDecision(reasons: string[], groupSet?: string): void {
    const said = groupSet ? (this.setSaid[groupSet] ??= { text: '', since: 0 }) : this.said;
    const text = reasons.join('\n');
    if (text === said.text) {
      said.steady = `Same decision as tick ${said.since} (${reasons[0]}).`;
      return;
    }
    const tick = groupSet ? this.setRun(groupSet).state.tick : this.state.tick;
    const meta = { warehouse: this.spec.name, tick, ...(groupSet ? { groupSet } : {}) };
    said.steady = undefined;
    said.text = text;
    said.since = tick;
    for (const line of reasons) log.info(line, meta);
  }

  private publish(): void {
    const { state, current, target } = this.state;
    // The freeze attribute only once a freeze was ever sent: upserts of runs that never had one stay as they were.
    const frozen =
      this.state.frozen && frozenDirections(this.state).map((d) => (d === 'scale-in' ? 'ScaleIn' : 'ScaleOut'));
    const sets = this.sets && this.setsMemo();
    const key = JSON.stringify({ state, current, target, ...(frozen ? { frozen } : {}), ...(sets ? { sets } : {}) });
    if (key !== this.published) {
      // Upserts cost a history event each: only when something the Web UI lists has changed.
      upsertSearchAttributes([
        { key: SA_WAREHOUSE, value: this.spec.name },
        { key: SA_STATE, value: state },
        { key: SA_GROUPS, value: current },
        { key: SA_TARGET, value: target },
        ...(frozen ? [{ key: SA_FROZEN, value: frozen.length ? frozen : null }] : []),
      ]);
      // Each set's state for `warehouse list`, in the memo: no search attribute to register, and none of a one-set
      // warehouse's commands change.
      if (sets) upsertMemo({ [MEMO_GROUP_SETS]: sets });
      this.published = key;
    }
  }

  /**
   * Captures the template of the warehouse, or of one of its sets (`set`): the line says which set. `keep` stores
   * what was captured; a failure keeps the template captured before.
   */
  private setsMemo(): GroupSetsMemo {
    return Object.fromEntries(
      setSpecs(this.spec).map(({ groupSet }) => {
        const { state, current, target } = this.setRun(groupSet).state;
        return [groupSet, { state, groups: current, target }];
      }),
    );
  }

  private async recapture(
    spec: WarehouseSpec = this.spec,
    before: CapturedTemplate | undefined = this.template,
    keep: (template: CapturedTemplate) => void = (t) => (this.template = t),
  ): Promise<TemplateRefresh> {
    const of = spec.groupPrefix ? `Group set ${spec.groupSet}: executor template` : 'Executor template';
    const meta = () => ({ warehouse: this.spec.name, tick: this.state.tick });
    let template: CapturedTemplate;
    try {
      template = await captureTemplate(spec, { copyGroup: !before });
    } catch (err) {
      const error = ((err as { cause?: Error }).cause ?? (err as Error)).message;
      const line = before
        ? `${of} not re-captured: ${error}; new groups still use revision ${before.revision} (source ${before.source}).`
        : `${of} not captured: ${error}; no executor group can be added until it is, trying again next tick.`;
      log.warn(line, meta());
      return { ...(before ? { template: templateSummary(before) } : {}), changed: false, error, line };
    }
    keep(template);
    const changed = before?.revision !== template.revision;
    const line = !before
      ? `${of} captured: revision ${template.revision} (source ${template.source}).`
      : changed
        ? `${of} changed: revision ${before.revision} → ${template.revision} (source ${template.source}); new groups use it.`
        : `${of} unchanged: revision ${template.revision} (source ${template.source}).`;
    log.info(line, meta());
    return {
      template: templateSummary(template),
      ...(before ? { previousRevision: before.revision } : {}),
      changed,
      line,
    };
  }

  /** Each set's template re-captured, as one refresh: changed when any set's changed, its lines one per set. */
  private async recaptureSets(): Promise<TemplateRefresh> {
    const refreshes = await Promise.all(setSpecs(this.spec).map((spec) => this.recaptureSet(spec)));
    const errors = refreshes.flatMap((r) => (r.error ? [r.error] : []));
    const [first] = refreshes;
    return {
      ...(first.template ? { template: first.template } : {}),
      ...(first.previousRevision ? { previousRevision: first.previousRevision } : {}),
      changed: refreshes.some((r) => r.changed),
      ...(errors.length ? { error: errors.join('; ') } : {}),
      line: refreshes.map((r) => r.line).join(' '),
    };
  }

  private recaptureSet(spec: WarehouseSpec): Promise<TemplateRefresh> {
    const set = this.setRun(spec.groupSet);
    return this.recapture(spec, set.template, (t) => (set.template = t));
  }
}

/** What a warehouse's (or a set's) last logged tick said, since which tick, and the steady line not yet reported. */
interface Said {
  text: string;
  since: number;
  steady?: string;
}

/** The steady line a tick's report carries, once: taken from `said` as the report goes out. */
function steadyLineOf(said: Said | undefined): string | undefined {
  const line = said?.steady;
  if (said) said.steady = undefined;
  return line;
}

/** One set's tick of a warehouse with groupSets: its spec, what it observed and decided, and its template's lines. */
export interface SetTick {
  spec: WarehouseSpec;
  observation: Observation;
  decision: Decision;
  templateLines: string[];
}

function lastOf(records: DecisionRecord[], groupSet: string | undefined): DecisionRecord | undefined {
  for (let i = records.length - 1; i >= 0; i--) if (records[i].groupSet === groupSet) return records[i];
  return undefined;
}

function sameLines(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((line, i) => line === b[i]);
}

type TickRecord = Omit<DecisionRecord, 'at' | 'tick' | 'current' | 'target' | 'state'>;

function recordOf(
  observation: Observation,
  decision: Decision,
  outcome: ActOutcome,
  templateLines: string[],
): TickRecord {
  return {
    queued: observation.kind === 'known' ? observation.load.queued : null,
    running: observation.kind === 'known' ? observation.load.running : null,
    reasons: [...templateLines, ...decision.reasons, ...outcome.lines],
    actions: outcome.done,
    rule: decision.rule,
    ...(decision.why ? { why: decision.why } : {}),
    changes: outcome.changes,
  };
}

/** The status query's view of the template: everything but the manifest. */
function templateSummary({ manifest: _manifest, ...summary }: CapturedTemplate) {
  return summary;
}
