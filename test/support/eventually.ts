// The tests' one polling helper: no dependencies, so support files (local-cluster.ts) can use it without the Temporal
// test environment. temporal.ts re-exports it.

import { setTimeout as sleep } from 'node:timers/promises';
/**
 * Polls `check` every `everyMs` until it returns a value other than undefined/false for which `accept` holds (by
 * default any such value), and returns that value; a check that throws is tried again. At the deadline it fails
 * naming `what` it waited for and the last value or error seen, so a failing test says what it waited for.
 */
export async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 30_000,
  everyMs = 200,
  accept: (value: T) => boolean = () => true,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let last: { error: unknown } | { value: unknown };
    try {
      const value = await check();
      if (value !== undefined && value !== false && accept(value)) return value;
      last = { value };
    } catch (error) {
      last = { error };
    }
    if (Date.now() > deadline) {
      const seen =
        'error' in last
          ? `last error: ${last.error instanceof Error ? last.error.message : String(last.error)}`
          : `last value: ${show(last.value)}`;
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}; ${seen}`,
        'error' in last ? { cause: last.error } : undefined,
      );
    }
    await sleep(everyMs);
  }
}

function show(value: unknown): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch {
    // circular or BigInt: fall back to String
  }
  text ??= String(value);
  return text.length > 2000 ? `${text.slice(0, 2000)}…` : text;
}
