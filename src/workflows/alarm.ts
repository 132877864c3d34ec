// The loop's sleep between ticks, cut short by an operator's message: one timer, cancelled only when a message wakes
// the loop early, at a fraction of the promises. The SDK captures a source-mapped stack for every promise workflow
// code creates, and at thousands of warehouses on one worker that capture was the largest share of an idle tick's
// workflow-thread time beyond the bare loop's (bench:scale --cpu-prof). `condition` with a timeout, and a new
// CancellationScope raced against an armed condition on every tick, each cost several promises (and the former a
// CancelledFailure with a stack on every tick); here a tick costs the timer's promises and one `then`. A ring cancels
// the timer from its handler, so the CancelTimer command comes before an update's completion: runs started before
// the fifth release keep the other order (src/workflows/race-alarm.ts).
import { CancellationScope, sleep } from '@temporalio/workflow';

/**
 * Sleeps one scope serves before the next gets a new one: each sleep's timer adds a reaction to its scope's
 * cancellation promise, held until the scope goes, and each new scope one to the root scope's, held for the run.
 */
const SLEEPS_PER_SCOPE = 100;

/** What the loop needs of its sleep; the run's release picks the implementation (Warehouse's constructor). */
export interface LoopAlarm {
  /** From a signal or update handler: the loop runs its next tick now. */
  ring(): void;
  /** At the start of a tick: a ring from before it has been served; one during it wakes the next sleep at once. */
  reset(): void;
  /** Resolves true when the whole interval passed, false when a ring woke it early. */
  sleep(ms: number): Promise<boolean>;
}

export class Alarm implements LoopAlarm {
  private rung = false;
  /**
   * The scope the sleeps run in until a ring cancels it (and with it the one timer pending in it). Kept across ticks:
   * building a scope costs three promises, so a new one is made only after a ring, or after SLEEPS_PER_SCOPE.
   */
  private scope?: CancellationScope;
  private sleepsInScope = 0;
  /** A sleep is pending in `scope`: a ring now cancels its timer. */
  private sleeping = false;

  ring(): void {
    this.rung = true;
    if (this.sleeping) this.scope?.cancel();
  }

  reset(): void {
    if (!this.rung) return;
    this.rung = false;
    // Cancelled, or to be cancelled by the sleep that serves the ring: the next sleep needs a fresh scope.
    this.scope = undefined;
  }

  /**
   * Not an async function: each promise costs a stack capture. A ring that came during the tick starts the timer and
   * cancels it at once, the commands the race it replaces issued.
   */
  sleep(ms: number): Promise<boolean> {
    if (!this.scope || this.sleepsInScope >= SLEEPS_PER_SCOPE) {
      this.scope = new CancellationScope();
      this.sleepsInScope = 0;
    }
    const scope = this.scope;
    this.sleepsInScope += 1;
    this.sleeping = true;
    const whole = scope
      .run(() => sleep(ms))
      .then(
        () => this.woke(true),
        // Cancelled by a ring: nothing to report.
        () => this.woke(false),
      );
    if (this.rung) scope.cancel();
    return whole;
  }

  private woke(whole: boolean): boolean {
    this.sleeping = false;
    return whole;
  }
}
