// Where the coordinator simulator learns which executor groups exist, as Impala's statestore would tell it.
// In-process: from an ExecutorGroups implementation; on Kubernetes: from Ready pods (src/activities/kubernetes/).

export interface MemberGroup {
  index: number;
  /** Executors registered for the group. */
  executors: number;
  /** Every executor of the group is up: the group admits queries. */
  healthy: boolean;
  /** Being removed: the group admits nothing new and finishes what it runs. */
  quiescing: boolean;
}

export interface Membership {
  groups(): Promise<MemberGroup[]>;
}
