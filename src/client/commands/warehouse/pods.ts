// `warehouse pods NAME`: the warehouse's executor pods as Kubernetes shows them (label
// impala.apache.org/warehouse=NAME), with their group and readiness — what an operator checks when a scale-up waits.
// A warehouse of several executor group sets is listed one set after the other, each under a line naming it.
import type { V1Pod } from '@kubernetes/client-node';
import type { Command } from 'commander';
import {
  EXECUTOR_GROUP,
  EXECUTOR_GROUP_SET,
  MANAGED_BY,
  MANAGER,
  WAREHOUSE,
} from '../../../activities/kubernetes/labels';
import { statusQuery } from '../../../workflows/messages';
import {
  answeredByWorker,
  type CommonFlags,
  findWarehouse,
  printJson,
  printTable,
  withClient,
  withClientOptions,
} from './common';

export interface PodRow {
  pod: string;
  /** The pod's executor group set (its pool): the set label, else the group's name less `-group-NNN`. */
  groupSet: string;
  group: string;
  ready: boolean;
  phase: string;
  terminating: boolean;
  node: string | null;
  startTime: string | null;
}

export function registerPods(warehouse: Command): void {
  withClientOptions(
    warehouse
      .command('pods')
      .description("list a warehouse's executor pods on Kubernetes with their executor group and readiness")
      .argument('<name>', 'warehouse name')
      .option(
        '--kubeconfig <file>',
        'kubeconfig file (default: $KUBECONFIG, ~/.kube/config, or the in-cluster ServiceAccount)',
      )
      .option(
        '--k8s-namespace <namespace>',
        "the warehouse's Kubernetes namespace (default: read from the running warehouse's spec)",
      )
      .option('--json', 'print one JSON array'),
  ).action(async (name: string, opts: CommonFlags & { kubeconfig?: string; k8sNamespace?: string }) => {
    // Loaded here, not at the top: the Kubernetes client takes seconds to load, and only this command needs it.
    // require, not import(): bin/ runs the sources through tsx's CommonJS hook, which import() would bypass.
    const { CoreV1Api } = require('@kubernetes/client-node') as typeof import('@kubernetes/client-node');
    const { loadKubeConfigFrom } =
      require('../../../activities/kubernetes/kubeconfig') as typeof import('../../../activities/kubernetes/kubeconfig');
    const kc = loadKubeConfigFrom({ kubeconfigPath: opts.kubeconfig });
    const namespace =
      opts.k8sNamespace ??
      (await withClient(opts, async (c) => {
        const { handle, description } = await findWarehouse(c, name);
        const status = await answeredByWorker(
          c,
          `status query of warehouse ${name}`,
          description.taskQueue,
          opts.timeout,
          () => handle.query(statusQuery),
        );
        return status.spec.namespace;
      }));
    let pods: V1Pod[];
    const selector = `${MANAGED_BY}=${MANAGER},${WAREHOUSE}=${name}`;
    try {
      pods = (await kc.makeApiClient(CoreV1Api).listNamespacedPod({ namespace, labelSelector: selector })).items;
    } catch (err) {
      const e = err as { code?: number; message?: string };
      throw new Error(
        `listing pods ${selector} in Kubernetes namespace ${namespace} at ${kc.getCurrentCluster()?.server} failed: ${e.code ? `HTTP ${e.code}: ` : ''}${(e.message ?? String(err)).split('\n')[0]} (check --kubeconfig / KUBECONFIG and the pods list permission)`,
      );
    }
    const rows = pods
      .map(podRow)
      .sort((a, b) => a.groupSet.localeCompare(b.groupSet) || a.pod.localeCompare(b.pod, undefined, { numeric: true }));
    if (opts.json) return printJson(rows);
    if (rows.length === 0) {
      process.stdout.write(`warehouse ${name} has no executor pods in Kubernetes namespace ${namespace}\n`);
      return;
    }
    const sets = [...new Set(rows.map((r) => r.groupSet))];
    sets.forEach((set, i) => {
      const ofSet = rows.filter((r) => r.groupSet === set);
      if (sets.length > 1) {
        const ready = ofSet.filter((r) => r.ready).length;
        process.stdout.write(
          `${i > 0 ? '\n' : ''}Group Set: ${set} (${ofSet.length} pod${ofSet.length === 1 ? '' : 's'}, ${ready} ready)\n`,
        );
      }
      printTable(
        ['POD', 'GROUP', 'READY', 'PHASE', 'NODE'],
        ofSet.map((r) => [
          r.pod,
          r.group,
          r.ready ? 'yes' : 'no',
          r.terminating ? 'Terminating' : r.phase,
          r.node ?? '-',
        ]),
      );
    });
  });
}

function podRow(p: V1Pod): PodRow {
  const group = p.metadata?.labels?.[EXECUTOR_GROUP];
  return {
    pod: p.metadata?.name ?? '',
    // Pods of groups created before the set label existed: their Impala group name says the set.
    groupSet: p.metadata?.labels?.[EXECUTOR_GROUP_SET] ?? group?.replace(/-group-\d{3,}$/, '') ?? '-',
    group: group ?? '-',
    ready: (p.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True'),
    phase: p.status?.phase ?? 'Unknown',
    terminating: Boolean(p.metadata?.deletionTimestamp),
    node: p.spec?.nodeName ?? null,
    startTime: p.status?.startTime ? new Date(p.status.startTime).toISOString() : null,
  };
}
