// Kubernetes API errors, classified for Temporal: what a retry can fix (5xx, 429, timeouts, conflicts, lost
// connections) is thrown as a plain Error and retried by the activity's retry policy; what it cannot (invalid
// object, forbidden, missing namespace) is a non-retryable ApplicationFailure, so the workflow shows it at once.
import { ApiException } from '@kubernetes/client-node';
import { ApplicationFailure } from '@temporalio/common';

export const KUBERNETES_ERROR = 'KubernetesError';

const NON_RETRYABLE = new Set([400, 401, 403, 404, 405, 422]);

/** The API's own message (a Status object's `message`), else the HTTP status. */
export function apiMessage(err: ApiException<unknown>): string {
  let body: unknown = err.body;
  if (typeof body === 'string') {
    const text = body;
    try {
      body = JSON.parse(text);
    } catch {
      return text.trim() || `HTTP ${err.code}`;
    }
  }
  if (body && typeof body === 'object' && typeof (body as { message?: unknown }).message === 'string') {
    return (body as { message: string }).message;
  }
  return `HTTP ${err.code}`;
}

export function statusCode(err: unknown): number | undefined {
  return err instanceof ApiException ? err.code : undefined;
}

function hint(code: number, message: string): string {
  switch (code) {
    case 401:
      return ' (the credentials were rejected: check the kubeconfig or the ServiceAccount token)';
    case 403:
      // 403 is also how a ResourceQuota or an admission policy refuses an object: only RBAC's refusal is about us.
      if (/exceeded quota/.test(message))
        return " (a ResourceQuota of the namespace refuses it: raise the quota, or lower the warehouse's nodes.max)";
      if (/ cannot \S+ resource /.test(message))
        return " (the worker's ServiceAccount lacks this permission: apply deploy/role.yaml in this namespace)";
      return '';
    case 404:
      return ' (does the namespace exist?)';
    case 422:
      return ' (the executor template produces an invalid StatefulSet: fix the template)';
    default:
      return '';
  }
}

/**
 * Rethrows `err` classified. `doing` names the operation and the object, e.g.
 * "create StatefulSet impala-executor-001 in namespace impala".
 */
export function rethrowKubernetesError(err: unknown, doing: string): never {
  if (err instanceof ApplicationFailure) throw err;
  if (err instanceof ApiException) {
    const refusal = apiMessage(err);
    const message = `Kubernetes API refused to ${doing}: ${err.code} ${refusal}`;
    if (NON_RETRYABLE.has(err.code)) {
      throw ApplicationFailure.nonRetryable(message + hint(err.code, refusal), KUBERNETES_ERROR);
    }
    throw new Error(message);
  }
  // Connection refused/reset, DNS, TLS handshake and request timeouts: the API server may be back on the next try.
  const e = err as Error & { code?: string; cause?: { code?: string; message?: string } };
  const detail = e.cause?.code ?? e.code ?? e.cause?.message ?? e.message;
  throw new Error(`could not ${doing}: ${detail}`);
}

export function nonRetryable(message: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(message, KUBERNETES_ERROR);
}
