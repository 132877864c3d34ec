// A bound on a call that has none of its own: the caller stops waiting after `ms` (the work itself goes on, and its
// late result is ignored). Shared by the observe activity's listing and the worker's connection to Temporal.

/** `work`, or an Error "no answer within N s" once `ms` have passed. */
export async function withinMs<T>(ms: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms / 1000} s`)), ms);
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}
