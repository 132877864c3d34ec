// The loop's sleep of runs started before the fifth release (src/workflows/alarm.ts has the current one): a scope
// per sleep raced against a wake-up condition. A ring cancels the timer once the condition has unblocked, after the
// handlers' own commands (an update's completion): the order their recorded histories hold, so they keep it until
// they continue as new.
import { CancellationScope, condition, sleep } from '@temporalio/workflow';
import type { LoopAlarm } from './alarm';

export class RaceAlarm implements LoopAlarm {
  private rung = false;
  /** Resolves false once a message rings: made once per ring, not once per tick. */
  private armed?: Promise<boolean>;

  /** From a signal or update handler: the loop runs its next tick now. */
  ring(): void {
    this.rung = true;
  }

  /** At the start of a tick: a ring from before it has been served; one during it wakes the next sleep at once. */
  reset(): void {
    if (!this.rung) return;
    this.rung = false;
    this.armed = undefined;
  }

  /**
   * Resolves true when the whole interval passed, false when a ring woke it early. Not an async function, and no
   * promise more than the timer, its scope and the race: the SDK captures a source-mapped stack for every promise
   * workflow code creates, which made this sleep the costliest part of an idle tick (bench:scale --cpu-prof).
   */
  sleep(ms: number): Promise<boolean> {
    this.armed ??= condition(() => this.rung).then(() => false);
    const timer = new CancellationScope();
    const timedOut = timer
      .run(() => sleep(ms))
      .then(
        () => true,
        // Cancelled below, after a ring: nothing to report.
        () => false,
      );
    return Promise.race([timedOut, this.armed]).then((whole) => {
      if (!whole) timer.cancel();
      return whole;
    });
  }
}
