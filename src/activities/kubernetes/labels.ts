// The labels that mark a StatefulSet (and its pods) as an executor group of one warehouse (docs/design.md, "Executor groups on Kubernetes"). They are
// also what makes an object "ours": an object with a group's name but without them is never changed or deleted.
import { impalaGroupName } from '../../policy/names';
import type { WarehouseSpec } from '../../policy/types';

export const MANAGED_BY = 'app.kubernetes.io/managed-by';
export const MANAGER = 'impala-autoscaler';
export const WAREHOUSE = 'impala.apache.org/warehouse';
export const EXECUTOR_GROUP = 'impala.apache.org/executor-group';
/** Annotation on each group: the revision of the executor template it was cloned from (template.ts). */
export const TEMPLATE_REVISION = 'impala.apache.org/template-revision';

export function groupLabels(spec: WarehouseSpec, index: number): Record<string, string> {
  return {
    [MANAGED_BY]: MANAGER,
    [WAREHOUSE]: spec.name,
    [EXECUTOR_GROUP]: impalaGroupName(spec.groupSet, index),
  };
}

export function warehouseSelector(spec: Pick<WarehouseSpec, 'name'>): string {
  return `${MANAGED_BY}=${MANAGER},${WAREHOUSE}=${spec.name}`;
}

export function isOurs(labels: Record<string, string> | undefined, spec: Pick<WarehouseSpec, 'name'>): boolean {
  return labels?.[MANAGED_BY] === MANAGER && labels?.[WAREHOUSE] === spec.name;
}

export function describeLabels(labels: Record<string, string> | undefined): string {
  const entries = Object.entries(labels ?? {});
  return entries.length ? entries.map(([k, v]) => `${k}=${v}`).join(',') : 'none';
}
