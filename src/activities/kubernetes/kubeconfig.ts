// How the worker reaches the API server: an explicit kubeconfig file (tests, the demo, running outside the
// cluster), else the pod's ServiceAccount when running in a cluster, else the usual KUBECONFIG / ~/.kube/config.
import { existsSync } from 'node:fs';
import { KubeConfig } from '@kubernetes/client-node';

export function loadKubeConfigFrom(opts: { kubeconfigPath?: string; env?: NodeJS.ProcessEnv } = {}): KubeConfig {
  const env = opts.env ?? process.env;
  const kc = new KubeConfig();
  if (opts.kubeconfigPath) {
    if (!existsSync(opts.kubeconfigPath)) {
      throw new Error(`kubeconfig ${opts.kubeconfigPath} does not exist: pass the path of a kubeconfig file`);
    }
    kc.loadFromFile(opts.kubeconfigPath);
  } else if (env.KUBERNETES_SERVICE_HOST) {
    kc.loadFromCluster();
  } else {
    kc.loadFromDefault();
  }
  if (!kc.getCurrentCluster()) {
    throw new Error(
      'no Kubernetes cluster configured: set KUBECONFIG (or pass --kubeconfig), or run the worker in a pod with a ServiceAccount',
    );
  }
  return kc;
}
