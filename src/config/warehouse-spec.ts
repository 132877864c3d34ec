// The warehouse spec (docs/design.md, "Warehouse spec"): parsed from YAML or JSON, validated, defaults filled in.
// Pure (no I/O), so the workflow can validate a resize with the same rules as the configuration file.
import { z } from 'zod';
import { DEFAULT_DEGRADED_REPLACE_SECONDS } from '../policy/modes';
import { setSlug } from '../policy/group-sets';
import { GROUP_PREFIX } from '../policy/names';
import type { GroupSetSpec, Mode, Size, WarehouseSpec } from '../policy/types';
import { budgetsSchema } from './budgets';
import { contradictions, schedulesSchema } from './schedules';

export const GROUP_SIZES: Record<Size, number> = { XSMALL: 2, SMALL: 10, MEDIUM: 20, LARGE: 40 };
export const MODES: readonly Mode[] = ['conservative', 'balanced', 'aggressive'];

// Kubernetes object names: warehouses name labels and namespaces, groups name StatefulSets.
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
export const dnsLabel = (what: string, max: number) =>
  z
    .string({ error: `${what} must be a string` })
    .min(1, `${what} must not be empty`)
    .max(max, `${what} must be at most ${max} characters`)
    .regex(DNS_LABEL, `${what} must be lower-case letters, digits and '-', starting and ending with a letter or digit`);

// StatefulSet names (the executor template) are DNS subdomains; a value with a '/' or a manifest extension is a file.
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** An executorTemplate that names a manifest file, as opposed to a StatefulSet in the warehouse's namespace. */
export function isManifestPath(executorTemplate: string): boolean {
  return executorTemplate.includes('/') || /\.(ya?ml|json)$/i.test(executorTemplate);
}

const seconds = (what: string) =>
  z
    .number({ error: `${what} must be a number of seconds` })
    .int(`${what} must be a whole number of seconds`)
    .min(0, `${what} must be ≥ 0`);

const coordinatorSchema = z
  .strictObject(
    {
      url: z
        .url({
          protocol: /^https?$/,
          error: 'url must be an http:// or https:// URL such as http://coordinator-0:25000',
        })
        // A password in the URL would travel in the spec, and so in workflow history: credentials come from user +
        // passwordFile/passwordEnv only.
        .refine(
          (u) => !/^[a-z]+:\/\/[^/?#]*@/i.test(u),
          'url must not carry a user or password (got a URL with user:password@ — not repeated here): set user, and passwordFile or passwordEnv',
        ),
      user: z.string().min(1).optional(),
      passwordFile: z.string().min(1).optional(),
      passwordEnv: z
        .string()
        .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'passwordEnv must be an environment variable name')
        .optional(),
      caFile: z.string().min(1).optional(),
    },
    {
      error: (i) =>
        i.code === 'invalid_type'
          ? 'a coordinator must be a URL such as http://coordinator-0:25000, or { url, user, passwordFile or passwordEnv, caFile }'
          : undefined,
    },
  )
  .refine((c) => !(c.passwordFile && c.passwordEnv), {
    message: 'set passwordFile or passwordEnv, not both',
    path: ['passwordEnv'],
  });

type CoordinatorInput = z.input<typeof coordinatorSchema>;

/** `- http://coordinator-0:25000` is short for `- url: http://coordinator-0:25000`. */
const coordinatorEntry = z.preprocess(
  (c: string | CoordinatorInput) => (typeof c === 'string' ? { url: c } : c),
  coordinatorSchema,
);

// Fields a warehouse and each of its group sets (groupSets) may set, defined once.
const executorTemplateSchema = z
  .string({ error: 'executorTemplate must be a string' })
  .min(1, 'executorTemplate must not be empty')
  .refine((t) => isManifestPath(t) || (t.length <= 253 && DNS_SUBDOMAIN.test(t)), {
    message:
      "executorTemplate must be the name of a StatefulSet (lower-case letters, digits, '-' and '.', at most 253) or a manifest file path (with a '/' or ending in .yaml, .yml or .json)",
  });
const sizeSchema = z.enum(['XSMALL', 'SMALL', 'MEDIUM', 'LARGE'], {
  error: 'size must be one of XSMALL, SMALL, MEDIUM, LARGE',
});
const executorsPerGroupSchema = z.number().int().min(1, 'executorsPerGroup must be ≥ 1').max(1000);
const nodesSchema = z
  .strictObject(
    {
      min: z
        .number({ error: 'nodes.min must be a number' })
        .int('nodes.min must be a whole number')
        .min(0, 'nodes.min must be ≥ 0'),
      max: z
        .number({ error: 'nodes.max must be a number' })
        .int('nodes.max must be a whole number')
        .min(1, 'nodes.max must be ≥ 1'),
    },
    {
      error: (i) =>
        i.input === undefined
          ? 'nodes must be set: { min, max }, in executors (multiples of the group size)'
          : undefined,
    },
  )
  .refine((n) => n.max >= n.min, {
    path: ['max'],
    error: (i) =>
      `nodes.max must be ≥ nodes.min (got ${(i.input as { max: number }).max} < ${(i.input as { min: number }).min})`,
  });
const queriesPerGroupSchema = z.number().int().min(1, 'queriesPerGroup must be ≥ 1');
const executorMemoryMbSchema = z.number().int().min(1, 'executorMemoryMb must be ≥ 1');
const maxQueryMemMbSchema = z
  .number({ error: 'maxQueryMemMb must be a number of MiB' })
  .int('maxQueryMemMb must be a whole number of MiB')
  .min(1, 'maxQueryMemMb must be ≥ 1');
// It names the executor groups (`<groupSet>-group-NNN`), which are a Kubernetes label value: ≤ 63 characters,
// starting and ending with a letter or digit — so at most 52 here, leaving room for 4-digit group numbers.
const groupSetSchema = z
  .string({ error: 'groupSet must be a string' })
  .max(
    52,
    'groupSet must be at most 52 characters (it prefixes executor group names, a Kubernetes label value of at most 63)',
  )
  .regex(
    /^[A-Za-z0-9]([A-Za-z0-9_.-]*[A-Za-z0-9])?$/,
    "groupSet must be an Impala pool name such as root.default (letters, digits, '_', '.', '-'; starting and ending with a letter or digit)",
  );
const modeSchema = z.enum(['conservative', 'balanced', 'aggressive'], {
  error: 'mode must be one of conservative, balanced, aggressive',
});

/** One of a warehouse's executor group sets: its values override the warehouse's (src/policy/group-sets.ts). */
const groupSetEntrySchema = z.strictObject(
  {
    groupSet: groupSetSchema,
    size: sizeSchema.optional(),
    executorsPerGroup: executorsPerGroupSchema.optional(),
    nodes: nodesSchema,
    queriesPerGroup: queriesPerGroupSchema.optional(),
    executorMemoryMb: executorMemoryMbSchema.optional(),
    maxQueryMemMb: maxQueryMemMbSchema.optional(),
    mode: modeSchema.optional(),
    scaleUpDelaySeconds: seconds('scaleUpDelaySeconds').optional(),
    scaleDownDelaySeconds: seconds('scaleDownDelaySeconds').optional(),
    executorTemplate: executorTemplateSchema.optional(),
  },
  {
    error: (i) =>
      i.code === 'invalid_type' ? 'a group set must be { groupSet, size or executorsPerGroup, nodes, … }' : undefined,
  },
);

/**
 * A set's StatefulSets are `impala-executor-<setSlug>-NNNN` at most (src/policy/group-sets.ts), and Kubernetes gives a
 * StatefulSet's pods a `controller-revision-hash` label of its name and an 11-character hash (≤ 63): 52 characters.
 */
const SET_GROUPSET_MAX = 52 - GROUP_PREFIX.length - '-0000'.length;

// Checks within one field (nodes.max ≥ nodes.min, one password source per coordinator) sit on that field's schema,
// and the checks across fields run whenever the fields they read parsed: a mistake elsewhere in the same warehouse
// (zod skips an object's refinements after a type error in any of its fields) never hides them, so a file's every
// mistake is reported at once.
// Group names are `impala-executor-NNN` (19 characters) and their pods append `-N`; the warehouse name
// is a label value (≤ 63), so 63 bounds it.
const warehouseFields = z.strictObject({
  name: dnsLabel('name', 63),
  namespace: dnsLabel('namespace', 63),
  coordinators: z.array(coordinatorEntry).default([]),
  admissionService: coordinatorEntry.optional(),
  executorTemplate: executorTemplateSchema.default('impala-executor-000'),
  size: sizeSchema.optional(),
  executorsPerGroup: executorsPerGroupSchema.optional(),
  // Required for a warehouse of one set (checked below); a warehouse with groupSets sets it on each set.
  nodes: nodesSchema.optional(),
  queriesPerGroup: queriesPerGroupSchema.default(12),
  executorMemoryMb: executorMemoryMbSchema.default(16384),
  // Filled with root.default below for a warehouse of one set; a warehouse with groupSets names its pools there.
  groupSet: groupSetSchema.optional(),
  mode: modeSchema.default('balanced'),
  scaleUpDelaySeconds: seconds('scaleUpDelaySeconds').optional(),
  scaleDownDelaySeconds: seconds('scaleDownDelaySeconds').optional(),
  autoSuspend: z
    .strictObject({
      enabled: z.boolean({ error: 'autoSuspend.enabled must be true or false' }).default(true),
      timeoutSeconds: seconds('autoSuspend.timeoutSeconds').default(300),
    })
    .default({ enabled: true, timeoutSeconds: 300 }),
  pollIntervalSeconds: z.number().int().min(1, 'pollIntervalSeconds must be ≥ 1').max(3600).default(20),
  scaleUpTimeoutSeconds: z.number().int().min(1, 'scaleUpTimeoutSeconds must be ≥ 1').default(900),
  degradedReplaceSeconds: z
    .number({ error: 'degradedReplaceSeconds must be a number of seconds' })
    .int('degradedReplaceSeconds must be a whole number of seconds')
    .min(1, 'degradedReplaceSeconds must be ≥ 1')
    .default(DEFAULT_DEGRADED_REPLACE_SECONDS),
  dryRun: z.boolean().default(false),
  maxQueryMemMb: maxQueryMemMbSchema.optional(),
  groupSets: z
    .array(groupSetEntrySchema, { error: 'groupSets must be a list of group sets' })
    .min(1, 'groupSets must list at least one group set (or leave it out for a warehouse of one set)')
    .optional(),
  schedules: schedulesSchema.optional(),
  budgets: budgetsSchema.optional(),
  // Set from the warehouses file's fleet section (src/config/fleet.ts): the workflow fleet-<name> grants its groups.
  fleet: dnsLabel('fleet', 57).optional(),
});

export const warehouseSpecSchema = warehouseFields
  .superRefine(
    (s, ctx) => {
      if (s.groupSets) return;
      checkGroupSize(ctx, [], s, undefined);
      if (s.nodes === undefined)
        ctx.addIssue({
          code: 'custom',
          path: ['nodes'],
          message: 'nodes must be set: { min, max }, in executors (multiples of the group size)',
        });
      checkMaxQueryMem(ctx, [], s.maxQueryMemMb, s.executorMemoryMb);
    },
    {
      when: (payload) =>
        parsedFine(payload.issues, [
          'size',
          'executorsPerGroup',
          'nodes',
          'groupSets',
          'maxQueryMemMb',
          'executorMemoryMb',
        ]),
    },
  )
  .superRefine(
    (s, ctx) => {
      const perGroup = s.executorsPerGroup ?? (s.size ? GROUP_SIZES[s.size] : undefined);
      // Without a group size the check above has said so already.
      if (s.groupSets || perGroup === undefined || s.nodes === undefined) return;
      checkNodes(ctx, [], s.nodes, perGroup);
    },
    { when: (payload) => parsedFine(payload.issues, ['size', 'executorsPerGroup', 'nodes', 'groupSets']) },
  )
  .superRefine(checkGroupSets, {
    when: (payload) =>
      parsedFine(payload.issues, [
        'size',
        'executorsPerGroup',
        'nodes',
        'groupSet',
        'groupSets',
        'maxQueryMemMb',
        'executorMemoryMb',
      ]),
  })
  .superRefine(checkSchedules, {
    when: (payload) =>
      parsedFine(payload.issues, ['size', 'executorsPerGroup', 'nodes', 'groupSets', 'schedules', 'fleet']),
  })
  .transform((parsed): WarehouseSpec => {
    const { schedules, budgets, ...rest } = parsed;
    // Absent, not empty: a warehouse without them keeps the spec (and the workflow input) it had before they existed.
    const s = { ...rest, ...(schedules?.length ? { schedules } : {}), ...(budgets?.length ? { budgets } : {}) };
    return s.groupSets ? withSets(s, s.groupSets) : oneSet(s);
  });

/**
 * A schedule's minimum within nodes.max, and no two windows that contradict each other over the coming year.
 * Schedules, budgets and a fleet apply to a warehouse of one set: a set of a warehouse with groupSets has its own
 * bounds and group size, and a budget or a fleet's executors shared by sets are not split among them.
 */
function checkSchedules(s: ParsedWarehouse, ctx: z.RefinementCtx): void {
  if (s.groupSets) {
    for (const field of ['schedules', 'budgets', 'fleet'] as const)
      if (s[field]?.length)
        ctx.addIssue({
          code: 'custom',
          path: [field],
          message: `${field} ${field === 'fleet' ? 'applies' : 'apply'} to a warehouse of one group set; this warehouse has groupSets: ${field === 'fleet' ? 'leave it out of the fleet (fleet.namespaces)' : `remove ${field}`}, or split the sets into warehouses of their own`,
        });
    return;
  }
  const perGroup = groupSizeOf(s);
  s.schedules?.forEach((sch, i) => {
    if (perGroup !== undefined && s.nodes && sch.minGroups !== undefined && sch.minGroups * perGroup > s.nodes.max)
      ctx.addIssue({
        code: 'custom',
        path: ['schedules', i, 'minGroups'],
        message: `schedule ${sch.name}: minGroups ${sch.minGroups} is more than nodes.max allows (${s.nodes.max} nodes, ${s.nodes.max / perGroup} executor groups)`,
      });
  });
  // From now: the windows that matter are the coming ones.
  for (const c of contradictions(s.schedules ?? [], Date.now()))
    ctx.addIssue({ code: 'custom', path: ['schedules', c.index], message: c.message });
}

type ParsedWarehouse = z.output<typeof warehouseFields>;
type ParsedSet = z.output<typeof groupSetEntrySchema>;
type Path = (string | number)[];

/** size or executorsPerGroup, and not contradicting each other; `inherited`: the warehouse's group size, for a set. */
function checkGroupSize(
  ctx: z.RefinementCtx,
  at: Path,
  s: { size?: Size; executorsPerGroup?: number },
  inherited: number | undefined,
): void {
  if (s.executorsPerGroup === undefined && s.size === undefined) {
    if (inherited !== undefined) return;
    ctx.addIssue({
      code: 'custom',
      path: [...at, 'size'],
      message: at.length
        ? 'set size (XSMALL, SMALL, MEDIUM, LARGE) or executorsPerGroup, on the group set or on the warehouse'
        : 'set size (XSMALL, SMALL, MEDIUM, LARGE) or executorsPerGroup',
    });
  } else if (s.size && s.executorsPerGroup !== undefined && GROUP_SIZES[s.size] !== s.executorsPerGroup) {
    ctx.addIssue({
      code: 'custom',
      path: [...at, 'executorsPerGroup'],
      message: `executorsPerGroup ${s.executorsPerGroup} contradicts size ${s.size} (${GROUP_SIZES[s.size]}); set one of them`,
    });
  }
}

function checkNodes(ctx: z.RefinementCtx, at: Path, nodes: { min: number; max: number }, perGroup: number): void {
  for (const k of ['min', 'max'] as const) {
    if (nodes[k] % perGroup !== 0) {
      ctx.addIssue({
        code: 'custom',
        path: [...at, 'nodes', k],
        message: `nodes.${k} must be a multiple of the group size ${perGroup} (got ${nodes[k]})`,
      });
    }
  }
}

/** A pool's max query memory per executor above what an executor has would route queries no group can run. */
function checkMaxQueryMem(ctx: z.RefinementCtx, at: Path, maxQueryMemMb: number | undefined, executorMemoryMb: number) {
  if (maxQueryMemMb === undefined || maxQueryMemMb <= executorMemoryMb) return;
  ctx.addIssue({
    code: 'custom',
    path: [...at, 'maxQueryMemMb'],
    message: `maxQueryMemMb ${maxQueryMemMb} is above the executor memory ${executorMemoryMb} (executorMemoryMb): no executor could run a query that large; lower maxQueryMemMb or raise executorMemoryMb`,
  });
}

const groupSizeOf = (s: { size?: Size; executorsPerGroup?: number }) =>
  s.executorsPerGroup ?? (s.size ? GROUP_SIZES[s.size] : undefined);

/**
 * The checks of a warehouse with groupSets: each set's group size, bounds and max query memory; no two sets whose
 * names collide — Impala puts an executor group in every set whose name prefixes the group's
 * (be/src/scheduling/cluster-membership-mgr.cc, PopulateExecutorMembershipRequest) and rejects a prefix given twice
 * (PopulateExpectedExecGroupSets), and two sets' StatefulSets must not share a name prefix either; and none of the
 * warehouse-wide fields that a set sets for itself.
 */
function checkGroupSets(s: ParsedWarehouse, ctx: z.RefinementCtx): void {
  if (!s.groupSets) return;
  const inherited = groupSizeOf(s);
  if (s.size || s.executorsPerGroup !== undefined) checkGroupSize(ctx, [], s, undefined);
  s.groupSets.forEach((set, i) => {
    const at = ['groupSets', i];
    checkGroupSize(ctx, at, set, inherited);
    const perGroup = groupSizeOf(set) ?? inherited;
    if (perGroup !== undefined) checkNodes(ctx, at, set.nodes, perGroup);
    checkMaxQueryMem(ctx, at, set.maxQueryMemMb ?? s.maxQueryMemMb, set.executorMemoryMb ?? s.executorMemoryMb);
    if (set.groupSet.length > SET_GROUPSET_MAX)
      ctx.addIssue({
        code: 'custom',
        path: [...at, 'groupSet'],
        message: `groupSet must be at most ${SET_GROUPSET_MAX} characters in a warehouse with groupSets (it names the set's StatefulSets ${GROUP_PREFIX}${setSlug(set.groupSet)}-NNN, at most 52 characters in Kubernetes)`,
      });
    for (let j = 0; j < i; j++) {
      const clash = overlap(s.groupSets![j], set, j);
      if (clash) ctx.addIssue({ code: 'custom', path: [...at, 'groupSet'], message: clash });
    }
  });
  const total = summedNodes(s.groupSets);
  // A parsed warehouse carries the sets' summed bounds and its first set's pool (see withSets): parsing it again
  // accepts them; any other value was meant for a set.
  if (s.nodes && (s.nodes.min !== total.min || s.nodes.max !== total.max))
    ctx.addIssue({
      code: 'custom',
      path: ['nodes'],
      message: `nodes is set on each of the warehouse's groupSets, not on the warehouse (got ${JSON.stringify(s.nodes)}); move it into the group set it bounds`,
    });
  if (s.groupSet !== undefined && s.groupSet !== s.groupSets[0].groupSet)
    ctx.addIssue({
      code: 'custom',
      path: ['groupSet'],
      message: `groupSet names a warehouse's only pool; a warehouse with groupSets names its pools there (got ${JSON.stringify(s.groupSet)}); leave groupSet out`,
    });
}

/** How the set `b` collides with the set `a` listed at `j` before it, or undefined when they do not. */
function overlap(a: ParsedSet, b: ParsedSet, j: number): string | undefined {
  const other = `group set ${JSON.stringify(a.groupSet)} (groupSets.${j})`;
  if (a.groupSet === b.groupSet)
    return `groupSet ${JSON.stringify(b.groupSet)} is listed twice (also groupSets.${j}); list each set once`;
  const fix = "give each set a name that no other set's name begins with";
  if (b.groupSet.startsWith(a.groupSet) || a.groupSet.startsWith(b.groupSet))
    return `groupSet ${JSON.stringify(b.groupSet)} overlaps ${other}: one pool name begins with the other, so Impala would count the executor groups of one set in both; ${fix}`;
  const [x, y] = [setSlug(a.groupSet), setSlug(b.groupSet)];
  if (x === y || x.startsWith(`${y}-`) || y.startsWith(`${x}-`))
    return `groupSet ${JSON.stringify(b.groupSet)} overlaps ${other}: their StatefulSets ${GROUP_PREFIX}${y}-NNN and ${GROUP_PREFIX}${x}-NNN would share a name prefix; ${fix}`;
  return undefined;
}

function summedNodes(sets: ParsedSet[]): { min: number; max: number } {
  return sets.reduce((t, x) => ({ min: t.min + x.nodes.min, max: t.max + x.nodes.max }), { min: 0, max: 0 });
}

function oneSet(s: ParsedWarehouse): WarehouseSpec {
  const { groupSets: _none, ...rest } = s;
  const filled: Omit<WarehouseSpec, 'groupSets'> = {
    ...rest,
    groupSet: s.groupSet ?? 'root.default',
    executorsPerGroup: groupSizeOf(s)!,
    nodes: s.nodes!,
  };
  // In the fields' order, as zod's defaults used to place them: a one-set spec reads exactly as it always has.
  const keys = Object.keys(warehouseFields.shape).filter((k) => k in filled) as (keyof typeof filled)[];
  return Object.fromEntries(keys.map((k) => [k, filled[k]])) as unknown as WarehouseSpec;
}

/**
 * A warehouse with groupSets: each set's group size filled in (its own, else the warehouse's); `groupSet`,
 * `executorsPerGroup` and `nodes` describe the warehouse as a whole — its first set's pool and group size, the sets'
 * bounds summed.
 */
function withSets(s: ParsedWarehouse, sets: ParsedSet[]): WarehouseSpec {
  const inherited = groupSizeOf(s);
  const groupSets: GroupSetSpec[] = sets.map((set) => ({ ...set, executorsPerGroup: groupSizeOf(set) ?? inherited! }));
  return {
    ...s,
    groupSet: sets[0].groupSet,
    executorsPerGroup: inherited ?? groupSets[0].executorsPerGroup,
    nodes: summedNodes(sets),
    groupSets,
  };
}

export type WarehouseSpecInput = z.input<typeof warehouseSpecSchema>;

/**
 * These top-level fields parsed to their types (an out-of-range value or an unknown key leaves the rest usable; a
 * type error does not), and so did the warehouse as a whole: a check may read them.
 */
function parsedFine(issues: readonly z.core.$ZodRawIssue[], fields: string[]): boolean {
  const usable = (i: z.core.$ZodRawIssue) => i.continue === true || i.code === 'unrecognized_keys';
  return !issues.some((i) => !i.path?.length || (fields.includes(String(i.path[0])) && !usable(i)));
}

export class SpecError extends Error {
  constructor(
    readonly issues: string[],
    where: string,
  ) {
    super(`${where}: ${issues.join('; ')}`);
    this.name = 'SpecError';
  }
}

function describe(issues: z.core.$ZodIssue[], input: unknown): string[] {
  return issues.map((i) => {
    const set = setNamed(input, i.path);
    if (i.code === 'unrecognized_keys') {
      const at = i.path.join('.');
      return `unknown field${i.keys.length > 1 ? 's' : ''} ${i.keys.map((k) => (at ? `${at}.${k}` : k)).join(', ')}${set}`;
    }
    const path = i.path.join('.') + set;
    const message = path && !i.message.startsWith(path) ? `${path}: ${i.message}` : i.message;
    // Name the offending value (docs/design.md, "Patterns": validators name the offending value), unless the message already does.
    const value = valueAt(input, i.path);
    return value.found && !names(message, show(value.value)) ? `${message} (got ${show(value.value)})` : message;
  });
}

/** ` (group set root.small)` after a path into groupSets whose set has a name: a set is known by its pool. */
function setNamed(input: unknown, path: PropertyKey[]): string {
  if (path[0] !== 'groupSets' || typeof path[1] !== 'number') return '';
  const name = valueAt(input, [...path.slice(0, 2), 'groupSet']);
  return name.found && typeof name.value === 'string' ? ` (group set ${name.value})` : '';
}

function valueAt(input: unknown, path: PropertyKey[]): { found: boolean; value?: unknown } {
  let v: unknown = input;
  for (const k of path) {
    // A coordinator written as a bare URL string stands for its url.
    if (typeof v === 'string' && k === 'url') continue;
    if (v === null || typeof v !== 'object' || !(k in v)) return { found: false };
    v = (v as Record<PropertyKey, unknown>)[k];
  }
  // Scalars only: an object or array is named by its path, and printing it would bury the message.
  return { found: v === null || ['string', 'number', 'boolean'].includes(typeof v), value: v };
}

/** Does the message already carry the value (`(got …)`, or the value as a word of its own)? */
function names(message: string, shown: string): boolean {
  const escaped = shown.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return message.includes('(got ') || new RegExp(`(^|[\\s(])${escaped}([\\s),;]|$)`).test(message);
}

function show(v: unknown): string {
  const text = typeof v === 'string' ? JSON.stringify(v) : String(v);
  return text.length > 100 ? `${text.slice(0, 97)}...` : text;
}

/** Validates one warehouse; throws a SpecError naming each bad field. `where` prefixes the message (file, warehouse). */
export function parseWarehouseSpec(input: unknown, where = 'warehouse'): WarehouseSpec {
  const r = warehouseSpecSchema.safeParse(input);
  if (!r.success) throw new SpecError(describe(r.error.issues, input), where);
  return r.data;
}

const resizeNodesSchema = z
  .strictObject({ min: z.number().int().min(0).optional(), max: z.number().int().min(1).optional() })
  .optional();

/** What a resize may change of one group set: its bounds, mode and delays. */
const setResizeSchema = z.strictObject({
  groupSet: z.string({ error: "groupSet must name one of the warehouse's group sets" }),
  nodes: resizeNodesSchema,
  mode: modeSchema.optional(),
  scaleUpDelaySeconds: seconds('scaleUpDelaySeconds').optional(),
  scaleDownDelaySeconds: seconds('scaleDownDelaySeconds').optional(),
});
export type SetResize = z.infer<typeof setResizeSchema>;

/**
 * The operator's resize: any subset of these fields, validated against the rest of the spec. `groupSets` changes
 * named sets (`warehouse resize --group-set`); a warehouse with groupSets takes its bounds only there.
 */
export const resizeSchema = z.strictObject({
  nodes: resizeNodesSchema,
  mode: modeSchema.optional(),
  scaleUpDelaySeconds: seconds('scaleUpDelaySeconds').optional(),
  scaleDownDelaySeconds: seconds('scaleDownDelaySeconds').optional(),
  autoSuspend: z
    .strictObject({ enabled: z.boolean().optional(), timeoutSeconds: seconds('autoSuspend.timeoutSeconds').optional() })
    .optional(),
  dryRun: z.boolean().optional(),
  groupSets: z.array(setResizeSchema).optional(),
  /** The whole list, replacing the running one; `[]` removes every schedule (or budget). */
  schedules: schedulesSchema.optional(),
  budgets: budgetsSchema.optional(),
});
export type Resize = z.infer<typeof resizeSchema>;

/** The spec after a resize, or a SpecError naming what is wrong; the current spec is never modified. */
export function applyResize(spec: WarehouseSpec, resize: unknown): WarehouseSpec {
  const r = resizeSchema.safeParse(resize);
  if (!r.success) throw new SpecError(describe(r.error.issues, resize), 'resize');
  const p = r.data;
  const problems = unknownSets(spec, p);
  if (problems.length) throw new SpecError(problems, 'resize');
  const resized = spec.groupSets ? resizeSets(spec, spec.groupSets, p) : withChanges(spec, [p, ...(p.groupSets ?? [])]);
  const next = {
    ...resized,
    autoSuspend: { ...spec.autoSuspend, ...p.autoSuspend },
    dryRun: p.dryRun ?? spec.dryRun,
    schedules: p.schedules ?? spec.schedules,
    budgets: p.budgets ?? spec.budgets,
  };
  return parseWarehouseSpec(stripUndefined(next), 'resize');
}

/** A resize naming a set the warehouse does not have, or bounding a warehouse of several sets as a whole. */
function unknownSets(spec: WarehouseSpec, p: Resize): string[] {
  const names = (spec.groupSets ?? [spec]).map((s) => s.groupSet);
  const problems = (p.groupSets ?? []).flatMap((x, i) =>
    names.includes(x.groupSet)
      ? []
      : [
          `groupSets.${i}.groupSet: warehouse ${spec.name} has no group set ${JSON.stringify(x.groupSet)} (its group sets: ${names.join(', ')}); name one of them (--group-set)`,
        ],
  );
  if (spec.groupSets && p.nodes)
    problems.push(
      `nodes: warehouse ${spec.name} has group sets ${names.join(', ')}, each with its own nodes; name the set to resize (groupSets, --group-set)`,
    );
  return problems;
}

type SetChanges = Omit<SetResize, 'groupSet'>;
type Resizable = Pick<GroupSetSpec, 'nodes' | 'mode' | 'scaleUpDelaySeconds' | 'scaleDownDelaySeconds'>;

/** A warehouse of one set, or a group set, with these changes applied in turn. */
function withChanges<T extends Resizable>(s: T, changes: SetChanges[]): T {
  return changes.reduce<T>(
    (next, c) => ({
      ...next,
      nodes: { ...next.nodes, ...c.nodes },
      mode: c.mode ?? next.mode,
      scaleUpDelaySeconds: c.scaleUpDelaySeconds ?? next.scaleUpDelaySeconds,
      scaleDownDelaySeconds: c.scaleDownDelaySeconds ?? next.scaleDownDelaySeconds,
    }),
    s,
  );
}

/**
 * A warehouse with groupSets: its mode and delays (the sets' defaults) and each named set changed. Its summed nodes
 * and first pool are left out, for the parser to derive again from the sets.
 */
function resizeSets(spec: WarehouseSpec, sets: GroupSetSpec[], p: Resize): Omit<WarehouseSpec, 'nodes' | 'groupSet'> {
  const { nodes: _summed, groupSet: _first, ...warehouse } = spec;
  return {
    ...warehouse,
    mode: p.mode ?? spec.mode,
    scaleUpDelaySeconds: p.scaleUpDelaySeconds ?? spec.scaleUpDelaySeconds,
    scaleDownDelaySeconds: p.scaleDownDelaySeconds ?? spec.scaleDownDelaySeconds,
    groupSets: sets.map((set) =>
      stripUndefined(
        withChanges(
          set,
          (p.groupSets ?? []).filter((x) => x.groupSet === set.groupSet),
        ),
      ),
    ),
  };
}

function stripUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
