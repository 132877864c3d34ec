// The executor template and the group StatefulSet cloned from it. The template is an existing StatefulSet (by name)
// or a manifest file; cloning keeps everything the user configured (image, resources, probes, preStop, volumes) and
// sets only what makes it group NNN: name, labels, selector, replicas, Parallel pod management, --executor_groups.
import { readFile } from 'node:fs/promises';
import type { V1Container, V1StatefulSet } from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { groupName, impalaGroupName } from '../../policy/names';
import type { WarehouseSpec } from '../../policy/types';
import { nonRetryable } from './errors';
import { EXECUTOR_GROUP, groupLabels } from './labels';

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
  if (errors.length > 0) throw nonRetryable(`executor template file ${path} is not valid YAML/JSON: ${errors[0].message}`);
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
    throw nonRetryable(`executor template ${source} has no spec.template.spec.containers: it is not a usable StatefulSet`);
  }
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

export function buildGroupStatefulSet(template: V1StatefulSet, spec: WarehouseSpec, index: number): V1StatefulSet {
  const tplSpec = template.spec!;
  const podTemplate = tplSpec.template;
  const labels = groupLabels(spec, index);
  const annotations = { ...(template.metadata?.annotations ?? {}) };
  // Copied from a kubectl-applied template, this would make `kubectl apply` of the template diff against a group.
  delete annotations['kubectl.kubernetes.io/last-applied-configuration'];
  const templateLabels = { ...(template.metadata?.labels ?? {}) };
  const podLabels = { ...(podTemplate.metadata?.labels ?? {}), ...labels };
  // The group label in the selector keeps the groups' selectors disjoint: each StatefulSet selects only its pods.
  const matchLabels = { ...(tplSpec.selector.matchLabels ?? {}), [EXECUTOR_GROUP]: labels[EXECUTOR_GROUP] };

  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: {
      name: groupName(index),
      namespace: spec.namespace,
      labels: { ...templateLabels, ...labels },
      ...(Object.keys(annotations).length ? { annotations } : {}),
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
