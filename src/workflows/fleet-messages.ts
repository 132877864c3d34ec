// Every message of the fleet workflow (src/workflows/fleet.ts), defined once for the fleet, its warehouses and the
// client: `warehouse apply` configures the fleet; a warehouse asks for groups and reports what it holds; the fleet
// answers the warehouse with a signal of its own.
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { FleetAnswer, FleetReport, FleetRequest, FleetSpec, FleetWaiter } from '../policy/fleet';

/** Sets the limit and the priorities (update-with-start from `warehouse apply`). */
export const configureFleetUpdate = defineUpdate<FleetStatus, [FleetSpec]>('configureFleet');
/** From a warehouse, before it adds groups; answered with `fleetAnswerSignal` to workflow warehouse-<name>. */
export const fleetAskSignal = defineSignal<[FleetRequest]>('fleetAsk');
/** From a warehouse whose groups changed or that stopped waiting. */
export const fleetReportSignal = defineSignal<[FleetReport]>('fleetReport');
/** To a warehouse: what its request was granted. */
export const fleetAnswerSignal = defineSignal<[FleetAnswer]>('fleetAnswer');
export const fleetStatusQuery = defineQuery<FleetStatus>('fleetStatus');

export interface FleetStatus {
  spec: FleetSpec;
  /** Executors in use: every group its warehouses list or were granted. */
  used: number;
  /** Executors each warehouse holds, and the group indexes. */
  held: Record<string, number>;
  groups: Record<string, number[]>;
  /** Warehouses waiting for capacity, oldest first (served by priority). */
  waiting: FleetWaiter[];
}
