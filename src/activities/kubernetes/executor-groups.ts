// The real ExecutorGroups: one StatefulSet per executor group, found by label (DESIGN.md §2 "Executor groups on
// Kubernetes"). Create and delete are idempotent so that Temporal's activity retries never make a second group or
// fail on a group already gone, and an object with a group's name that is not ours is never overwritten or deleted.
import { AppsV1Api, type KubeConfig, type V1StatefulSet } from '@kubernetes/client-node';
import { groupIndex, groupName } from '../../policy/names';
import type { WarehouseSpec } from '../../policy/types';
import type { ExecutorGroups, ListedGroup } from '../interfaces';
import { nonRetryable, rethrowKubernetesError, statusCode } from './errors';
import { describeLabels, isOurs, MANAGED_BY, WAREHOUSE, warehouseSelector } from './labels';
import { buildGroupStatefulSet, isManifestPath, readTemplateFile, validateTemplate } from './template';

export class KubernetesExecutorGroups implements ExecutorGroups {
  private readonly apps: AppsV1Api;
  /**
   * Templates captured once per warehouse (`namespace/executorTemplate`): suspend may delete the StatefulSet the
   * template names (it is usually group 000), and later groups must still be created from it.
   */
  private readonly templates = new Map<string, V1StatefulSet>();

  constructor(kubeConfig: KubeConfig) {
    this.apps = kubeConfig.makeApiClient(AppsV1Api);
  }

  async list(spec: WarehouseSpec): Promise<ListedGroup[]> {
    let items: V1StatefulSet[];
    try {
      const res = await this.apps.listNamespacedStatefulSet({
        namespace: spec.namespace,
        labelSelector: warehouseSelector(spec),
      });
      items = res.items;
    } catch (err) {
      rethrowKubernetesError(err, `list StatefulSets of warehouse ${spec.name} in namespace ${spec.namespace}`);
    }
    // Listing is the first call a warehouse makes: capture the template while it still exists. A failure here is
    // reported by the next create, which cannot work without it; listing must not fail because of it.
    await this.template(spec, items).catch(() => undefined);
    const groups: ListedGroup[] = [];
    for (const sts of items) {
      const name = sts.metadata?.name ?? '';
      const index = groupIndex(name);
      if (index === undefined || name !== groupName(index)) continue;
      groups.push({
        name,
        index,
        ready: (sts.status?.readyReplicas ?? 0) === (sts.spec?.replicas ?? 1),
        deleting: Boolean(sts.metadata?.deletionTimestamp),
      });
    }
    return groups.sort((a, b) => a.index - b.index);
  }

  async create(spec: WarehouseSpec, index: number): Promise<void> {
    const name = groupName(index);
    const where = `StatefulSet ${name} in namespace ${spec.namespace}`;
    const body = buildGroupStatefulSet(await this.template(spec), spec, index);
    try {
      await this.apps.createNamespacedStatefulSet({ namespace: spec.namespace, body });
      return;
    } catch (err) {
      if (statusCode(err) !== 409) rethrowKubernetesError(err, `create ${where}`);
    }
    // 409: it exists. Ours means an earlier attempt (or a previous worker) created it: success.
    const existing = await this.read(spec, name);
    if (!existing) throw new Error(`${where} was reported as existing but is gone; retrying the create`);
    this.assertOurs(existing, spec, 'create');
    if (existing.metadata?.deletionTimestamp) {
      // Retryable: the name is free again once the old group has drained and disappeared.
      throw new Error(`${where} is still being deleted; it can be created again once it is gone`);
    }
  }

  async delete(spec: WarehouseSpec, index: number): Promise<void> {
    const name = groupName(index);
    const existing = await this.read(spec, name);
    if (!existing) return;
    this.assertOurs(existing, spec, 'delete');
    if (existing.metadata?.deletionTimestamp) return;
    try {
      await this.apps.deleteNamespacedStatefulSet({
        name,
        namespace: spec.namespace,
        // In the body, not as a query parameter: the API server ignores the query's options when a body is sent.
        body: {
          // Foreground: the StatefulSet stays (listed as deleting) until its pods have drained and are gone, so
          // its name is not reused while old executors still run queries.
          propagationPolicy: 'Foreground',
          // Only the object we just checked: never one that replaced it in between.
          preconditions: { uid: existing.metadata?.uid },
        },
      });
    } catch (err) {
      if (statusCode(err) === 404) return;
      rethrowKubernetesError(err, `delete StatefulSet ${name} in namespace ${spec.namespace}`);
    }
  }

  private async read(spec: WarehouseSpec, name: string): Promise<V1StatefulSet | undefined> {
    try {
      return await this.apps.readNamespacedStatefulSet({ name, namespace: spec.namespace });
    } catch (err) {
      if (statusCode(err) === 404) return undefined;
      rethrowKubernetesError(err, `read StatefulSet ${name} in namespace ${spec.namespace}`);
    }
  }

  private assertOurs(sts: V1StatefulSet, spec: WarehouseSpec, verb: 'create' | 'delete'): void {
    if (isOurs(sts.metadata?.labels, spec)) return;
    const name = sts.metadata?.name;
    throw nonRetryable(
      `cannot ${verb} executor group ${name} of warehouse ${spec.name}: StatefulSet ${name} in namespace ` +
        `${spec.namespace} exists but is not managed by impala-autoscaler for this warehouse (labels: ` +
        `${describeLabels(sts.metadata?.labels)}; expected ${MANAGED_BY}=impala-autoscaler,${WAREHOUSE}=${spec.name}). ` +
        'It was left untouched: rename or remove it, or label it to let the autoscaler manage it.',
    );
  }

  private async template(spec: WarehouseSpec, listed: V1StatefulSet[] = []): Promise<V1StatefulSet> {
    const key = `${spec.namespace}/${spec.executorTemplate}`;
    const cached = this.templates.get(key);
    if (cached) return cached;
    let template: V1StatefulSet;
    let source: string;
    if (isManifestPath(spec.executorTemplate)) {
      source = `file ${spec.executorTemplate}`;
      template = await readTemplateFile(spec.executorTemplate);
    } else {
      source = `StatefulSet ${spec.executorTemplate} in namespace ${spec.namespace}`;
      const found = (await this.read(spec, spec.executorTemplate)) ?? (await this.anyGroup(spec, listed));
      if (!found) {
        throw nonRetryable(
          `executor template ${source} not found, and no group of warehouse ${spec.name} exists to copy: create ` +
            'it again, or set executorTemplate to a manifest file (e.g. deploy/executor-template.yaml)',
        );
      }
      template = found;
    }
    validateTemplate(template, source);
    this.templates.set(key, template);
    return template;
  }

  /**
   * After a worker restart while the template StatefulSet is gone (deleted by a suspend), any existing group is an
   * exact clone of it: cloning rewrites every group-specific field.
   */
  private async anyGroup(spec: WarehouseSpec, listed: V1StatefulSet[]): Promise<V1StatefulSet | undefined> {
    if (listed.length > 0) return listed[0];
    try {
      const res = await this.apps.listNamespacedStatefulSet({
        namespace: spec.namespace,
        labelSelector: warehouseSelector(spec),
        limit: 1,
      });
      return res.items[0];
    } catch (err) {
      rethrowKubernetesError(err, `list StatefulSets of warehouse ${spec.name} in namespace ${spec.namespace}`);
    }
  }
}
