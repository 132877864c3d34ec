// Why a group is not Ready, in Kubernetes' own words and in one line: from its pods (scheduling, container waiting or
// crashing), else — no pods, or fewer than it wants — from the latest Warning event of its StatefulSet (a quota or an
// admission refusing the pods). Pods are listed once per `list` for the whole warehouse; a group costs an extra call
// only when its pods do not say why.
import type { CoreV1Api, CoreV1Event, V1Pod, V1StatefulSet } from '@kubernetes/client-node';

/** Container states every starting pod passes through: not a problem. */
const STARTING = new Set(['ContainerCreating', 'PodInitializing']);
const MAX_LENGTH = 320;

/** What the pods of one group say, or undefined when none of them is stuck. */
export function podProblem(pods: V1Pod[]): string | undefined {
  const sorted = [...pods].sort((a, b) =>
    (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? '', undefined, { numeric: true }),
  );
  for (const pod of sorted) {
    if (pod.metadata?.deletionTimestamp) continue;
    const name = pod.metadata?.name ?? '?';
    const scheduled = pod.status?.conditions?.find((c) => c.type === 'PodScheduled');
    if (scheduled?.status === 'False')
      return short(
        `pod ${name} is ${pod.status?.phase ?? 'Pending'}: ${scheduled.reason ?? 'not scheduled'}: ${firstSentence(scheduled.message)}`,
      );
    for (const c of [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])]) {
      const waiting = c.state?.waiting;
      if (waiting?.reason && !STARTING.has(waiting.reason))
        return short(
          `pod ${name} is not ready: ${waiting.reason}${waiting.message ? `: ${firstSentence(waiting.message)}` : ''}`,
        );
      const ended = c.state?.terminated ?? (c.restartCount ? c.lastState?.terminated : undefined);
      if (ended && ended.exitCode !== 0)
        return short(
          `pod ${name} is not ready: container ${c.name} ${ended.reason ?? 'exited'} (exit code ${ended.exitCode})`,
        );
    }
  }
  return undefined;
}

/** For a group with fewer pods than it wants: the latest Warning event of its StatefulSet, if any. */
export async function eventProblem(core: CoreV1Api, sts: V1StatefulSet, pods: number): Promise<string | undefined> {
  const name = sts.metadata?.name ?? '?';
  const events = await core.listNamespacedEvent({
    namespace: sts.metadata?.namespace ?? '',
    fieldSelector: `involvedObject.kind=StatefulSet,involvedObject.name=${name},involvedObject.uid=${sts.metadata?.uid},type=Warning`,
  });
  const latest = events.items.sort((a, b) => eventTime(b) - eventTime(a))[0];
  if (!latest) return undefined;
  const wanted = sts.spec?.replicas ?? 1;
  return short(
    `StatefulSet ${name} has ${pods} of ${wanted} pods: ${latest.reason ?? 'Warning'}: ${latest.message ?? ''}`.trim(),
  );
}

function eventTime(e: CoreV1Event): number {
  const t = e.lastTimestamp ?? e.eventTime ?? e.metadata?.creationTimestamp;
  return t ? new Date(t).getTime() : 0;
}

/** The scheduler appends a preemption report after its first sentence; the first sentence says why. */
function firstSentence(message: string | undefined): string {
  if (!message) return '';
  const end = message.indexOf('. ');
  return end >= 0 ? message.slice(0, end + 1) : message;
}

function short(line: string): string {
  const one = line.replace(/\s+/g, ' ');
  return one.length > MAX_LENGTH ? `${one.slice(0, MAX_LENGTH - 1)}…` : one;
}
