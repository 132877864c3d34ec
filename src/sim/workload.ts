// Workload driver: replays a trace against a coordinator simulator over its HTTP control API, at a time-scale factor
// (10 = ten times faster than the trace), and reports each query's queue wait in trace seconds.
import { setTimeout as sleep } from 'node:timers/promises';
import { waitStats, type WaitStats } from '../util/stats';
import type { TraceQuery } from './trace';

export interface ReplayOptions {
  /** Coordinator simulator URL. */
  url: string;
  /** Trace seconds per real second. Default 1. */
  timeScale?: number;
  /** How often query states are polled, real ms. Default 100. */
  pollMs?: number;
  /** Give up waiting for queries after this many real ms (they are reported as they stand). Default: no limit. */
  timeoutMs?: number;
  /** Called as each query reaches a final state. */
  onDone?: (o: QueryOutcome) => void;
}

export interface QueryOutcome {
  /** The query's row in the trace, in arrival order (0-based). */
  row: number;
  arrivalS: number;
  durationS: number;
  id: string;
  state: 'queued' | 'running' | 'finished' | 'rejected' | 'killed';
  /** Queue wait in trace seconds (so far, for a query still queued). */
  queueWaitS: number;
  /** When the simulator took it, trace seconds since the first submission (HTTP makes it lag arrivalS a little). */
  submittedS: number;
  group?: string;
  reason?: string;
}

interface SimQueryJson {
  id: string;
  state: QueryOutcome['state'];
  queueWaitMs: number;
  submittedAtMs: number;
  group?: string;
  reason?: string;
}

const FINAL = new Set(['finished', 'rejected', 'killed']);

export async function replayTrace(trace: TraceQuery[], opts: ReplayOptions): Promise<QueryOutcome[]> {
  const scale = opts.timeScale ?? 1;
  if (!(scale > 0)) throw new Error(`timeScale must be positive (got ${scale})`);
  const base = opts.url.replace(/\/+$/, '');
  // Warm the connection first, so the first arrival is not late by a connection set-up.
  const probe = await fetch(`${base}/queries`);
  if (!probe.ok) throw new Error(`${base}/queries answered ${probe.status}: is this a coordinator simulator?`);
  await probe.arrayBuffer();
  const t0 = Date.now();
  const ids: { q: TraceQuery; id: string }[] = [];
  const submit = async (q: TraceQuery): Promise<string> => {
    const res = await fetch(`${base}/queries`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        durationMs: (q.durationS * 1000) / scale,
        memMb: q.memMb,
        pool: q.pool,
        sql: `-- trace row ${q.id}`,
      }),
    });
    const body = (await res.json()) as SimQueryJson & { error?: string };
    if (res.status !== 201)
      throw new Error(
        `trace row ${q.id}: ${base}/queries answered ${res.status}: ${body.error ?? JSON.stringify(body)}`,
      );
    return body.id;
  };
  // One at a time, in trace order, over the warm keep-alive connection: concurrent POSTs would each open a
  // connection (tens of ms) and reach the coordinator out of order, which distorts FIFO waits more than sending
  // same-instant arrivals a millisecond apart does.
  for (const q of trace) {
    const due = t0 + (q.arrivalS * 1000) / scale;
    if (due > Date.now()) await sleep(due - Date.now());
    ids.push({ q, id: await submit(q) });
  }
  const outcomes = new Map<string, QueryOutcome>();
  const deadline = opts.timeoutMs === undefined ? Infinity : t0 + opts.timeoutMs;
  for (;;) {
    const res = await fetch(`${base}/queries`);
    if (!res.ok) throw new Error(`${base}/queries answered ${res.status}`);
    const all = new Map(((await res.json()) as { queries: SimQueryJson[] }).queries.map((x) => [x.id, x]));
    let pending = 0;
    const firstAt = all.get(ids[0].id)?.submittedAtMs ?? 0;
    for (const { q, id } of ids) {
      const s = all.get(id);
      if (!s)
        throw new Error(
          `${base}/queries no longer lists query ${id} (trace row ${q.id}): was the simulator restarted?`,
        );
      const o: QueryOutcome = {
        row: q.id,
        arrivalS: q.arrivalS,
        durationS: q.durationS,
        id,
        state: s.state,
        queueWaitS: (s.queueWaitMs * scale) / 1000,
        submittedS: ((s.submittedAtMs - firstAt) * scale) / 1000,
        group: s.group,
        reason: s.reason,
      };
      const wasFinal = outcomes.has(id) && FINAL.has(outcomes.get(id)!.state);
      outcomes.set(id, o);
      if (FINAL.has(o.state)) {
        if (!wasFinal) opts.onDone?.(o);
      } else pending += 1;
    }
    if (pending === 0 || Date.now() >= deadline) break;
    await sleep(opts.pollMs ?? 100);
  }
  return ids.map(({ id }) => outcomes.get(id)!);
}

export interface WaitSummary {
  queries: number;
  finished: number;
  rejected: number;
  killed: number;
  unfinished: number;
  wait: WaitStats;
}

export function summarize(outcomes: QueryOutcome[]): WaitSummary {
  const count = (s: QueryOutcome['state']): number => outcomes.filter((o) => o.state === s).length;
  return {
    queries: outcomes.length,
    finished: count('finished'),
    rejected: count('rejected'),
    killed: count('killed'),
    unfinished: count('queued') + count('running'),
    wait: waitStats(outcomes.map((o) => o.queueWaitS)),
  };
}
