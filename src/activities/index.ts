// The activities the warehouse workflow calls: thin adapters over a LoadReader and an ExecutorGroups, and the spec's
// validation (zod lives here, in the worker's own context, not once per cached workflow: see src/workflows/spec-rules.ts).
import { ApplicationFailure } from '@temporalio/common';
import { scheduleView } from '../config/schedules';
import { parseWarehouseSpec } from '../config/warehouse-spec';
import { impalaGroupName } from '../policy/names';
import type { Observation, WarehouseSpec } from '../policy/types';
import { withinMs } from '../util/deadline';
import type { CapturedTemplate, ExecutorGroups, LoadReader, ScaleEvent } from './interfaces';

/**
 * Listing a warehouse's groups answers in milliseconds; one that takes longer is an API server that stalls. Bounded
 * because observe is a local activity, and while one runs the workflow answers no status query (its workflow task is
 * open): a stalled API costs a tick of unknown load and a status answered within seconds, not half a minute.
 */
export const LIST_TIMEOUT_MS = 5000;

export interface ActivityDeps {
  loadReader: LoadReader;
  executorGroups: ExecutorGroups;
}

export function createActivities({ loadReader, executorGroups }: ActivityDeps) {
  return {
    /**
     * Local activity, once at a warehouse's first run: the spec with defaults filled in, or the workflow fails with
     * `InvalidSpec` naming each bad field (a workflow started without our client gets the configuration file's checks).
     */
    async validateSpec(spec: unknown): Promise<WarehouseSpec> {
      try {
        return parseWarehouseSpec(spec, 'warehouse workflow input');
      } catch (err) {
        throw ApplicationFailure.nonRetryable((err as Error).message, 'InvalidSpec');
      }
    },
    /** Local activity, once per tick: the pool's load and the warehouse's groups, or why they are unknown. */
    async observe(spec: WarehouseSpec): Promise<Observation> {
      let listed;
      try {
        listed = await withinMs(LIST_TIMEOUT_MS, executorGroups.list(spec));
      } catch (err) {
        return {
          kind: 'unknown',
          reason: `listing executor groups in namespace ${spec.namespace} failed: ${(err as Error).message}`,
        };
      }
      const result = await loadReader.read(spec);
      const groups = listed.groups.map((g) => ({
        ...g,
        runningQueries: result.ok ? (result.load.runningByGroup[impalaGroupName(spec.groupSet, g.index)] ?? 0) : 0,
      }));
      // Only when there are any: the observation goes into the workflow's history every tick.
      const taken = listed.takenIndexes.length ? { takenIndexes: listed.takenIndexes } : {};
      // The schedules at the time of the read (the workflow stamps the tick with its own time, within the read's).
      const schedule = spec.schedules ? { schedule: scheduleView(spec.schedules, Date.now()) } : {};
      return result.ok
        ? { kind: 'known', load: result.load, groups, ...taken, ...schedule }
        : { kind: 'unknown', reason: result.reason, groups, ...taken };
    },
    /** At a run's start and on `refreshTemplate`: the executor template, kept in the workflow's state. */
    async captureTemplate(spec: WarehouseSpec, opts?: { copyGroup?: boolean }): Promise<CapturedTemplate> {
      return executorGroups.captureTemplate(spec, opts);
    },
    /**
     * `template` is absent for runs started before templates were kept in the workflow's state; `event` for activities
     * scheduled before scale events existed (a retry of one, after an upgrade).
     */
    async addExecutorGroup(
      spec: WarehouseSpec,
      index: number,
      template?: CapturedTemplate,
      event?: ScaleEvent,
    ): Promise<void> {
      await executorGroups.create(spec, index, template, event);
    },
    async removeExecutorGroup(spec: WarehouseSpec, index: number, event?: ScaleEvent): Promise<void> {
      await executorGroups.delete(spec, index, event);
    },
  };
}

export type Activities = ReturnType<typeof createActivities>;
