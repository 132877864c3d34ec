// Commander argument parsers shared by the commands (and the benchmarks): each names the flag and the bad value.
import { InvalidArgumentError } from 'commander';

export const positiveInt =
  (what: string) =>
  (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n <= 0)
      throw new InvalidArgumentError(`${what} must be a positive integer (got "${value}")`);
    return n;
  };

export const seconds =
  (what: string, min: number) =>
  (v: string): number => {
    const n = Number(v);
    if (!/^\d+(\.\d+)?$/.test(v.trim()) || !Number.isFinite(n) || n < min)
      throw new InvalidArgumentError(`${what} must be a number ≥ ${min} (got '${v}')`);
    return n;
  };

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** A point in time: a duration back from now (`90s`, `30m`, `2h`, `7d`) or an ISO 8601 time; epoch ms. */
export const pointInTime =
  (what: string, now: () => number = Date.now) =>
  (value: string): number => {
    const ago = /^(\d+)(s|m|h|d)$/.exec(value.trim());
    if (ago) return now() - Number(ago[1]) * UNIT_MS[ago[2]];
    const at = /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:\d{2})?)?$/.test(value.trim()) ? Date.parse(value) : NaN;
    if (!Number.isFinite(at))
      throw new InvalidArgumentError(
        `${what} must be a duration back from now such as 30m, 2h or 7d, or an ISO 8601 time such as 2026-12-01T09:00:00Z (got "${value}")`,
      );
    return at;
  };
