// One tick of a warehouse with groupSets: each set is a warehouse of one set (src/policy/group-sets.ts), observed,
// decided and acted on with the code a one-set warehouse runs, with its own state — all sets at once, so that a
// slow set does not delay another's. The sets meet only in `busySets`: the warehouse suspends when every set is idle.
// Workflow code: deterministic.
import { decide } from '../policy/decide';
import { setSpecs, withBusySets } from '../policy/group-sets';
import type { Observation, WarehouseSpec } from '../policy/types';
import { act, type ActOutcome } from './act';
import type { SetTick, Warehouse } from './warehouse-entity';

export async function tickGroupSets(
  w: Warehouse,
  observe: (spec: WarehouseSpec) => Promise<Observation>,
  release3: boolean,
  latenessMs: number | undefined,
): Promise<void> {
  const specs = setSpecs(w.spec);
  const templateLines = await Promise.all(
    specs.map((spec) => (w.setNeedsTemplate(spec, release3) ? w.captureSetForTick(spec) : [])),
  );
  const observations = await Promise.all(specs.map(observe));
  // Workflow time (deterministic on replay), as the one-set tick stamps it.
  const atMs = Date.now();
  const withBusy = withBusySets(
    specs.map((spec, i) => ({
      groupSet: spec.groupSet,
      observation: observations[i],
      state: w.setRun(spec.groupSet).state,
    })),
  );
  const ticks: SetTick[] = specs.map((spec, i) => {
    const observation = withBusy[i];
    const decision = decide(
      spec,
      w.setRun(spec.groupSet).state,
      observation.kind === 'known' ? { ...observation, atMs } : observation,
    );
    return { spec, observation: observations[i], decision, templateLines: templateLines[i] };
  });
  w.setsDecided(ticks);
  const outcomes = await Promise.all(
    ticks.map(({ spec, decision }) =>
      decision.actions.length ? act(spec, decision, w.setRun(spec.groupSet).template, release3) : nothingDone(),
    ),
  );
  w.setsTicked(ticks, outcomes, release3, latenessMs);
}

export function nothingDone(): ActOutcome {
  return { done: [], changes: [], failed: [], lines: [] };
}
