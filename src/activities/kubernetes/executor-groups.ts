// The real ExecutorGroups: one StatefulSet per executor group, found by label (docs/design.md, "Executor groups on
// Kubernetes"). Create and delete are idempotent so that Temporal's activity retries never make a second group or
// fail on a group already gone, and an object with a group's name that is not ours is never overwritten or deleted:
// `list` reports such names as taken, so that the policy numbers new groups around them. Nothing is kept between
// calls: the template comes from the workflow's state (captureTemplate), so any worker can create any group. Each
// create and delete that changes a group records why as a Kubernetes Event on its StatefulSet (scale-events.ts).
import { ApplicationFailure } from '@temporalio/common';
import { AppsV1Api, CoreV1Api, type KubeConfig, type V1Pod, type V1StatefulSet } from '@kubernetes/client-node';
import { groupIndex, groupName } from '../../policy/names';
import type { WarehouseSpec } from '../../policy/types';
import type { CapturedTemplate, ExecutorGroups, GroupListing, ListedGroup, ScaleEvent } from '../interfaces';
import { nonRetryable, rethrowKubernetesError, statusCode } from './errors';
import { eventProblem, podProblem } from './group-problems';
import { describeLabels, EXECUTOR_GROUP_SET, groupsSelector, isOurs, MANAGED_BY, WAREHOUSE } from './labels';
import { type EventLog, type EventTarget, emitScaleEvent } from './scale-events';
import {
  buildGroupStatefulSet,
  isManifestPath,
  readTemplateFile,
  revisionOf,
  templateManifest,
  templateRevision,
  validateTemplate,
} from './template';

export class KubernetesExecutorGroups implements ExecutorGroups {
  private readonly apps: AppsV1Api;
  private readonly core: CoreV1Api;
  private readonly log: EventLog;

  /** `log`: where an event that could not be recorded is reported (the worker's logger). */
  constructor(kubeConfig: KubeConfig, opts: { log?: EventLog } = {}) {
    this.apps = kubeConfig.makeApiClient(AppsV1Api);
    this.core = kubeConfig.makeApiClient(CoreV1Api);
    this.log = opts.log ?? ((line) => console.warn(line));
  }

  /** Not awaited: the action it describes is done, and must not wait for its event (scale-events.ts). */
  private emit(target: EventTarget, event: ScaleEvent): void {
    void emitScaleEvent(this.core, target, event, this.log);
  }

  async list(spec: WarehouseSpec): Promise<GroupListing> {
    // The whole namespace, not only the warehouse's labels: a group name held by anything else is taken.
    let items: V1StatefulSet[];
    try {
      items = (await this.apps.listNamespacedStatefulSet({ namespace: spec.namespace })).items;
    } catch (err) {
      rethrowKubernetesError(err, `list StatefulSets of warehouse ${spec.name} in namespace ${spec.namespace}`);
    }
    const groups: { group: ListedGroup; sts: V1StatefulSet }[] = [];
    const takenIndexes: number[] = [];
    for (const sts of items) {
      const name = sts.metadata?.name ?? '';
      const index = groupIndex(name);
      // A set's groups carry its prefix (impala-executor-root-small-NNN); a one-set warehouse's are impala-executor-NNN.
      if (index === undefined || name !== groupName(index, spec.groupPrefix)) continue;
      if (!isOurs(sts.metadata?.labels, spec)) {
        takenIndexes.push(index);
        continue;
      }
      const group: ListedGroup = {
        name,
        index,
        ready: (sts.status?.readyReplicas ?? 0) === (sts.spec?.replicas ?? 1),
        deleting: Boolean(sts.metadata?.deletionTimestamp),
        templateRevision: revisionOf(sts),
      };
      groups.push({ group, sts });
    }
    await this.explainNotReady(
      spec,
      groups.filter(({ group }) => !group.ready && !group.deleting),
    );
    return {
      groups: groups.map(({ group }) => group).sort((a, b) => a.index - b.index),
      takenIndexes: takenIndexes.sort((a, b) => a - b),
    };
  }

  /** Fills `problem` of not-ready groups. Best effort: a group is listed without a problem rather than not listed. */
  private async explainNotReady(
    spec: WarehouseSpec,
    notReady: { group: ListedGroup; sts: V1StatefulSet }[],
  ): Promise<void> {
    if (notReady.length === 0) return;
    let pods: V1Pod[];
    try {
      pods = (await this.core.listNamespacedPod({ namespace: spec.namespace, labelSelector: groupsSelector(spec) }))
        .items;
    } catch {
      return;
    }
    await Promise.all(
      notReady.map(async ({ group, sts }) => {
        const own = pods.filter((p) => p.metadata?.ownerReferences?.some((o) => o.uid === sts.metadata?.uid));
        const problem =
          podProblem(own) ??
          (own.length < (sts.spec?.replicas ?? 1)
            ? await eventProblem(this.core, sts, own.length).catch(() => undefined)
            : undefined);
        if (problem) group.problem = problem;
      }),
    );
  }

  async captureTemplate(
    spec: WarehouseSpec,
    { copyGroup = true }: { copyGroup?: boolean } = {},
  ): Promise<CapturedTemplate> {
    let found: V1StatefulSet;
    let source: string;
    if (isManifestPath(spec.executorTemplate)) {
      source = `file ${spec.executorTemplate}`;
      found = await readTemplateFile(spec.executorTemplate);
    } else {
      const named = `StatefulSet ${spec.executorTemplate} in namespace ${spec.namespace}`;
      const template = await this.read(spec, spec.executorTemplate);
      // Suspend deletes every group, and the template is often group 000; after that any group of the warehouse is
      // an exact clone of it (cloning rewrites every group-specific field).
      if (!template && !copyGroup) throw nonRetryable(`executor template ${named} not found`);
      const group = template ? undefined : await this.anyGroup(spec);
      if (!template && !group) {
        throw nonRetryable(
          `executor template ${named} not found, and no group of warehouse ${spec.name} exists to copy: create ` +
            'it again, or set executorTemplate to a manifest file (e.g. deploy/executor-template.yaml)',
        );
      }
      found = (template ?? group)!;
      source = template ? named : `group ${found.metadata?.name} of warehouse ${spec.name} (${named} is gone)`;
    }
    validateTemplate(found, source);
    const manifest = templateManifest(found);
    return {
      manifest: manifest as Record<string, unknown>,
      revision: templateRevision(manifest),
      source,
      capturedAt: new Date().toISOString(),
    };
  }

  async create(spec: WarehouseSpec, index: number, template?: CapturedTemplate, event?: ScaleEvent): Promise<void> {
    try {
      await this.createGroup(spec, index, template, event);
    } catch (err) {
      // Only a refusal no retry can change is the scale-up's failure; a retried attempt may still succeed.
      if (event && err instanceof ApplicationFailure && err.nonRetryable)
        this.emit(
          { name: groupName(index, spec.groupPrefix), namespace: spec.namespace },
          { reason: 'ScaleUpFailed', message: `${event.message} Creating it failed: ${err.message}` },
        );
      throw err;
    }
  }

  private async createGroup(
    spec: WarehouseSpec,
    index: number,
    template: CapturedTemplate | undefined,
    event: ScaleEvent | undefined,
  ): Promise<void> {
    const name = groupName(index, spec.groupPrefix);
    const where = `StatefulSet ${name} in namespace ${spec.namespace}`;
    const { manifest, revision } = template ?? (await this.captureTemplate(spec));
    if (!manifest)
      throw nonRetryable(
        `the executor template given for ${where} has no manifest (captured by another ExecutorGroups implementation)`,
      );
    const body = buildGroupStatefulSet(manifest as V1StatefulSet, spec, index, revision);
    try {
      const created = await this.apps.createNamespacedStatefulSet({ namespace: spec.namespace, body });
      if (event) this.emit({ name, namespace: spec.namespace, uid: created.metadata?.uid }, event);
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

  async delete(spec: WarehouseSpec, index: number, event?: ScaleEvent): Promise<void> {
    const name = groupName(index, spec.groupPrefix);
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
    // On the StatefulSet being deleted: it stays, listed as deleting, while its pods drain.
    if (event) this.emit({ name, namespace: spec.namespace, uid: existing.metadata?.uid }, event);
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
        `${describeLabels(sts.metadata?.labels)}; expected ${MANAGED_BY}=impala-autoscaler,${WAREHOUSE}=${spec.name}` +
        `${spec.groupPrefix ? `,${EXECUTOR_GROUP_SET}=${spec.groupSet}` : ''}). ` +
        'It was left untouched: rename or remove it, or label it to let the autoscaler manage it.',
    );
  }

  /** A live group of the warehouse (of the set, for a set's spec), if any. */
  private async anyGroup(spec: WarehouseSpec): Promise<V1StatefulSet | undefined> {
    try {
      const res = await this.apps.listNamespacedStatefulSet({
        namespace: spec.namespace,
        labelSelector: groupsSelector(spec),
      });
      return res.items.find((s) => !s.metadata?.deletionTimestamp) ?? res.items[0];
    } catch (err) {
      rethrowKubernetesError(err, `list StatefulSets of warehouse ${spec.name} in namespace ${spec.namespace}`);
    }
  }
}
