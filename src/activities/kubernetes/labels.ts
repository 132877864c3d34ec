// The labels that mark a StatefulSet (and its pods) as an executor group of one warehouse and one executor group set (docs/design.md, "Executor groups on Kubernetes"). They are
// also what makes an object "ours": an object with a group's name but without them is never changed or deleted.
import { impalaGroupName } from '../../policy/names';
import type { WarehouseSpec } from '../../policy/types';

export const MANAGED_BY = 'app.kubernetes.io/managed-by';
export const MANAGER = 'impala-autoscaler';
export const WAREHOUSE = 'impala.apache.org/warehouse';
export const EXECUTOR_GROUP = 'impala.apache.org/executor-group';
/** The group's executor group set (Impala's --expected_executor_group_sets prefix, the set's pool). */
export const EXECUTOR_GROUP_SET = 'impala.apache.org/executor-group-set';
/** Annotation on each group: the revision of the executor template it was cloned from (template.ts). */
export const TEMPLATE_REVISION = 'impala.apache.org/template-revision';

export function groupLabels(spec: WarehouseSpec, index: number): Record<string, string> {
  return {
    [MANAGED_BY]: MANAGER,
    [WAREHOUSE]: spec.name,
    [EXECUTOR_GROUP]: impalaGroupName(spec.groupSet, index),
    [EXECUTOR_GROUP_SET]: spec.groupSet,
  };
}

/** The spec's groups: a set's spec of a warehouse with several sets (it has a groupPrefix) names its set. */
type GroupsOf = Pick<WarehouseSpec, 'name'> & Partial<Pick<WarehouseSpec, 'groupSet' | 'groupPrefix'>>;

export function warehouseSelector(spec: Pick<WarehouseSpec, 'name'>): string {
  return `${MANAGED_BY}=${MANAGER},${WAREHOUSE}=${spec.name}`;
}

/**
 * The groups (StatefulSets and pods) a spec owns: the warehouse's; for one set of a warehouse with several, that
 * set's only. A one-set warehouse's groups created before the set label existed carry none, and are still its own.
 */
export function groupsSelector(spec: GroupsOf): string {
  return spec.groupPrefix
    ? `${warehouseSelector(spec)},${EXECUTOR_GROUP_SET}=${spec.groupSet}`
    : warehouseSelector(spec);
}

export function isOurs(labels: Record<string, string> | undefined, spec: GroupsOf): boolean {
  return (
    labels?.[MANAGED_BY] === MANAGER &&
    labels?.[WAREHOUSE] === spec.name &&
    (!spec.groupPrefix || labels?.[EXECUTOR_GROUP_SET] === spec.groupSet)
  );
}

export function describeLabels(labels: Record<string, string> | undefined): string {
  const entries = Object.entries(labels ?? {});
  return entries.length ? entries.map(([k, v]) => `${k}=${v}`).join(',') : 'none';
}
