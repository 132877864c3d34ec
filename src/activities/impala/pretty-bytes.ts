// Impala's byte strings (be/src/util/pretty-printer.h, PrettyPrinter::PrintBytes): binary units, fixed two decimals,
// a space before the unit, no unit above GB, and a bare "0" for zero. /backends prints admit_mem_limit, mem_reserved
// and mem_admitted this way, so both the reader (parse) and the simulator (format) need it.

const UNITS: Record<string, number> = { B: 1, KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3 };

export function formatBytes(bytes: number): string {
  if (bytes === 0) return '0';
  const abs = Math.abs(bytes);
  const [unit, size] =
    abs >= UNITS.GB
      ? ['GB', UNITS.GB]
      : abs >= UNITS.MB
        ? ['MB', UNITS.MB]
        : abs >= UNITS.KB
          ? ['KB', UNITS.KB]
          : ['B', 1];
  return `${(bytes / size).toFixed(2)} ${unit}`;
}

const PATTERN = /^(-?\d+\.\d{2}) (B|KB|MB|GB)$/;

/**
 * The byte count a PrettyPrinter string stands for. Two decimals carry at most 1/200 of a unit, so the result is the
 * exact value for every string Impala prints from a whole number of 1/100 units (as admit_mem_limit usually is), and
 * otherwise within 0.5 % of a unit, rounded to whole bytes. Throws on anything Impala does not print.
 */
export function parseBytes(text: string): number {
  if (text === '0') return 0;
  const m = PATTERN.exec(text);
  if (!m) {
    throw new Error(`"${text}" is not an Impala byte string (expected "0" or like "17.00 B", "6.50 MB", "48.00 GB")`);
  }
  const [whole, frac] = m[1].replace('-', '').split('.');
  // Integer arithmetic on the decimal digits avoids 6.5 * 1048576 going through binary floating point.
  const hundredths = BigInt(whole) * 100n + BigInt(frac);
  const unit = BigInt(UNITS[m[2]]);
  const value = Number((hundredths * unit + 50n) / 100n);
  return m[1].startsWith('-') ? -value : value;
}
