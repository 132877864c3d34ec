// The shipped deploy/ manifests as kustomize builds them, applied to a test cluster, and the worker's ServiceAccount
// credentials (a token from the TokenRequest API): what the RBAC test and the shipped-deploy chaos case run with.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CoreV1Api, KubeConfig, KubernetesObjectApi, type KubernetesObject } from '@kubernetes/client-node';
import { parse, parseAllDocuments } from 'yaml';
import { parseWarehousesText } from '../../../../src/config/warehouses-file';
import type { WarehouseSpec } from '../../../../src/policy/types';
import { eventually } from '../../../support/eventually';

export const DEPLOY = join(__dirname, '../../../../deploy');
/** The namespace deploy/ names. */
export const DEPLOY_NAMESPACE = 'impala';

/** deploy/ as kustomize would build it with `namespace: <ns>` (as shipped without one). */
export function deployObjects(namespace = DEPLOY_NAMESPACE): KubernetesObject[] {
  const kustomization = parse(readFileSync(join(DEPLOY, 'kustomization.yaml'), 'utf8')) as { resources: string[] };
  return kustomization.resources.flatMap((file) =>
    parseAllDocuments(readFileSync(join(DEPLOY, file), 'utf8')).map((d) => {
      const obj = d.toJS() as KubernetesObject & { subjects?: { namespace?: string }[] };
      if (obj.kind === 'Namespace') obj.metadata!.name = namespace;
      else obj.metadata!.namespace = namespace;
      obj.subjects?.forEach((s) => (s.namespace = namespace));
      return obj;
    }),
  );
}

/** The warehouse of deploy/configmap.yaml, validated as the worker reads it from the mounted ConfigMap. */
export function shippedWarehouse(): WarehouseSpec {
  const config = deployObjects().find((o) => o.kind === 'ConfigMap') as KubernetesObject & {
    data: Record<string, string>;
  };
  const [warehouse] = parseWarehousesText(config.data['warehouses.yaml'], 'deploy/configmap.yaml');
  return warehouse;
}

/** Creates the objects in order (the Namespace first, as deploy/kustomization.yaml lists it). */
export async function applyObjects(admin: KubeConfig, objects: KubernetesObject[]): Promise<void> {
  const api = KubernetesObjectApi.makeApiClient(admin);
  for (const obj of objects) await api.create(obj);
}

/** A kubeconfig that authenticates as the worker's ServiceAccount `impala-autoscaler` of `namespace`, as in the Deployment. */
export async function serviceAccountKubeConfig(admin: KubeConfig, namespace: string): Promise<KubeConfig> {
  const core = admin.makeApiClient(CoreV1Api);
  await eventually(
    `the default ServiceAccount of namespace ${namespace}`,
    () => core.readNamespacedServiceAccount({ name: 'default', namespace }),
    30_000,
    100,
  );
  const tokenRequest = await core.createNamespacedServiceAccountToken({
    name: 'impala-autoscaler',
    namespace,
    body: { spec: { audiences: [], expirationSeconds: 3600 } },
  });
  const cluster = admin.getCurrentCluster()!;
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'local', server: cluster.server, caFile: cluster.caFile }],
    users: [{ name: 'impala-autoscaler', token: tokenRequest.status!.token }],
    contexts: [{ name: 'worker', cluster: 'local', user: 'impala-autoscaler', namespace }],
    currentContext: 'worker',
  });
  return kc;
}
