// In-process stand-ins for the demo and the workflow tests: executor groups that become ready after a delay
// (as pods do) and drain for a while when removed, and a load reader driven by the caller.
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { groupName } from '../policy/names';
import type { WarehouseSpec } from '../policy/types';
import type { CapturedTemplate, ExecutorGroups, GroupListing, LoadReader, LoadResult, ScaleEvent } from './interfaces';

interface Entry {
  createdAt: number;
  deletingSince?: number;
  /** The template revision it was created with (none for a pre-existing group). */
  templateRevision?: string;
}

export interface InProcessGroupsOptions {
  /** Time from create to ready, like pods starting. */
  readyAfterMs: number;
  /** Time a removed group stays listed as deleting (graceful shutdown). */
  drainMs?: number;
  /** Time each create and delete call takes to answer once it has changed the group (an API server's round trip). */
  callMs?: number;
  now?: () => number;
}

export class InProcessExecutorGroups implements ExecutorGroups {
  private readonly warehouses = new Map<string, Map<number, Entry>>();
  /** Every successful create and delete call, in order: tests count duplicates from it. */
  readonly calls: { op: 'create' | 'delete'; warehouse: string; group: string; at: number }[] = [];
  /** The scale event of each create and delete that changed a group, as the Kubernetes provider records it. */
  readonly events: ({ group: string } & ScaleEvent)[] = [];
  private readonly now: () => number;

  constructor(private readonly opts: InProcessGroupsOptions) {
    this.now = opts.now ?? Date.now;
  }

  /** Groups that exist before the autoscaler starts (adopted on its first tick). */
  preexisting(warehouse: string, indexes: number[], ready = true): void {
    const groups = this.of({ name: warehouse });
    for (const i of indexes) groups.set(i, { createdAt: ready ? this.now() - this.opts.readyAfterMs : this.now() });
  }

  async list(spec: WarehouseSpec): Promise<GroupListing> {
    const groups = this.of(spec);
    const now = this.now();
    for (const [i, e] of groups)
      if (e.deletingSince !== undefined && now - e.deletingSince >= (this.opts.drainMs ?? 0)) groups.delete(i);
    const listed = [...groups.entries()]
      .sort(([a], [b]) => a - b)
      .map(([index, e]) => ({
        name: groupName(index, spec.groupPrefix),
        index,
        ready: e.deletingSince === undefined && now - e.createdAt >= this.opts.readyAfterMs,
        deleting: e.deletingSince !== undefined,
        ...(e.templateRevision ? { templateRevision: e.templateRevision } : {}),
      }));
    // Each warehouse has a namespace of its own here: no name is ever held by anything else.
    return { groups: listed, takenIndexes: [] };
  }

  /** There is no template to read: its revision is the spec's executorTemplate's, so a changed name is a new revision. */
  async captureTemplate(spec: WarehouseSpec): Promise<CapturedTemplate> {
    const revision = createHash('sha256').update(spec.executorTemplate).digest('hex').slice(0, 12);
    return {
      manifest: null,
      revision,
      source: `in-process executor groups (no template; executorTemplate ${spec.executorTemplate})`,
      capturedAt: new Date(this.now()).toISOString(),
    };
  }

  async create(spec: WarehouseSpec, index: number, template?: CapturedTemplate, event?: ScaleEvent): Promise<void> {
    const groups = this.of(spec);
    const group = groupName(index, spec.groupPrefix);
    const existing = groups.get(index);
    if (existing?.deletingSince !== undefined)
      throw new Error(`${group} is still being removed; retry once it is gone`);
    if (existing) return;
    groups.set(index, { createdAt: this.now(), ...(template ? { templateRevision: template.revision } : {}) });
    this.calls.push({ op: 'create', warehouse: spec.name, group, at: this.now() });
    if (event) this.events.push({ group, ...event });
    await this.answer();
  }

  async delete(spec: WarehouseSpec, index: number, event?: ScaleEvent): Promise<void> {
    const e = this.of(spec).get(index);
    if (!e || e.deletingSince !== undefined) return;
    e.deletingSince = this.now();
    const group = groupName(index, spec.groupPrefix);
    this.calls.push({ op: 'delete', warehouse: spec.name, group, at: this.now() });
    if (event) this.events.push({ group, ...event });
    await this.answer();
  }

  private async answer(): Promise<void> {
    if (this.opts.callMs) await sleep(this.opts.callMs);
  }

  /** A warehouse's groups; each group set of a warehouse with several has its own (its StatefulSets' prefix). */
  private of(spec: Pick<WarehouseSpec, 'name' | 'groupPrefix'>): Map<number, Entry> {
    const key = spec.groupPrefix ? `${spec.name}/${spec.groupPrefix}` : spec.name;
    let m = this.warehouses.get(key);
    if (!m) this.warehouses.set(key, (m = new Map()));
    return m;
  }
}

/** Load computed by the caller (a test script, or a simulator) each time the workflow reads it. */
export class InProcessLoadReader implements LoadReader {
  constructor(private readonly source: (spec: WarehouseSpec) => LoadResult | Promise<LoadResult>) {}

  async read(spec: WarehouseSpec): Promise<LoadResult> {
    return this.source(spec);
  }
}
