// `impala-autoscaler warehouse …`: apply a warehouses file, read warehouses, and operate them.
import type { Command } from 'commander';
import { registerApply } from './apply';
import { registerControls } from './control';
import { registerFleet } from './fleet';
import { registerPods } from './pods';
import { registerReads } from './read';
import { registerTemplate } from './template';

export function registerWarehouse(program: Command): void {
  const warehouse = program
    .command('warehouse')
    .description('start, inspect and operate warehouses (one Temporal workflow each)');
  registerApply(warehouse);
  registerReads(warehouse);
  registerControls(warehouse);
  registerTemplate(warehouse);
  registerPods(warehouse);
  registerFleet(warehouse);
}
