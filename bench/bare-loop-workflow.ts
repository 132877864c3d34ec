// The machine's ceiling for bench:scale: the barest loop a Temporal workflow can run — a no-op local activity and a
// timer, nothing else (no state, no search attributes, no details, no logging). Its ticks per second at the same N
// and poll interval are what our warehouse workflow's are compared with.
import { continueAsNew, proxyLocalActivities, sleep, workflowInfo } from '@temporalio/workflow';

export interface BareLoopActivities {
  noop(): Promise<void>;
}

const { noop } = proxyLocalActivities<BareLoopActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { maximumAttempts: 1 },
});

export async function bareLoopWorkflow(pollMs: number): Promise<void> {
  for (;;) {
    await noop();
    if (workflowInfo().continueAsNewSuggested) return continueAsNew<typeof bareLoopWorkflow>(pollMs);
    await sleep(pollMs);
  }
}
