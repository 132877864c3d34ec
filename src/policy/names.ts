// Names shared by Kubernetes, Impala and the policy: group NNN is StatefulSet `impala-executor-NNN` (in a warehouse
// of several group sets `impala-executor-<set slug>-NNN`, src/policy/group-sets.ts) and Impala executor group
// `<groupSet>-group-NNN`.

export const GROUP_PREFIX = 'impala-executor-';

/** `prefix`: the spec's `groupPrefix`, for a set of a warehouse with several. */
export function groupName(index: number, prefix: string = GROUP_PREFIX): string {
  return `${prefix}${String(index).padStart(3, '0')}`;
}

export function impalaGroupName(groupSet: string, index: number): string {
  return `${groupSet}-group-${String(index).padStart(3, '0')}`;
}

/** The NNN of `<groupPrefix>NNN` or `<groupSet>-group-NNN`; undefined for any other name. */
export function groupIndex(name: string): number | undefined {
  const m = /-(\d{3,})$/.exec(name);
  return m ? Number(m[1]) : undefined;
}

export function workflowIdFor(warehouse: string): string {
  return `warehouse-${warehouse}`;
}

export function fleetWorkflowIdFor(fleet: string): string {
  return `fleet-${fleet}`;
}
