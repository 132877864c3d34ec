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
