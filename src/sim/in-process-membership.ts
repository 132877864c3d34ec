// Membership for the coordinator simulator from an ExecutorGroups implementation, as Impala's statestore would see
// the executors of each group: a ready group's executors are all registered and healthy; a deleting group's are
// still running but quiescing (graceful shutdown); a group still starting has none registered yet.
import type { ExecutorGroups } from '../activities/interfaces';
import type { WarehouseSpec } from '../policy/types';
import type { MemberGroup, Membership } from './membership';

export class InProcessMembership implements Membership {
  constructor(
    private readonly executorGroups: ExecutorGroups,
    private readonly spec: WarehouseSpec,
  ) {}

  async groups(): Promise<MemberGroup[]> {
    const { groups } = await this.executorGroups.list(this.spec);
    return groups.map((g) => ({
      index: g.index,
      executors: g.ready || g.deleting ? this.spec.executorsPerGroup : 0,
      healthy: g.ready && !g.deleting,
      quiescing: g.deleting,
    }));
  }
}

/** A fixed set of healthy groups 1..count: a standalone simulator, benchmarks and tests with no autoscaler. */
export function fixedMembership(count: number, executorsPerGroup: number): Membership {
  const groups: MemberGroup[] = Array.from({ length: count }, (_, i) => ({
    index: i + 1,
    executors: executorsPerGroup,
    healthy: true,
    quiescing: false,
  }));
  return { groups: async () => groups.map((g) => ({ ...g })) };
}
