// The suite's two disjoint seed sets: `develop` is what presets and rules may be tuned on, `report` is only ever run to
// judge the targets (bench/policy-suite.ts). A trace is `<family>/<set>-<n>`: its seed is that string, so any one of
// them can be regenerated on its own (`npm run bench:policy -- --suite-trace office/report-2`).
import type { TraceQuery } from '../../sim/trace';
import { FAMILIES, type SuiteContext } from './families';

export type SeedSet = 'develop' | 'report';
export const SEED_SETS: SeedSet[] = ['develop', 'report'];

/** Traces per family in each set: 10 families × 3 = 30 traces a set. */
export const PER_FAMILY = 3;

export interface SuiteTrace {
  /** `<family>/<set>-<n>`, also the seed. */
  id: string;
  family: string;
  set: SeedSet;
  params: string;
  recurring: boolean;
  trace: TraceQuery[];
}

export function suiteIds(set: SeedSet): string[] {
  return FAMILIES.flatMap((f) => Array.from({ length: PER_FAMILY }, (_, i) => `${f.name}/${set}-${i + 1}`));
}

/** One trace by its id; throws naming the families and sets when the id is not one of them. */
export function suiteTrace(id: string, c: SuiteContext): SuiteTrace {
  const m = /^([a-z-]+)\/(develop|report)-(\d+)$/.exec(id);
  const family = m && FAMILIES.find((f) => f.name === m[1]);
  if (!m || !family)
    throw new Error(
      `--suite-trace ${id}: expected <family>/<develop|report>-<n>, family one of ${FAMILIES.map((f) => f.name).join(', ')}`,
    );
  const drawn = family.draw(id, c);
  return { id, family: family.name, set: m[2] as SeedSet, ...drawn };
}

export function suite(set: SeedSet, c: SuiteContext): SuiteTrace[] {
  return suiteIds(set).map((id) => suiteTrace(id, c));
}
