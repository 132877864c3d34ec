// The loop's sleep between ticks, cut short by an operator's message: one timer, cancelled only when a message wakes
// the loop early, at the promises of a bare `sleep`. The SDK captures a source-mapped stack for every promise
// workflow code creates (each `then`, each `await`, each async call), and at thousands of warehouses on one worker
// that capture was the largest share of an idle tick's workflow-thread time beyond the bare loop's (bench:scale
// --cpu-prof). `condition` with a timeout, and a new CancellationScope raced against an armed condition on every tick,
// each cost several promises (and the former a CancelledFailure with a stack on every tick); here a tick costs the
// timer's own. A ring cancels the timer from its handler, so the CancelTimer command comes before an update's
// completion: runs started before the fifth release keep the other order (src/workflows/race-alarm.ts).
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
  /**
   * Settles when the whole interval passed (true, or no value), or when a ring woke it early: false, or rejected with
   * the ring's cancellation (isCancellation) — a rejection costs no promise of its own, a `then` turning it into false
   * would cost one on every tick.
   */
  sleep(ms: number): Promise<boolean | void>;
}

/**
 * A scope that runs its function directly: the SDK's `run` wraps it in an async function for a scope's timeout, which
 * these scopes never have, at two promises (the call's and its `await`'s) on every tick.
 */
class TimerScope extends CancellationScope {
  protected override runInContext<T>(fn: () => Promise<T>): Promise<T> {
    return fn();
  }
}

export class Alarm implements LoopAlarm {
  private rung = false;
  /**
   * The scope the sleeps run in until a ring cancels it (and with it the one timer pending in it). Kept across ticks:
   * building a scope costs three promises, so a new one is made only after a ring, or after SLEEPS_PER_SCOPE.
   */
  private scope?: CancellationScope;
  private sleepsInScope = 0;

  /**
   * Cancels the scope: its pending timer while the loop sleeps; during a tick it holds none (the tick's activities run
   * in the root scope), and the sleep after the tick serves the ring instead.
   */
  ring(): void {
    this.rung = true;
    this.cancelScope();
  }

  reset(): void {
    this.rung = false;
  }

  /** A ring that came during the tick starts the timer and cancels it at once, the commands the race it replaces issued. */
  sleep(ms: number): Promise<void> {
    if (!this.scope || this.sleepsInScope >= SLEEPS_PER_SCOPE) {
      this.scope = new TimerScope();
      this.sleepsInScope = 0;
    }
    const scope = this.scope;
    this.sleepsInScope += 1;
    const timer = scope.run(() => sleep(ms));
    if (this.rung) this.cancelScope();
    return timer;
  }

  /** The next sleep gets a fresh scope: a cancelled one would cancel its timer at once. */
  private cancelScope(): void {
    this.scope?.cancel();
    this.scope = undefined;
  }
}
