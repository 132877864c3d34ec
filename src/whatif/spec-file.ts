// The warehouse a what-if run simulates: one warehouse from a YAML/JSON file in the configuration format, or a default.
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { parseWarehouseSpec } from '../config/warehouse-spec';
import type { Mode, WarehouseSpec } from '../policy/types';

/** Without --spec: a MEDIUM warehouse (20 executors a group) scaling between 0 and 10 groups, every other field default. */
export const DEFAULT_SIM_SPEC = {
  name: 'what-if',
  namespace: 'default',
  size: 'MEDIUM',
  nodes: { min: 0, max: 200 },
} as const;

export interface SpecOverrides {
  mode?: Mode;
  pollSeconds?: number;
}

/**
 * Reads one warehouse from `file` (a warehouse object, or a `warehouses:` list holding exactly one). `name` and
 * `namespace` are filled in when absent (the simulator needs neither); `coordinators` may be left out.
 */
export function loadSimSpec(file: string | undefined, over: SpecOverrides = {}): WarehouseSpec {
  let input: Record<string, unknown> = { ...DEFAULT_SIM_SPEC };
  if (file !== undefined) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new Error(`${file}: cannot read the warehouse spec (${(err as Error).message})`);
    }
    let doc: unknown;
    try {
      doc = parse(text);
    } catch (err) {
      throw new Error(`${file}: not valid YAML or JSON (${(err as Error).message.split('\n')[0]})`);
    }
    if (
      doc &&
      typeof doc === 'object' &&
      !Array.isArray(doc) &&
      Array.isArray((doc as { warehouses?: unknown }).warehouses)
    ) {
      const list = (doc as { warehouses: unknown[] }).warehouses;
      if (list.length !== 1)
        throw new Error(`${file}: holds ${list.length} warehouses; simulate takes one (write it to its own file)`);
      doc = list[0];
    }
    if (!doc || typeof doc !== 'object' || Array.isArray(doc)) {
      throw new Error(
        `${file}: expected one warehouse as a mapping (name, size, nodes, …), got ${Array.isArray(doc) ? 'a list' : typeof doc}`,
      );
    }
    input = { name: 'what-if', namespace: 'default', ...(doc as Record<string, unknown>) };
  }
  if (over.mode !== undefined) input.mode = over.mode;
  if (over.pollSeconds !== undefined) input.pollIntervalSeconds = over.pollSeconds;
  return parseWarehouseSpec(input, file ?? 'default what-if warehouse');
}
