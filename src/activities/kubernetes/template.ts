// The executor template and the group StatefulSet cloned from it. The template is an existing StatefulSet (by name)
// or a manifest file; cloning keeps everything the user configured (image, resources, probes, preStop, volumes) and
// sets only what makes it group NNN: name, labels, selector, replicas, Parallel pod management, --executor_groups,
// and the annotation naming the template revision it was cloned from.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { V1Container, V1ObjectMeta, V1StatefulSet } from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { groupName, impalaGroupName } from '../../policy/names';
import type { WarehouseSpec } from '../../policy/types';
import { nonRetryable } from './errors';
import { EXECUTOR_GROUP, EXECUTOR_GROUP_SET, groupLabels, MANAGED_BY, TEMPLATE_REVISION, WAREHOUSE } from './labels';

export { isManifestPath } from '../../config/warehouse-spec';

export async function readTemplateFile(path: string): Promise<V1StatefulSet> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw nonRetryable(`executor template file ${path} cannot be read: ${(err as Error).message}`);
  }
  const docs = parseAllDocuments(text).filter((d) => d.contents !== null);
  const errors = docs.flatMap((d) => d.errors);
  if (errors.length > 0)
    throw nonRetryable(`executor template file ${path} is not valid YAML/JSON: ${errors[0].message}`);
  const statefulSets = docs.map((d) => d.toJS() as V1StatefulSet).filter((o) => o?.kind === 'StatefulSet');
  if (statefulSets.length !== 1) {
    throw nonRetryable(
      `executor template file ${path} must hold exactly one StatefulSet (apiVersion apps/v1), found ${statefulSets.length}`,
    );
  }
  return statefulSets[0];
}

/** Checks what cloning needs, so that a bad template fails with its own name rather than as a 422 per group. */
export function validateTemplate(template: V1StatefulSet, source: string): void {
  const containers = template.spec?.template?.spec?.containers;
  if (!template.spec || !containers || containers.length === 0) {
    throw nonRetryable(
      `executor template ${source} has no spec.template.spec.containers: it is not a usable StatefulSet`,
    );
  }
  if (!template.spec.selector)
    throw nonRetryable(`executor template ${source} has no spec.selector: it is not a usable StatefulSet`);
}

/** Copied from a kubectl-applied template, this would make `kubectl apply` of the template diff against a group. */
const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

/**
 * The template as the workflow keeps it: plain JSON without what the API server sets (uid, resourceVersion, status,
 * managedFields, …) and without what cloning sets for each group (name, namespace, the autoscaler's labels, replicas,
 * pod management), so that a template StatefulSet and any group cloned from it give the same manifest.
 */
export function templateManifest(sts: V1StatefulSet): V1StatefulSet {
  // Through JSON: the client's Date objects become strings and absent (undefined) fields disappear.
  const plain = JSON.parse(JSON.stringify(sts)) as V1StatefulSet;
  const spec = plain.spec!;
  const { replicas: _r, podManagementPolicy: _p, ...kept } = spec;
  const matchLabels = without(spec.selector?.matchLabels, [EXECUTOR_GROUP]);
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: userMeta(plain.metadata),
    spec: {
      ...kept,
      selector: { ...spec.selector, ...(matchLabels ? { matchLabels } : {}) },
      template: { ...spec.template, metadata: userMeta(spec.template?.metadata) },
      ...(spec.volumeClaimTemplates
        ? {
            volumeClaimTemplates: spec.volumeClaimTemplates.map(({ status: _s, metadata, ...claim }) => ({
              ...claim,
              metadata: { name: metadata?.name, ...userMeta(metadata) },
            })),
          }
        : {}),
    },
  };
}

/** Labels and annotations the user set: the autoscaler's own and kubectl's bookkeeping are left out. */
function userMeta(meta: V1ObjectMeta | undefined): V1ObjectMeta {
  const labels = without(meta?.labels, [MANAGED_BY, WAREHOUSE, EXECUTOR_GROUP, EXECUTOR_GROUP_SET]);
  const annotations = without(meta?.annotations, [LAST_APPLIED, TEMPLATE_REVISION]);
  return { ...(labels ? { labels } : {}), ...(annotations ? { annotations } : {}) };
}

function without(map: Record<string, string> | undefined, keys: string[]): Record<string, string> | undefined {
  const entries = Object.entries(map ?? {}).filter(([k]) => !keys.includes(k));
  return entries.length ? Object.fromEntries(entries) : undefined;
}

/**
 * A short hash of a template manifest's content. The --executor_groups flag is set as cloning sets it (to a
 * placeholder), so a template without the flag and a group with it hash alike.
 */
export function templateRevision(manifest: V1StatefulSet): string {
  const pod = manifest.spec!.template;
  const normalised = {
    ...manifest,
    spec: {
      ...manifest.spec,
      template: {
        ...pod,
        spec: { ...pod.spec, containers: withExecutorGroupsFlag(pod.spec!.containers, '--executor_groups=*') },
      },
    },
  };
  return createHash('sha256').update(canonicalJson(normalised)).digest('hex').slice(0, 12);
}

/**
 * The template revision a StatefulSet runs: the annotation set when the autoscaler created it, while its spec is
 * still as created (generation 1); else — a template StatefulSet, a group edited since (`kubectl apply`) — its content's.
 */
export function revisionOf(sts: V1StatefulSet): string {
  const stamped = sts.metadata?.annotations?.[TEMPLATE_REVISION];
  return stamped && sts.metadata?.generation === 1 ? stamped : templateRevision(templateManifest(sts));
}

/** JSON with object keys sorted: the same content always hashes alike. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined && v !== null);
    return `{${entries
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

const FLAG = /(^|\s)--?executor_groups=\S*/;

/** Replaces Impala's --executor_groups flag wherever the container sets it, else appends it to the first container. */
export function withExecutorGroupsFlag(containers: V1Container[], flag: string): V1Container[] {
  let replaced = false;
  const rewrite = (list: string[] | undefined) =>
    list?.map((s) => {
      if (!FLAG.test(s)) return s;
      replaced = true;
      return s.replace(FLAG, (_m, lead: string) => `${lead}${flag}`);
    });
  const out = containers.map((c) => ({ ...c, command: rewrite(c.command), args: rewrite(c.args) }));
  if (!replaced) out[0] = { ...out[0], args: [...(out[0].args ?? []), flag] };
  return out.map((c) => {
    // Keep the fields absent (not `undefined`) when the template had none.
    const copy = { ...c };
    if (copy.command === undefined) delete copy.command;
    if (copy.args === undefined) delete copy.args;
    return copy;
  });
}

export function executorGroupsFlag(spec: WarehouseSpec, index: number): string {
  return `--executor_groups=${impalaGroupName(spec.groupSet, index)}:${spec.executorsPerGroup}`;
}

/** `template` is a templateManifest(); `revision` its templateRevision(), recorded on the group. */
export function buildGroupStatefulSet(
  template: V1StatefulSet,
  spec: WarehouseSpec,
  index: number,
  revision: string,
): V1StatefulSet {
  const tplSpec = template.spec!;
  const podTemplate = tplSpec.template;
  const labels = groupLabels(spec, index);
  const annotations = { ...(template.metadata?.annotations ?? {}), [TEMPLATE_REVISION]: revision };
  const templateLabels = { ...(template.metadata?.labels ?? {}) };
  const podLabels = { ...(podTemplate.metadata?.labels ?? {}), ...labels };
  // The group label in the selector keeps the groups' selectors disjoint: each StatefulSet selects only its pods.
  const matchLabels = { ...(tplSpec.selector.matchLabels ?? {}), [EXECUTOR_GROUP]: labels[EXECUTOR_GROUP] };

  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: {
      name: groupName(index, spec.groupPrefix),
      namespace: spec.namespace,
      labels: { ...templateLabels, ...labels },
      annotations,
    },
    spec: {
      ...tplSpec,
      replicas: spec.executorsPerGroup,
      podManagementPolicy: 'Parallel',
      selector: { ...tplSpec.selector, matchLabels },
      template: {
        ...podTemplate,
        metadata: { ...(podTemplate.metadata ?? {}), labels: podLabels },
        spec: {
          ...podTemplate.spec!,
          containers: withExecutorGroupsFlag(podTemplate.spec!.containers, executorGroupsFlag(spec, index)),
        },
      },
    },
  };
}
