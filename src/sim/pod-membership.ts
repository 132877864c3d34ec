// The coordinator simulator's view of executor groups when they run on Kubernetes, standing in for Impala's
// statestore: an executor is registered while its pod is Ready, and a group admits queries only when every executor
// of it is up and it is not being removed. This closes the loop workflow → StatefulSet → controller → Pods →
// KWOK Ready → simulator admits queued queries. Given one set's spec of a warehouse with several sets, it sees that
// set's groups only (by the set label), as Impala's statestore view of one set's prefix.
import { AppsV1Api, CoreV1Api, type KubeConfig, type V1Pod, type V1StatefulSet } from '@kubernetes/client-node';
import { groupIndex } from '../policy/names';
import type { WarehouseSpec } from '../policy/types';
import type { MemberGroup, Membership } from './membership';
import { rethrowKubernetesError } from '../activities/kubernetes/errors';
import { EXECUTOR_GROUP, groupsSelector } from '../activities/kubernetes/labels';

interface GroupAcc {
  index: number;
  readyPods: number;
  terminatingPods: number;
  sts?: V1StatefulSet;
}

export interface PodMembershipOptions {
  /** Calls closer together than this share one read of the API (the simulator may ask on every admission). */
  minIntervalMs?: number;
}

export class KubernetesPodMembership implements Membership {
  private readonly core: CoreV1Api;
  private readonly apps: AppsV1Api;
  private readonly minIntervalMs: number;
  private last?: { at: number; groups: Promise<MemberGroup[]> };

  constructor(
    kubeConfig: KubeConfig,
    private readonly spec: Pick<WarehouseSpec, 'name' | 'namespace'> &
      Partial<Pick<WarehouseSpec, 'groupSet' | 'groupPrefix'>>,
    opts: PodMembershipOptions = {},
  ) {
    this.core = kubeConfig.makeApiClient(CoreV1Api);
    this.apps = kubeConfig.makeApiClient(AppsV1Api);
    this.minIntervalMs = opts.minIntervalMs ?? 200;
  }

  groups(): Promise<MemberGroup[]> {
    const now = Date.now();
    if (this.last && now - this.last.at < this.minIntervalMs) return this.last.groups;
    const groups = this.read();
    this.last = { at: now, groups };
    // A failed read must not be served from the cache to later callers.
    groups.catch(() => {
      if (this.last?.groups === groups) this.last = undefined;
    });
    return groups;
  }

  private async read(): Promise<MemberGroup[]> {
    const selector = groupsSelector(this.spec);
    const { namespace } = this.spec;
    let pods: V1Pod[];
    let sets: V1StatefulSet[];
    try {
      [pods, sets] = await Promise.all([
        this.core.listNamespacedPod({ namespace, labelSelector: selector }).then((r) => r.items),
        this.apps.listNamespacedStatefulSet({ namespace, labelSelector: selector }).then((r) => r.items),
      ]);
    } catch (err) {
      rethrowKubernetesError(err, `list executor pods of warehouse ${this.spec.name} in namespace ${namespace}`);
    }
    const byIndex = new Map<number, GroupAcc>();
    const acc = (index: number): GroupAcc => {
      let g = byIndex.get(index);
      if (!g) byIndex.set(index, (g = { index, readyPods: 0, terminatingPods: 0 }));
      return g;
    };
    for (const sts of sets) {
      const index = groupIndex(sts.metadata?.labels?.[EXECUTOR_GROUP] ?? '');
      if (index !== undefined) acc(index).sts = sts;
    }
    for (const pod of pods) {
      const index = groupIndex(pod.metadata?.labels?.[EXECUTOR_GROUP] ?? '');
      if (index === undefined) continue;
      const g = acc(index);
      // A terminating executor is still registered (quiescing) until its process exits and the pod disappears.
      if (isReady(pod)) g.readyPods++;
      if (pod.metadata?.deletionTimestamp) g.terminatingPods++;
    }
    return [...byIndex.values()]
      .filter((g) => g.readyPods > 0)
      .map((g) => {
        const quiescing = !g.sts || Boolean(g.sts.metadata?.deletionTimestamp) || g.terminatingPods > 0;
        const wanted = g.sts?.spec?.replicas ?? 0;
        return { index: g.index, executors: g.readyPods, healthy: !quiescing && g.readyPods >= wanted, quiescing };
      })
      .sort((a, b) => a.index - b.index);
  }
}

function isReady(pod: V1Pod): boolean {
  return pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}
