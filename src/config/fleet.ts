// The warehouses file's optional `fleet:` section (docs/design.md, "Fleet capacity"): one capacity limit, in
// executors, shared by the file's warehouses — all of them (a cluster), or those of the namespaces it lists — with a
// `priority` per warehouse. Checked with the whole file, so that nothing starts from a fleet that cannot hold its
// warehouses' minimums.
import { z } from 'zod';
import type { FleetSpec } from '../policy/fleet';
import type { WarehouseSpec } from '../policy/types';
import { dnsLabel } from './warehouse-spec';

export const fleetSectionSchema = z.strictObject({
  // The workflow `fleet-<name>`: ≤ 63 with its prefix.
  name: dnsLabel('fleet.name', 57).default('default'),
  maxExecutors: z
    .number({ error: 'fleet.maxExecutors must be a number of executors' })
    .int('fleet.maxExecutors must be a whole number')
    .min(1, 'fleet.maxExecutors must be ≥ 1'),
  namespaces: z.array(dnsLabel('fleet.namespaces', 63)).min(1, 'fleet.namespaces must not be empty').optional(),
});

export const prioritySchema = z
  .number({ error: 'priority must be a number (higher is served first)' })
  .int('priority must be a whole number');

/** A warehouse entry's priority, as the file gives it; undefined when it gives none. */
export interface Entry {
  spec: WarehouseSpec;
  priority?: number;
  /** `file:line: warehouse "name" (#i)`, to prefix its problems. */
  where: string;
}

/**
 * Joins the file's warehouses to its fleet: each member's spec names the fleet, the fleet keeps the priorities (0
 * unless given). Returns the problems, each naming the field: a section that does not parse, a priority on a warehouse
 * outside the fleet, or a limit below the sum of the members' minimums (they could never all run).
 */
export function joinFleet(
  section: unknown,
  entries: Entry[],
  where: string,
): { fleet?: FleetSpec; specs: WarehouseSpec[]; problems: string[] } {
  const problems: string[] = [];
  const loose = () => entries.filter((e) => e.priority !== undefined);
  if (section === undefined) {
    for (const e of loose())
      problems.push(
        `${e.where}: priority is set but the file has no fleet: section (priority orders a fleet's warehouses)`,
      );
    return { specs: entries.map((e) => e.spec), problems };
  }
  const r = fleetSectionSchema.safeParse(section);
  if (!r.success) {
    const issues = r.error.issues.map((i) => {
      const path = ['fleet', ...i.path].join('.');
      if (i.code === 'unrecognized_keys')
        return `unknown field${i.keys.length > 1 ? 's' : ''} ${i.keys.map((k) => `fleet.${k}`).join(', ')}`;
      return i.message.startsWith('fleet') ? i.message : `${path}: ${i.message}`;
    });
    return { specs: entries.map((e) => e.spec), problems: [`${where}: ${issues.join('; ')}`] };
  }
  const f = r.data;
  const inFleet = (e: Entry) => !f.namespaces || f.namespaces.includes(e.spec.namespace);
  for (const e of loose())
    if (!inFleet(e))
      problems.push(
        `${e.where}: priority is set but the warehouse is not in fleet "${f.name}" (its namespace ${e.spec.namespace} is not in fleet.namespaces)`,
      );
  const members = entries.filter(inFleet);
  if (members.length === 0)
    problems.push(`${where}: fleet.namespaces: no warehouse of the file is in ${f.namespaces!.join(', ')}`);
  const minimums = members.map((e) => ({ name: e.spec.name, min: e.spec.nodes.min }));
  const total = minimums.reduce((a, m) => a + m.min, 0);
  if (f.maxExecutors < total)
    problems.push(
      `${where}: fleet.maxExecutors ${f.maxExecutors} is below the sum of its warehouses' minimums, ${total} ` +
        `(${minimums.map((m) => `${m.name} nodes.min ${m.min}`).join(', ')}): raise fleet.maxExecutors or lower a nodes.min`,
    );
  const fleet: FleetSpec = {
    name: f.name,
    maxExecutors: f.maxExecutors,
    priorities: Object.fromEntries(members.map((e) => [e.spec.name, e.priority ?? 0])),
  };
  return {
    fleet,
    specs: entries.map((e) => (inFleet(e) ? { ...e.spec, fleet: f.name } : e.spec)),
    problems,
  };
}
