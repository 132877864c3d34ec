// Where the local control plane's executables are. scripts/k8s/ensure-k8s.sh builds them into the cache and prints
// the directory; IMPALA_AUTOSCALER_K8S_BIN overrides it (e.g. binaries built elsewhere).
import { accessSync, constants } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export const K8S_VERSION = 'v1.37.2';
export const BIN_DIR_ENV = 'IMPALA_AUTOSCALER_K8S_BIN';

export const EXECUTABLES = ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kwok'] as const;
export type Executable = (typeof EXECUTABLES)[number];

export function defaultBinDir(env: NodeJS.ProcessEnv = process.env): string {
  const cache = env.IMPALA_AUTOSCALER_CACHE || join(homedir(), '.cache', 'impala-autoscaler');
  return join(cache, `k8s-${K8S_VERSION}`);
}

/** The directory holding all five executables; throws naming what is missing and the command that builds it. */
export function resolveBinDir(env: NodeJS.ProcessEnv = process.env): string {
  const dir = env[BIN_DIR_ENV] || defaultBinDir(env);
  const missing = EXECUTABLES.filter((name) => {
    try {
      accessSync(join(dir, name), constants.X_OK);
      return false;
    } catch {
      return true;
    }
  });
  if (missing.length > 0) {
    const from = env[BIN_DIR_ENV] ? `${BIN_DIR_ENV}=${dir}` : dir;
    throw new Error(
      `the local Kubernetes control plane is not built: ${missing.join(', ')} missing in ${from}. ` +
        'Run `bash scripts/k8s/ensure-k8s.sh` (builds it from Go modules: about 15 minutes the first time, ' +
        `then cached), or set ${BIN_DIR_ENV} to a directory holding ${EXECUTABLES.join(', ')}.`,
    );
  }
  return dir;
}
