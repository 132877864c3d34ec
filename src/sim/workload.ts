// Workload driver: replays a trace against a coordinator simulator over its HTTP control API, at a time-scale factor
// (10 = ten times faster than the trace), and reports each query's queue wait in trace seconds.
import { readFileSync } from 'node:fs';

export interface TraceQuery {
  /** 1-based line in the file, for messages. */
  line: number;
  arrivalS: number;
  durationS: number;
  memMb?: number;
  pool?: string;
}

/** `arrival_s,duration_s[,mem_mb][,pool]`, header optional, blank lines and `#` comments skipped; sorted by arrival. */
export function parseTrace(text: string, source = 'trace'): TraceQuery[] {
  const out: TraceQuery[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = i + 1;
    const s = raw.trim();
    if (!s || s.startsWith('#') || (line === 1 && /^arrival_s\b/.test(s))) return;
    const cols = s.split(',').map((c) => c.trim());
    if (cols.length < 2 || cols.length > 4) {
      throw new Error(`${source}:${line}: expected arrival_s,duration_s[,mem_mb][,pool], got ${cols.length} column(s): "${s}"`);
    }
    const num = (v: string, name: string): number => {
      const n = Number(v);
      if (v === '' || !Number.isFinite(n) || n < 0) throw new Error(`${source}:${line}: ${name} must be a non-negative number (got "${v}")`);
      return n;
    };
    const q: TraceQuery = { line, arrivalS: num(cols[0], 'arrival_s'), durationS: num(cols[1], 'duration_s') };
    if (cols[2] !== undefined && cols[2] !== '') q.memMb = num(cols[2], 'mem_mb');
    if (cols[3] !== undefined && cols[3] !== '') q.pool = cols[3];
    out.push(q);
  });
  if (out.length === 0) throw new Error(`${source}: no queries (expected lines like "0,300,10240")`);
  return out.sort((a, b) => a.arrivalS - b.arrivalS || a.line - b.line);
}

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
  line: number;
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
      body: JSON.stringify({ durationMs: (q.durationS * 1000) / scale, memMb: q.memMb, pool: q.pool, sql: `-- trace line ${q.line}` }),
    });
    const body = (await res.json()) as SimQueryJson & { error?: string };
    if (res.status !== 201) throw new Error(`trace line ${q.line}: ${base}/queries answered ${res.status}: ${body.error ?? JSON.stringify(body)}`);
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
      if (!s) throw new Error(`${base}/queries no longer lists query ${id} (trace line ${q.line}): was the simulator restarted?`);
      const o: QueryOutcome = { line: q.line, arrivalS: q.arrivalS, durationS: q.durationS, id, state: s.state, queueWaitS: (s.queueWaitMs * scale) / 1000, submittedS: ((s.submittedAtMs - firstAt) * scale) / 1000, group: s.group, reason: s.reason };
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
  wait: { mean: number; p50: number; p95: number; max: number };
}

export function summarize(outcomes: QueryOutcome[]): WaitSummary {
  const waits = outcomes.map((o) => o.queueWaitS).sort((a, b) => a - b);
  const pct = (p: number): number => (waits.length ? waits[Math.min(waits.length - 1, Math.ceil((p / 100) * waits.length) - 1)] : 0);
  const count = (s: QueryOutcome['state']): number => outcomes.filter((o) => o.state === s).length;
  return {
    queries: outcomes.length,
    finished: count('finished'),
    rejected: count('rejected'),
    killed: count('killed'),
    unfinished: count('queued') + count('running'),
    wait: { mean: waits.length ? waits.reduce((a, b) => a + b, 0) / waits.length : 0, p50: pct(50), p95: pct(95), max: waits[waits.length - 1] ?? 0 },
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

async function main(argv: string[]): Promise<number> {
  const arg = (name: string): string | undefined => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const file = arg('--trace');
  if (!file) {
    process.stderr.write('usage: workload.ts --trace FILE.csv [--url http://127.0.0.1:25000] [--time-scale N] [--json]\n');
    return 1;
  }
  const trace = parseTrace(readFileSync(file, 'utf8'), file);
  const outcomes = await replayTrace(trace, {
    url: arg('--url') ?? 'http://127.0.0.1:25000',
    timeScale: Number(arg('--time-scale') ?? 1),
    onDone: argv.includes('--json')
      ? undefined
      : (o) => process.stdout.write(`line ${o.line}: ${o.state} on ${o.group ?? '-'} after ${o.queueWaitS.toFixed(1)} s queued\n`),
  });
  const summary = summarize(outcomes);
  process.stdout.write(argv.includes('--json') ? `${JSON.stringify({ summary, queries: outcomes })}\n` : `${JSON.stringify(summary)}\n`);
  return summary.killed > 0 ? 3 : 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: Error) => {
      process.stderr.write(`workload: ${err.message}\n`);
      process.exit(1);
    },
  );
}
