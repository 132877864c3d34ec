// Workload traces (what-if simulator and workload driver): one query per CSV row, `arrival_s,duration_s[,mem_mb][,pool]`.
// `arrival_s` is seconds from the start of the trace, `duration_s` the query's run time once admitted, `mem_mb` the
// memory it needs on each executor of its group (Impala's mem_limit_to_admit; absent = 0, admitted by slots alone),
// `pool` its Impala resource pool (absent = the warehouse's group set).

export interface TraceQuery {
  /** Row order in the trace (0-based); the query's id in the simulation. */
  id: number;
  arrivalS: number;
  durationS: number;
  memMb: number;
  pool?: string;
}

export class TraceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TraceError';
  }
}

const HEADER = ['arrival_s', 'duration_s', 'mem_mb', 'pool'];

/**
 * Parses a trace. A header row (`arrival_s,duration_s,…`) is optional; blank lines and lines starting with `#` are
 * skipped. Rows may come in any order: the result is sorted by arrival (stable, so equal arrivals keep file order).
 * Throws a TraceError naming `where` and the line of the first bad row.
 */
export function parseTraceCsv(text: string, where = 'trace'): TraceQuery[] {
  const out: TraceQuery[] = [];
  const lines = text.split(/\r?\n/);
  let sawData = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    const at = `${where}:${i + 1}`;
    if (line === '' || line.startsWith('#')) continue;
    const cells = line.split(',').map((c) => c.trim());
    if (!sawData && cells[0].toLowerCase() === HEADER[0]) {
      const bad = cells.findIndex((c, k) => c.toLowerCase() !== HEADER[k]);
      if (bad >= 0 || cells.length < 2) {
        throw new TraceError(
          `${at}: header must be ${HEADER.slice(0, Math.max(2, cells.length)).join(',')} (got ${line})`,
        );
      }
      sawData = true;
      continue;
    }
    sawData = true;
    if (cells.length < 2 || cells.length > 4) {
      throw new TraceError(
        `${at}: expected arrival_s,duration_s[,mem_mb][,pool] (2 to 4 columns), got ${cells.length}: ${line}`,
      );
    }
    const num = (k: number, name: string): number => {
      const v = cells[k];
      if (!/^[+]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(v))
        throw new TraceError(`${at}: ${name} must be a number ≥ 0 (got '${v}')`);
      const n = Number(v);
      if (!Number.isFinite(n)) throw new TraceError(`${at}: ${name} must be a finite number (got '${v}')`);
      return n;
    };
    const arrivalS = num(0, 'arrival_s');
    const durationS = num(1, 'duration_s');
    const memMb = cells.length >= 3 && cells[2] !== '' ? num(2, 'mem_mb') : 0;
    const pool = cells.length === 4 && cells[3] !== '' ? cells[3] : undefined;
    if (pool !== undefined && !/^[A-Za-z0-9_.-]+$/.test(pool))
      throw new TraceError(`${at}: pool must be an Impala pool name such as root.default (got '${pool}')`);
    out.push({ id: out.length, arrivalS, durationS, memMb, ...(pool !== undefined ? { pool } : {}) });
  }
  if (out.length === 0)
    throw new TraceError(`${where}: no queries (expected rows of arrival_s,duration_s[,mem_mb][,pool])`);
  const sorted = [...out].sort((a, b) => a.arrivalS - b.arrivalS || a.id - b.id);
  return sorted.map((q, id) => ({ ...q, id }));
}

export function formatTraceCsv(trace: TraceQuery[]): string {
  const rows = trace.map((q) => [q.arrivalS, q.durationS, q.memMb, ...(q.pool ? [q.pool] : [])].join(','));
  return `arrival_s,duration_s,mem_mb,pool\n${rows.join('\n')}\n`;
}
