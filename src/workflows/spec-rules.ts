// The spec's rules (zod) for the few places the workflow must validate in its own code: a resize (an update's
// validator runs synchronously, before anything is written) and runs of the first release (which validated their
// input here). Loaded on first use, never at import: the worker evaluates a workflow's modules once per cached
// workflow, and zod costs ≈ 2.6 MB and ≈ 60 ms per evaluation — 2,500 cached warehouses held 3.7 GiB and fell behind
// their ticks with it imported (bench:scale), 0.7 GiB per 1,000 on time without it. A warehouse that is never
// resized never loads it; a new run's input is validated by the validateSpec local activity instead.
import type * as SpecRules from '../config/warehouse-spec';

export function specRules(): typeof SpecRules {
  return require('../config/warehouse-spec') as typeof SpecRules;
}
