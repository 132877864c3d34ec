// The warehouses file: `warehouses: [ {spec}, … ]` in YAML (or JSON, which YAML reads too). Every warehouse is
// validated with the same rules as a resize (parseWarehouseSpec), and every problem of the file is reported at once,
// each naming the file, the warehouse (name, position and line) and the field — so nothing is started from a file
// that is only partly right.
import fs from 'node:fs';
import path from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import type { FleetSpec } from '../policy/fleet';
import type { WarehouseSpec } from '../policy/types';
import { type Entry, joinFleet, prioritySchema } from './fleet';
import { isManifestPath, parseWarehouseSpec, SpecError } from './warehouse-spec';

export class ConfigError extends Error {
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(problems.length === 1 ? problems[0] : `${file}: ${problems.length} problems:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

export function loadWarehousesFile(file: string): WarehouseSpec[] {
  return loadWarehousesAndFleet(file).warehouses;
}

/** The file's warehouses and its fleet section, if it has one. */
export function loadWarehousesAndFleet(file: string): WarehousesFile {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ConfigError(file, [
      `${file}: cannot read the warehouses file (${code === 'ENOENT' ? 'no such file' : (code ?? (err as Error).message)})`,
    ]);
  }
  // A manifest path is the user's, relative to the file that names it, not to wherever the worker was started.
  const parsed = parseWarehousesFile(text, file);
  const warehouses = parsed.warehouses.map((spec) =>
    isManifestPath(spec.executorTemplate) && !path.isAbsolute(spec.executorTemplate)
      ? { ...spec, executorTemplate: path.resolve(path.dirname(file), spec.executorTemplate) }
      : spec,
  );
  return { ...parsed, warehouses };
}

export interface WarehousesFile {
  warehouses: WarehouseSpec[];
  fleet?: FleetSpec;
}

/**
 * Two warehouses of one namespace must not name the same template StatefulSet: it is one warehouse's group 000 (or
 * neither's), and after a suspend each would copy its template from the other's groups.
 */
function sharedTemplate(
  spec: WarehouseSpec,
  i: number,
  owners: Map<string, { name: string; i: number }>,
): string | undefined {
  if (isManifestPath(spec.executorTemplate)) return undefined;
  const key = `${spec.namespace}/${spec.executorTemplate}`;
  const first = owners.get(key);
  if (!first) {
    owners.set(key, { name: spec.name, i });
    return undefined;
  }
  return (
    `executorTemplate: StatefulSet ${spec.executorTemplate} in namespace ${spec.namespace} is also the template of warehouse ` +
    `"${first.name}" (#${first.i + 1}); two warehouses of one namespace need a template StatefulSet each (e.g. a copy named ` +
    `impala-executor-template-${spec.name}), or a manifest file (executorTemplate: executor-template.yaml), or namespaces of their own`
  );
}

export function parseWarehousesText(text: string, file: string): WarehouseSpec[] {
  return parseWarehousesFile(text, file).warehouses;
}

export function parseWarehousesFile(text: string, file: string): WarehousesFile {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      file,
      doc.errors.map(
        (e) => `${file}:${lines.linePos(e.pos[0]).line}: not valid YAML or JSON: ${e.message.split('\n')[0]}`,
      ),
    );
  }
  const root: unknown = doc.toJS();
  if (!root || typeof root !== 'object' || Array.isArray(root) || !('warehouses' in root)) {
    throw new ConfigError(file, [
      `${file}: expected a mapping with a "warehouses:" list at the top (see examples/warehouses.yaml)`,
    ]);
  }
  const extra = Object.keys(root).filter((k) => k !== 'warehouses' && k !== 'fleet');
  if (extra.length > 0)
    throw new ConfigError(file, [
      `${file}: unknown top-level field${extra.length > 1 ? 's' : ''} ${extra.join(', ')} (only "warehouses:" and "fleet:" are read)`,
    ]);
  const list = (root as { warehouses: unknown }).warehouses;
  if (!Array.isArray(list) || list.length === 0) {
    throw new ConfigError(file, [
      `${file}: "warehouses:" must be a non-empty list of warehouses (got ${Array.isArray(list) ? 'an empty list' : JSON.stringify(list ?? null)})`,
    ]);
  }
  const seq = doc.get('warehouses', true);
  const lineOf = (i: number): number | undefined => {
    const node = isSeq(seq) ? seq.items[i] : undefined;
    const start = isMap(node) && node.range ? node.range[0] : undefined;
    return start === undefined ? undefined : lines.linePos(start).line;
  };

  const problems: string[] = [];
  const entries: Entry[] = [];
  const firstIndex = new Map<string, number>();
  const templateOwner = new Map<string, { name: string; i: number }>();
  list.forEach((item, i) => {
    const name =
      item && typeof item === 'object' && typeof (item as { name?: unknown }).name === 'string'
        ? (item as { name: string }).name
        : undefined;
    const line = lineOf(i);
    const where = `${file}${line ? `:${line}` : ''}: warehouse ${name ? `${JSON.stringify(name)} (#${i + 1})` : `#${i + 1}`}`;
    try {
      const { priority, rest } = fleetFieldsOf(item, where);
      const spec = parseWarehouseSpec(rest, where);
      const seen = firstIndex.get(spec.name);
      if (seen !== undefined)
        problems.push(
          `${where}: duplicate name "${spec.name}" (also warehouse #${seen + 1}); names must be unique, since each is one workflow`,
        );
      else {
        firstIndex.set(spec.name, i);
        const shared = sharedTemplate(spec, i, templateOwner);
        if (shared) problems.push(`${where}: ${shared}`);
      }
      entries.push({ spec, where, ...(priority !== undefined ? { priority } : {}) });
    } catch (err) {
      if (!(err instanceof SpecError)) throw err;
      problems.push(err.message);
    }
  });
  // The line of the `fleet:` key itself (its value may begin on the next line).
  const fleetKey = isMap(doc.contents)
    ? doc.contents.items.find((p) => isScalar(p.key) && p.key.value === 'fleet')
    : undefined;
  const fleetStart = isScalar(fleetKey?.key) ? fleetKey.key.range?.[0] : undefined;
  const fleetLine = fleetStart === undefined ? '' : `:${lines.linePos(fleetStart).line}`;
  const joined = joinFleet((root as { fleet?: unknown }).fleet, entries, `${file}${fleetLine}: fleet`);
  problems.push(...joined.problems);
  if (problems.length > 0) throw new ConfigError(file, problems);
  return { warehouses: joined.specs, ...(joined.fleet ? { fleet: joined.fleet } : {}) };
}

/**
 * A warehouse entry's `priority` belongs to the fleet (src/config/fleet.ts), not to the spec; `fleet` is set from the
 * fleet section only, so that the file says in one place which warehouses share the limit.
 */
function fleetFieldsOf(item: unknown, where: string): { priority?: number; rest: unknown } {
  if (!item || typeof item !== 'object' || Array.isArray(item)) return { rest: item };
  const { priority, ...rest } = item as Record<string, unknown>;
  const problems: string[] = [];
  if ('fleet' in rest) problems.push("fleet: set by the file's fleet: section, not per warehouse (remove it here)");
  const p = priority === undefined ? undefined : prioritySchema.safeParse(priority);
  if (p && !p.success) problems.push(`${p.error.issues[0].message} (got ${JSON.stringify(priority)})`);
  if (problems.length > 0) throw new SpecError(problems, where);
  return { rest, ...(p?.success ? { priority: p.data } : {}) };
}
