// Shared by the chaos tests: the seed (CHAOS_SEED reproduces a run), the one summary line per case, a watch that
// records every StatefulSet the API server ever created, the decision log gathered across restarts, and the checks
// (duplicates, orphans, counters that never restart).
import { AppsV1Api, type KubeConfig, Watch, type V1StatefulSet } from '@kubernetes/client-node';
import seedrandom from 'seedrandom';
import type { ListedGroup } from '../../../src/activities/interfaces';
import { warehouseSelector } from '../../../src/activities/kubernetes/labels';
import type { WarehouseSpec } from '../../../src/policy/types';
import type { DecisionRecord, WarehouseStatus } from '../../../src/workflows/messages';
import { eventually } from '../../support/eventually';

/** $CHAOS_SEED, else a fresh one; printed in the summary line and in every failure. */
export function chaosSeed(): number {
  const fromEnv = process.env.CHAOS_SEED;
  if (fromEnv !== undefined && fromEnv !== '') {
    const n = Number(fromEnv);
    if (!Number.isInteger(n) || n < 0) throw new Error(`CHAOS_SEED must be a non-negative integer (got "${fromEnv}")`);
    return n;
  }
  return Math.floor(Math.random() * 1_000_000_000);
}

export interface Rng {
  /** [0, 1) */
  next(): number;
  /** [lo, hi) */
  between(lo: number, hi: number): number;
}

export function rng(seed: number, stream: string): Rng {
  const r = seedrandom(`${seed}:${stream}`);
  return { next: () => r(), between: (lo, hi) => lo + (hi - lo) * r() };
}

export interface Summary {
  faults: number;
  restarts: number;
  groupsCreated: number;
  duplicates: number;
  orphans: number;
  extra?: string;
}

/**
 * Runs one case: prints its summary line, and on failure the seed that reproduces it. The body returns the summary;
 * the line is printed before the case's own assertions on it, so a failed case still says what it saw.
 */
export async function chaosCase(
  name: string,
  seed: number,
  body: (log: (line: string) => void) => Promise<Summary>,
): Promise<Summary> {
  const t0 = Date.now();
  const log = (line: string) => process.stderr.write(`chaos ${name}: ${line}\n`);
  try {
    const s = await body(log);
    process.stderr.write(
      `CHAOS ${name}: seed ${seed}, faults injected ${s.faults}, restarts ${s.restarts}, groups created ${s.groupsCreated}, ` +
        `duplicates ${s.duplicates}, orphans ${s.orphans}${s.extra ? `, ${s.extra}` : ''}, ${((Date.now() - t0) / 1000).toFixed(1)} s\n`,
    );
    expect({ duplicates: s.duplicates, orphans: s.orphans }).toEqual({ duplicates: 0, orphans: 0 });
    return s;
  } catch (err) {
    const e = err as Error;
    e.message = `chaos case "${name}" failed after ${((Date.now() - t0) / 1000).toFixed(1)} s; reproduce with CHAOS_SEED=${seed}\n${e.message}`;
    process.stderr.write(`CHAOS ${name}: FAILED, seed ${seed} (CHAOS_SEED=${seed} npx jest test/chaos)\n`);
    throw e;
  }
}

export { setTimeout as sleep } from 'node:timers/promises';

/** Resolves with fn's value, or rejects after ms. */
export function within<T>(ms: number, what: string, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/**
 * Every StatefulSet of one warehouse the API server ever had, by uid: a watch records ADDED events, and each
 * `snapshot()` lists too (a watch can miss events while it reconnects; a listing cannot miss one that still exists).
 */
export class StatefulSetRecorder {
  private readonly uids = new Map<string, { name: string; created: string }>();
  private request?: { abort(): void };
  private stopped = false;
  private readonly apps: AppsV1Api;

  constructor(
    private readonly kc: KubeConfig,
    private readonly spec: Pick<WarehouseSpec, 'name' | 'namespace'>,
  ) {
    this.apps = kc.makeApiClient(AppsV1Api);
  }

  async start(): Promise<void> {
    await this.snapshot();
    await this.watch();
  }

  private async watch(): Promise<void> {
    if (this.stopped) return;
    const w = new Watch(this.kc);
    this.request = await w.watch(
      `/apis/apps/v1/namespaces/${this.spec.namespace}/statefulsets`,
      { labelSelector: warehouseSelector(this.spec) },
      (type: string, obj: V1StatefulSet) => {
        if (type === 'ADDED') this.note(obj);
      },
      () => {
        if (!this.stopped) setTimeout(() => void this.watch().catch(() => undefined), 200);
      },
    );
  }

  private note(sts: V1StatefulSet): void {
    const uid = sts.metadata?.uid;
    if (uid && !this.uids.has(uid))
      this.uids.set(uid, { name: sts.metadata?.name ?? '?', created: String(sts.metadata?.creationTimestamp ?? '') });
  }

  /** Lists the warehouse's StatefulSets now (recording any the watch missed). */
  async snapshot(): Promise<ListedGroup[]> {
    const res = await this.apps.listNamespacedStatefulSet({
      namespace: this.spec.namespace,
      labelSelector: warehouseSelector(this.spec),
    });
    for (const s of res.items) this.note(s);
    return res.items
      .map((s) => ({
        name: s.metadata?.name ?? '?',
        index: Number((s.metadata?.name ?? '').slice(-3)),
        ready: (s.status?.readyReplicas ?? 0) === (s.spec?.replicas ?? 1),
        deleting: Boolean(s.metadata?.deletionTimestamp),
      }))
      .sort((a, b) => a.index - b.index);
  }

  /** Creations per StatefulSet name. */
  creations(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const { name } of this.uids.values()) out[name] = (out[name] ?? 0) + 1;
    return out;
  }

  total(): number {
    return this.uids.size;
  }

  stop(): void {
    this.stopped = true;
    this.request?.abort();
  }
}

/** Creations beyond what was decided (or expected), per name, summed. */
export function duplicatesOver(creations: Record<string, number>, allowed: Record<string, number>): number {
  return Object.entries(creations).reduce((n, [name, c]) => n + Math.max(0, c - (allowed[name] ?? 0)), 0);
}

/**
 * Orphans between the cluster and the workflow's state: StatefulSets the state does not account for and state
 * entries without a StatefulSet. Live groups must be exactly `target` of them, `current` ready, and the not-ready
 * ones exactly the state's pending list.
 */
export function orphansBetween(listed: ListedGroup[], status: WarehouseStatus): { count: number; detail: string } {
  const live = listed.filter((g) => !g.deleting);
  const notReady = live
    .filter((g) => !g.ready)
    .map((g) => g.name)
    .sort();
  const pending = status.state.pending.map((p) => p.name).sort();
  const problems: string[] = [];
  let count = 0;
  const extraSets = Math.max(0, live.length - status.state.target);
  const missingSets = Math.max(0, status.state.target - live.length);
  if (extraSets || missingSets)
    problems.push(
      `${live.length} live StatefulSets (${live.map((g) => g.name).join(', ')}) but target ${status.state.target}`,
    );
  count += extraSets + missingSets;
  for (const n of notReady.filter((n) => !pending.includes(n)))
    (count++, problems.push(`${n} not ready and not pending in state`));
  for (const n of pending.filter((n) => !notReady.includes(n)))
    (count++, problems.push(`pending ${n} has no starting StatefulSet`));
  if (live.filter((g) => g.ready).length !== status.state.current)
    problems.push(`ready ${live.filter((g) => g.ready).length} != current ${status.state.current}`);
  return { count, detail: problems.join('; ') || 'none' };
}

/**
 * The decision log across worker restarts and continue-as-new: the status query keeps the last 50 records, so it is
 * read often and merged by (tick, time, first line).
 */
export class DecisionLog {
  private readonly byKey = new Map<string, DecisionRecord>();
  /**
   * A status query is answered from the worker's cached state, which may hold a tick whose workflow task the worker
   * never completed (it was killed after the tick's local activity, before the task's completion reached the server):
   * the next worker runs that tick again and records it anew. The record read last for a tick number is the one in
   * history, so a loop tick is keyed by its number alone; an operator's note (sharing the tick number of the tick
   * before it) by its time and text.
   */
  add(status: WarehouseStatus): void {
    for (const d of status.decisions)
      this.byKey.set(isLoopTick(d) ? `tick ${d.tick}` : `${d.tick}|${d.at}|${d.reasons[0] ?? ''}`, d);
  }
  all(): DecisionRecord[] {
    return [...this.byKey.values()].sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.tick - b.tick));
  }
  /** One record per tick of the loop (operator notes share the tick number of the tick before them). */
  ticks(): DecisionRecord[] {
    return this.all().filter(isLoopTick);
  }
  actions(): string[] {
    return this.all().flatMap((d) => d.actions);
  }
  /** The last n records, a line each, for a failed case's report. */
  tail(n: number): string {
    return this.all()
      .slice(-n)
      .map((d) => `  tick ${d.tick} ${d.at}: ${[...d.reasons, ...d.actions].join(' | ')}`)
      .join('\n');
  }
  /** Adds decided per group name, from the actions (`add impala-executor-001`, not `… failed`). */
  addsDecided(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const a of this.actions()) {
      const m = /^add (\S+)$/.exec(a);
      if (m) out[m[1]] = (out[m[1]] ?? 0) + 1;
    }
    return out;
  }
}

function isLoopTick(d: DecisionRecord): boolean {
  return d.reasons.some((r) => r.startsWith('Impala-autoscaler sleeping for'));
}

const COUNTER = /^enoughConsecutive (Up|Down|Suspend|InScaleUp) calls false as current (\d+) target (\d+)$/;

/**
 * Counters never restart: ticks are numbered 1, 2, 3, … without a gap or a step back, and a counter seen on two
 * consecutive ticks went up by exactly one. Returns the problems found (empty when all is well).
 */
export function counterProblems(ticks: DecisionRecord[]): string[] {
  const problems: string[] = [];
  for (let i = 1; i < ticks.length; i++) {
    const a = ticks[i - 1];
    const b = ticks[i];
    if (b.tick !== a.tick + 1) problems.push(`tick ${b.tick} (at ${b.at}) follows tick ${a.tick} (at ${a.at})`);
    if (b.tick !== a.tick + 1) continue;
    const ca = counters(a);
    const cb = counters(b);
    for (const [name, v] of Object.entries(cb)) {
      const prev = ca[name];
      if (prev !== undefined && v !== prev + 1)
        problems.push(`counter ${name} went from ${prev} at tick ${a.tick} to ${v} at tick ${b.tick}`);
    }
  }
  return problems;
}

function counters(d: DecisionRecord): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of d.reasons) {
    const m = COUNTER.exec(r);
    if (m) out[m[1]] = Number(m[2]);
  }
  return out;
}

/** Polls `read` until the loop has settled at `n` ready groups (no pending group, current = target = n); every status read goes into `log`. */
export function settledAt(
  read: () => Promise<WarehouseStatus>,
  n: number,
  log: DecisionLog,
  timeoutMs: number,
  everyMs: number,
): Promise<WarehouseStatus> {
  return eventually(
    `the warehouse settled at ${n} ready groups`,
    async () => {
      const s = await read();
      log.add(s);
      return s.state.current === n && s.state.target === n && s.state.pending.length === 0 ? s : undefined;
    },
    timeoutMs,
    everyMs,
  );
}
