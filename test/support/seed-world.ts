// The seed's workload for workflow tests: large queries, each filling one executor group by memory, so a group
// runs one at a time (the seed's log: 1 running, 3 queued on one group). Queries run for a fixed wall time;
// groups come from the in-process ExecutorGroups, so the workflow's own actions change what this world admits.
import type { InProcessExecutorGroups } from '../../src/activities/in-process';
import type { LoadResult } from '../../src/activities/interfaces';
import { impalaGroupName } from '../../src/policy/names';
import type { WarehouseSpec } from '../../src/policy/types';

interface Query {
  id: number;
  durationMs: number;
  startedAt?: number;
  group?: number;
  finishedAt?: number;
  submittedAt: number;
}

export class SeedWorld {
  readonly queries: Query[] = [];
  /** When true, reads fail: the workflow sees unknown load. */
  down = false;

  constructor(
    private readonly groups: InProcessExecutorGroups,
    readonly memBytesPerQuery: number,
  ) {}

  submit(n: number, durationMs: number): void {
    for (let i = 0; i < n; i++) this.queries.push({ id: this.queries.length + 1, durationMs, submittedAt: Date.now() });
  }

  async read(spec: WarehouseSpec): Promise<LoadResult> {
    if (this.down) return { ok: false, reason: 'coordinator http://127.0.0.1:1 refused the connection' };
    const now = Date.now();
    const { groups: listed } = await this.groups.list(spec);
    const healthy = listed.filter((g) => g.ready);
    for (const q of this.queries)
      if (q.startedAt !== undefined && q.finishedAt === undefined && now - q.startedAt >= q.durationMs)
        q.finishedAt = q.startedAt + q.durationMs;
    const running = () => this.queries.filter((q) => q.startedAt !== undefined && q.finishedAt === undefined);
    // Impala tries healthy groups in name order; a group admits one large query at a time.
    for (const q of this.queries.filter((x) => x.startedAt === undefined)) {
      const free = healthy.find((g) => !running().some((r) => r.group === g.index));
      if (!free) break;
      q.startedAt = now;
      q.group = free.index;
    }
    const queued = this.queries.filter((q) => q.startedAt === undefined);
    const runningByGroup: Record<string, number> = {};
    for (const q of running())
      runningByGroup[impalaGroupName(spec.groupSet, q.group!)] =
        (runningByGroup[impalaGroupName(spec.groupSet, q.group!)] ?? 0) + 1;
    return {
      ok: true,
      load: {
        queued: queued.length,
        running: running().length,
        memReservedBytes: running().length * this.memBytesPerQuery * spec.executorsPerGroup,
        queuedQueryMemBytes: queued.map(() => this.memBytesPerQuery),
        healthyGroups: healthy.length,
        runningByGroup,
        warnings: [],
      },
    };
  }

  /** Milliseconds each query waited in the queue (undefined while still queued). */
  waits(): (number | undefined)[] {
    return this.queries.map((q) => (q.startedAt === undefined ? undefined : q.startedAt - q.submittedAt));
  }
}
