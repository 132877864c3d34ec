// The worker's workflow bundle entry point.
export { warehouseWorkflow } from './warehouse';
export { fleetWorkflow } from './fleet';
