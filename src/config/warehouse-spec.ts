// The warehouse spec (docs/design.md, "Warehouse spec"): parsed from YAML or JSON, validated, defaults filled in.
// Pure (no I/O), so the workflow can validate a resize with the same rules as the configuration file.
import { z } from 'zod';
import { DEFAULT_DEGRADED_REPLACE_SECONDS } from '../policy/modes';
import type { Mode, Size, WarehouseSpec } from '../policy/types';

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

// Checks within one field (nodes.max ≥ nodes.min, one password source per coordinator) sit on that field's schema,
// and the checks across fields run whenever the fields they read parsed: a mistake elsewhere in the same warehouse
// (zod skips an object's refinements after a type error in any of its fields) never hides them, so a file's every
// mistake is reported at once.
// Group names are `impala-executor-NNN` (19 characters) and their pods append `-N`; the warehouse name
// is a label value (≤ 63), so 63 bounds it.
export const warehouseSpecSchema = z
  .strictObject({
    name: dnsLabel('name', 63),
    namespace: dnsLabel('namespace', 63),
    coordinators: z.array(coordinatorEntry).default([]),
    admissionService: coordinatorEntry.optional(),
    executorTemplate: z
      .string({ error: 'executorTemplate must be a string' })
      .min(1, 'executorTemplate must not be empty')
      .refine((t) => isManifestPath(t) || (t.length <= 253 && DNS_SUBDOMAIN.test(t)), {
        message:
          "executorTemplate must be the name of a StatefulSet (lower-case letters, digits, '-' and '.', at most 253) or a manifest file path (with a '/' or ending in .yaml, .yml or .json)",
      })
      .default('impala-executor-000'),
    size: z
      .enum(['XSMALL', 'SMALL', 'MEDIUM', 'LARGE'], { error: 'size must be one of XSMALL, SMALL, MEDIUM, LARGE' })
      .optional(),
    executorsPerGroup: z.number().int().min(1, 'executorsPerGroup must be ≥ 1').max(1000).optional(),
    nodes: z
      .strictObject({
        min: z
          .number({ error: 'nodes.min must be a number' })
          .int('nodes.min must be a whole number')
          .min(0, 'nodes.min must be ≥ 0'),
        max: z
          .number({ error: 'nodes.max must be a number' })
          .int('nodes.max must be a whole number')
          .min(1, 'nodes.max must be ≥ 1'),
      })
      .refine((n) => n.max >= n.min, {
        path: ['max'],
        error: (i) =>
          `nodes.max must be ≥ nodes.min (got ${(i.input as { max: number }).max} < ${(i.input as { min: number }).min})`,
      }),
    queriesPerGroup: z.number().int().min(1, 'queriesPerGroup must be ≥ 1').default(12),
    executorMemoryMb: z.number().int().min(1, 'executorMemoryMb must be ≥ 1').default(16384),
    // It names the executor groups (`<groupSet>-group-NNN`), which are a Kubernetes label value: ≤ 63 characters,
    // starting and ending with a letter or digit — so at most 52 here, leaving room for 4-digit group numbers.
    groupSet: z
      .string({ error: 'groupSet must be a string' })
      .max(
        52,
        'groupSet must be at most 52 characters (it prefixes executor group names, a Kubernetes label value of at most 63)',
      )
      .regex(
        /^[A-Za-z0-9]([A-Za-z0-9_.-]*[A-Za-z0-9])?$/,
        "groupSet must be an Impala pool name such as root.default (letters, digits, '_', '.', '-'; starting and ending with a letter or digit)",
      )
      .default('root.default'),
    mode: z
      .enum(['conservative', 'balanced', 'aggressive'], {
        error: 'mode must be one of conservative, balanced, aggressive',
      })
      .default('balanced'),
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
    // Set from the warehouses file's fleet section (src/config/fleet.ts): the workflow fleet-<name> grants its groups.
    fleet: dnsLabel('fleet', 57).optional(),
  })
  .superRefine(
    (s, ctx) => {
      if (s.executorsPerGroup === undefined && s.size === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['size'],
          message: 'set size (XSMALL, SMALL, MEDIUM, LARGE) or executorsPerGroup',
        });
      } else if (s.size && s.executorsPerGroup !== undefined && GROUP_SIZES[s.size] !== s.executorsPerGroup) {
        ctx.addIssue({
          code: 'custom',
          path: ['executorsPerGroup'],
          message: `executorsPerGroup ${s.executorsPerGroup} contradicts size ${s.size} (${GROUP_SIZES[s.size]}); set one of them`,
        });
      }
    },
    { when: (payload) => parsedFine(payload.issues, ['size', 'executorsPerGroup']) },
  )
  .superRefine(
    (s, ctx) => {
      const perGroup = s.executorsPerGroup ?? (s.size ? GROUP_SIZES[s.size] : undefined);
      // Without a group size the check above has said so already.
      if (perGroup === undefined) return;
      for (const k of ['min', 'max'] as const) {
        if (s.nodes[k] % perGroup !== 0) {
          ctx.addIssue({
            code: 'custom',
            path: ['nodes', k],
            message: `nodes.${k} must be a multiple of the group size ${perGroup} (got ${s.nodes[k]})`,
          });
        }
      }
    },
    { when: (payload) => parsedFine(payload.issues, ['size', 'executorsPerGroup', 'nodes']) },
  )
  .transform((s): WarehouseSpec => ({ ...s, executorsPerGroup: s.executorsPerGroup ?? GROUP_SIZES[s.size!] }));

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
    const path = i.path.join('.');
    if (i.code === 'unrecognized_keys')
      return `unknown field${i.keys.length > 1 ? 's' : ''} ${i.keys.map((k) => (path ? `${path}.${k}` : k)).join(', ')}`;
    const message = path && !i.message.startsWith(path) ? `${path}: ${i.message}` : i.message;
    // Name the offending value (docs/design.md, "Patterns": validators name the offending value), unless the message already does.
    const value = valueAt(input, i.path);
    return value.found && !names(message, show(value.value)) ? `${message} (got ${show(value.value)})` : message;
  });
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

/** The operator's resize: any subset of these fields, validated against the rest of the spec. */
export const resizeSchema = z.strictObject({
  nodes: z
    .strictObject({ min: z.number().int().min(0).optional(), max: z.number().int().min(1).optional() })
    .optional(),
  mode: z
    .enum(['conservative', 'balanced', 'aggressive'], {
      error: 'mode must be one of conservative, balanced, aggressive',
    })
    .optional(),
  scaleUpDelaySeconds: seconds('scaleUpDelaySeconds').optional(),
  scaleDownDelaySeconds: seconds('scaleDownDelaySeconds').optional(),
  autoSuspend: z
    .strictObject({ enabled: z.boolean().optional(), timeoutSeconds: seconds('autoSuspend.timeoutSeconds').optional() })
    .optional(),
  dryRun: z.boolean().optional(),
});
export type Resize = z.infer<typeof resizeSchema>;

/** The spec after a resize, or a SpecError naming what is wrong; the current spec is never modified. */
export function applyResize(spec: WarehouseSpec, resize: unknown): WarehouseSpec {
  const r = resizeSchema.safeParse(resize);
  if (!r.success) throw new SpecError(describe(r.error.issues, resize), 'resize');
  const p = r.data;
  const next = {
    ...spec,
    nodes: { ...spec.nodes, ...p.nodes },
    mode: p.mode ?? spec.mode,
    scaleUpDelaySeconds: p.scaleUpDelaySeconds ?? spec.scaleUpDelaySeconds,
    scaleDownDelaySeconds: p.scaleDownDelaySeconds ?? spec.scaleDownDelaySeconds,
    autoSuspend: { ...spec.autoSuspend, ...p.autoSuspend },
    dryRun: p.dryRun ?? spec.dryRun,
  };
  return parseWarehouseSpec(stripUndefined(next), 'resize');
}

function stripUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
