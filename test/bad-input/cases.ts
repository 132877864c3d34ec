// The bad-input table: invalid warehouse specs and resize updates, each with the field its rejection
// must name. Shared by the pure table (specs.test.ts), the workflow's update (resize.test.ts) and the CLI (cli.test.ts).

/** A valid warehouse: every case below changes one thing of it. */
export const VALID = {
  name: 'sales',
  namespace: 'impala',
  executorsPerGroup: 2,
  nodes: { min: 2, max: 6 },
  pollIntervalSeconds: 20,
};

/** A valid warehouse of two group sets: the group-set cases change one thing of it. */
export const TWO_SETS = {
  name: 'mixed',
  namespace: 'impala',
  pollIntervalSeconds: 20,
  groupSets: [
    { groupSet: 'root.small', executorsPerGroup: 2, nodes: { min: 0, max: 8 }, maxQueryMemMb: 2048 },
    { groupSet: 'root.large', size: 'SMALL', nodes: { min: 0, max: 40 }, executorMemoryMb: 65536 },
  ],
};

export interface SpecCase {
  what: string;
  /** The whole warehouse as the user wrote it. */
  input: unknown;
  /** Every one of these must appear in the message (the field; where useful the offending value). */
  names: string[];
  /** A secret the input carries: the message must not repeat it. */
  secret?: string;
}

const KUBE_MAX = 63;
const tooLong = (n: number) => `w${'x'.repeat(n - 1)}`;
const with_ = (patch: Record<string, unknown>) => ({ ...VALID, ...patch });
/** TWO_SETS with its second set changed (`undefined` removes a field). */
const withSecondSet = (patch: Record<string, unknown>) => ({
  ...TWO_SETS,
  groupSets: [TWO_SETS.groupSets[0], { ...TWO_SETS.groupSets[1], ...patch }],
});

export const SPEC_CASES: SpecCase[] = [
  // Wrong types
  { what: 'nodes.min a string', input: with_({ nodes: { min: '2', max: 6 } }), names: ['nodes.min', '"2"'] },
  { what: 'nodes.max a boolean', input: with_({ nodes: { min: 2, max: true } }), names: ['nodes.max', 'true'] },
  { what: 'nodes not an object', input: with_({ nodes: 4 }), names: ['nodes'] },
  {
    what: 'executorsPerGroup a string',
    input: with_({ executorsPerGroup: 'two' }),
    names: ['executorsPerGroup', '"two"'],
  },
  {
    what: 'pollIntervalSeconds a string',
    input: with_({ pollIntervalSeconds: '20s' }),
    names: ['pollIntervalSeconds', '"20s"'],
  },
  {
    what: 'autoSuspend.enabled a string',
    input: with_({ autoSuspend: { enabled: 'yes' } }),
    names: ['autoSuspend.enabled', '"yes"'],
  },
  { what: 'dryRun a number', input: with_({ dryRun: 1 }), names: ['dryRun', '1'] },
  { what: 'coordinators not a list', input: with_({ coordinators: 'http://c:25000' }), names: ['coordinators'] },
  { what: 'name a number', input: with_({ name: 42 }), names: ['name', '42'] },
  {
    what: 'nodes.min fractional',
    input: with_({ nodes: { min: 2.5, max: 6 } }),
    names: ['nodes.min must be a whole number', '2.5'],
  },
  // Out of range
  { what: 'nodes.min negative', input: with_({ nodes: { min: -2, max: 6 } }), names: ['nodes.min', '-2'] },
  { what: 'nodes.max zero', input: with_({ nodes: { min: 0, max: 0 } }), names: ['nodes.max', '0'] },
  {
    what: 'nodes.min not a multiple of the group size',
    input: with_({ nodes: { min: 3, max: 6 } }),
    names: ['nodes.min', '3'],
  },
  {
    what: 'executorsPerGroup zero',
    input: with_({ executorsPerGroup: 0, nodes: { min: 0, max: 0 } }),
    names: ['executorsPerGroup'],
  },
  { what: 'pollIntervalSeconds zero', input: with_({ pollIntervalSeconds: 0 }), names: ['pollIntervalSeconds', '0'] },
  {
    what: 'pollIntervalSeconds above an hour',
    input: with_({ pollIntervalSeconds: 86400 }),
    names: ['pollIntervalSeconds', '86400'],
  },
  {
    what: 'scaleUpDelaySeconds negative',
    input: with_({ scaleUpDelaySeconds: -20 }),
    names: ['scaleUpDelaySeconds', '-20'],
  },
  {
    what: 'autoSuspend.timeoutSeconds negative',
    input: with_({ autoSuspend: { timeoutSeconds: -1 } }),
    names: ['autoSuspend.timeoutSeconds', '-1'],
  },
  { what: 'queriesPerGroup zero', input: with_({ queriesPerGroup: 0 }), names: ['queriesPerGroup', '0'] },
  {
    what: 'executorMemoryMb negative',
    input: with_({ executorMemoryMb: -1024 }),
    names: ['executorMemoryMb', '-1024'],
  },
  {
    what: 'scaleUpTimeoutSeconds zero',
    input: with_({ scaleUpTimeoutSeconds: 0 }),
    names: ['scaleUpTimeoutSeconds', '0'],
  },
  {
    what: 'size not a size',
    input: { ...VALID, executorsPerGroup: undefined, size: 'HUGE' },
    names: ['size', '"HUGE"'],
  },
  { what: 'mode not a mode', input: with_({ mode: 'fast' }), names: ['mode', '"fast"'] },
  {
    what: 'size contradicts executorsPerGroup',
    input: with_({ size: 'SMALL' }),
    names: ['executorsPerGroup', 'SMALL'],
  },
  {
    what: 'neither size nor executorsPerGroup',
    input: { ...VALID, executorsPerGroup: undefined },
    names: ['size', 'executorsPerGroup'],
  },
  // min > max
  {
    what: 'nodes.min > nodes.max',
    input: with_({ nodes: { min: 8, max: 4 } }),
    names: ['nodes.max', 'nodes.min', '4 < 8'],
  },
  // Unknown fields
  { what: 'unknown top-level field', input: with_({ replicas: 3 }), names: ['unknown field', 'replicas'] },
  { what: 'misspelt field', input: with_({ pollIntervalSecond: 20 }), names: ['unknown field', 'pollIntervalSecond'] },
  {
    what: 'unknown field under nodes',
    input: with_({ nodes: { min: 2, max: 6, mid: 4 } }),
    names: ['unknown field', 'nodes.mid'],
  },
  {
    what: 'unknown field under autoSuspend',
    input: with_({ autoSuspend: { enabled: true, after: 300 } }),
    names: ['unknown field', 'autoSuspend.after'],
  },
  {
    what: 'unknown field in a coordinator',
    input: with_({ coordinators: [{ url: 'http://c:25000', password: 'hunter2' }] }),
    names: ['unknown field', 'coordinators.0.password'],
    secret: 'hunter2',
  },
  // Missing
  { what: 'no name', input: { ...VALID, name: undefined }, names: ['name'] },
  { what: 'no namespace', input: { ...VALID, namespace: undefined }, names: ['namespace'] },
  { what: 'no nodes', input: { ...VALID, nodes: undefined }, names: ['nodes'] },
  // Injection-looking and Kubernetes-invalid names
  { what: 'name ../x', input: with_({ name: '../x' }), names: ['name', '"../x"'] },
  { what: 'name with a slash', input: with_({ name: 'a/b' }), names: ['name', '"a/b"'] },
  { what: 'name with upper case', input: with_({ name: 'Sales' }), names: ['name', '"Sales"'] },
  { what: 'name with a space and a semicolon', input: with_({ name: 'x; rm -rf /' }), names: ['name'] },
  { what: 'name with a shell substitution', input: with_({ name: '$(id)' }), names: ['name', '"$(id)"'] },
  { what: 'name with a newline', input: with_({ name: 'a\nb' }), names: ['name'] },
  { what: 'name starting with a dash', input: with_({ name: '-sales' }), names: ['name', '"-sales"'] },
  { what: 'name ending with a dash', input: with_({ name: 'sales-' }), names: ['name', '"sales-"'] },
  { what: 'name with a dot', input: with_({ name: 'sales.eu' }), names: ['name', '"sales.eu"'] },
  { what: 'name empty', input: with_({ name: '' }), names: ['name'] },
  {
    what: `name of ${KUBE_MAX + 1} characters`,
    input: with_({ name: tooLong(KUBE_MAX + 1) }),
    names: ['name', `at most ${KUBE_MAX}`],
  },
  { what: 'name of 300 characters', input: with_({ name: tooLong(300) }), names: ['name', `at most ${KUBE_MAX}`] },
  {
    what: 'namespace ../kube-system',
    input: with_({ namespace: '../kube-system' }),
    names: ['namespace', '"../kube-system"'],
  },
  {
    what: `namespace of ${KUBE_MAX + 1} characters`,
    input: with_({ namespace: tooLong(KUBE_MAX + 1) }),
    names: ['namespace', `at most ${KUBE_MAX}`],
  },
  { what: 'namespace with upper case', input: with_({ namespace: 'Impala' }), names: ['namespace', '"Impala"'] },
  { what: 'executorTemplate ..', input: with_({ executorTemplate: '..' }), names: ['executorTemplate', '".."'] },
  {
    what: 'executorTemplate with upper case',
    input: with_({ executorTemplate: 'Impala_Executor' }),
    names: ['executorTemplate', '"Impala_Executor"'],
  },
  {
    what: 'executorTemplate of 254 characters',
    input: with_({ executorTemplate: tooLong(254) }),
    names: ['executorTemplate'],
  },
  { what: 'groupSet ../x', input: with_({ groupSet: '../x' }), names: ['groupSet', '"../x"'] },
  { what: 'groupSet with a space', input: with_({ groupSet: 'root default' }), names: ['groupSet', '"root default"'] },
  {
    what: 'groupSet too long for a group label',
    input: with_({ groupSet: `root.${'x'.repeat(60)}` }),
    names: ['groupSet', 'at most 52'],
  },
  { what: 'groupSet starting with a dot', input: with_({ groupSet: '.default' }), names: ['groupSet', '".default"'] },
  // Coordinators
  {
    what: 'coordinator url not http',
    input: with_({ coordinators: [{ url: 'file:///etc/passwd' }] }),
    names: ['coordinators.0.url'],
  },
  {
    what: 'coordinator url not a URL',
    input: with_({ coordinators: [{ url: 'coordinator-0' }] }),
    names: ['coordinators.0.url'],
  },
  {
    what: 'coordinator url with a password in it',
    input: with_({ coordinators: [{ url: 'http://admin:hunter2@c:25000' }] }),
    names: ['coordinators.0.url', 'must not carry a user or password'],
    secret: 'hunter2',
  },
  {
    what: 'passwordEnv not a variable name',
    input: with_({ coordinators: [{ url: 'http://c:25000', user: 'u', passwordEnv: '$(cat /etc/shadow)' }] }),
    names: ['coordinators.0.passwordEnv'],
  },
  {
    what: 'both passwordFile and passwordEnv',
    input: with_({ coordinators: [{ url: 'http://c:25000', user: 'u', passwordFile: '/p', passwordEnv: 'P' }] }),
    names: ['coordinators', 'passwordFile', 'passwordEnv'],
  },
  // Group sets
  {
    what: 'a group set listed twice',
    input: withSecondSet({ groupSet: 'root.small', size: undefined, executorsPerGroup: 2 }),
    names: ['groupSets.1.groupSet', 'group set root.small', 'listed twice', 'groupSets.0'],
  },
  {
    what: "a group set whose pool name begins with another's (Impala would count its groups in both)",
    input: withSecondSet({ groupSet: 'root.small.etl' }),
    names: ['groupSets.1.groupSet', 'group set root.small.etl', 'overlaps group set "root.small"'],
  },
  {
    what: "a group set whose StatefulSet prefix is another's (root_small → impala-executor-root-small-)",
    input: withSecondSet({ groupSet: 'root_small' }),
    names: ['groupSets.1.groupSet', 'group set root_small', 'impala-executor-root-small-NNN'],
  },
  {
    what: 'a group set without nodes',
    input: withSecondSet({ nodes: undefined }),
    names: ['groupSets.1.nodes', 'group set root.large', 'nodes must be set'],
  },
  {
    what: 'a group set without a group size, nor one on the warehouse',
    input: withSecondSet({ size: undefined }),
    names: ['groupSets.1.size', 'group set root.large', 'executorsPerGroup'],
  },
  {
    what: "a group set's maxQueryMemMb above its executor memory",
    input: withSecondSet({ maxQueryMemMb: 131072 }),
    names: ['groupSets.1.maxQueryMemMb', 'group set root.large', '131072', '65536'],
  },
  {
    what: "the warehouse's maxQueryMemMb above a set's executor memory",
    input: {
      ...TWO_SETS,
      maxQueryMemMb: 20000,
      groupSets: [{ ...TWO_SETS.groupSets[0], maxQueryMemMb: undefined }, TWO_SETS.groupSets[1]],
    },
    names: ['groupSets.0.maxQueryMemMb', 'group set root.small', '20000', '16384'],
  },
  {
    what: 'maxQueryMemMb above executorMemoryMb (one set)',
    input: with_({ maxQueryMemMb: 32768, executorMemoryMb: 16384 }),
    names: ['maxQueryMemMb', '32768', '16384'],
  },
  {
    what: "a group set's nodes.max not a multiple of its group size",
    input: withSecondSet({ nodes: { min: 0, max: 25 } }),
    names: ['groupSets.1.nodes.max', 'group set root.large', 'group size 10', '25'],
  },
  {
    what: 'nodes on a warehouse with groupSets',
    input: { ...TWO_SETS, nodes: { min: 2, max: 6 } },
    names: ['nodes', 'groupSets'],
  },
  {
    what: 'groupSet on a warehouse with groupSets',
    input: { ...TWO_SETS, groupSet: 'root.default' },
    names: ['groupSet', '"root.default"', 'groupSets'],
  },
  { what: 'groupSets empty', input: { ...TWO_SETS, groupSets: [] }, names: ['groupSets', 'at least one'] },
  {
    what: 'unknown field in a group set',
    input: withSecondSet({ replicas: 3 }),
    names: ['unknown field groupSets.1.replicas (group set root.large)'],
  },
  // Schedules
  {
    what: 'schedule start not a cron expression',
    input: with_({
      schedules: [{ name: 'office', start: '0 25 * * *', end: '0 18 * * *', timezone: 'UTC', minGroups: 1 }],
    }),
    names: ['schedules.0.start', 'schedule office', 'not a valid cron expression', 'hour'],
  },
  {
    what: 'schedule end of four fields',
    input: with_({ schedules: [{ start: '0 8 * * *', end: '0 18 * *', timezone: 'UTC', minGroups: 1 }] }),
    names: ['schedules.0.end', 'schedule schedule-1', 'not a valid cron expression'],
  },
  {
    what: 'schedule timezone not an IANA zone',
    input: with_({
      schedules: [{ name: 'office', start: '0 8 * * *', end: '0 18 * * *', timezone: 'Mars/Olympus', minGroups: 1 }],
    }),
    names: ['schedules.0.timezone', 'schedule office', 'IANA time zone', '"Mars/Olympus"'],
  },
  {
    what: 'schedule with no rule',
    input: with_({ schedules: [{ name: 'office', start: '0 8 * * *', end: '0 18 * * *', timezone: 'UTC' }] }),
    names: ['schedules.0', 'schedule office', 'minGroups, noScaleIn or suspend'],
  },
  {
    what: 'schedule suspending and holding a minimum at once',
    input: with_({
      schedules: [{ name: 'odd', start: '0 8 * * *', end: '0 18 * * *', timezone: 'UTC', suspend: true, minGroups: 1 }],
    }),
    names: ['schedules.0.suspend', 'schedule odd', 'contradicts minGroups'],
  },
  {
    what: 'schedule minGroups above nodes.max',
    input: with_({
      schedules: [{ name: 'office', start: '0 8 * * *', end: '0 18 * * *', timezone: 'UTC', minGroups: 4 }],
    }),
    names: ['schedules.0.minGroups', 'schedule office', 'minGroups 4', 'nodes.max'],
  },
  {
    what: 'overlapping schedules that contradict each other (suspend over a minimum)',
    input: with_({
      schedules: [
        { name: 'office', start: '0 8 * * 1-5', end: '0 18 * * 1-5', timezone: 'Europe/Berlin', minGroups: 2 },
        { name: 'night', start: '0 17 * * *', end: '0 7 * * *', timezone: 'UTC', suspend: true },
      ],
    }),
    names: ['schedules.1', 'schedule night', 'schedule office (minGroups 2)', 'contradict each other'],
  },
  // Budgets
  {
    what: 'a budget of zero',
    input: with_({ budgets: [{ period: 'day', executorHours: 0 }] }),
    names: ['budgets.0.executorHours', 'budget per day', 'must be > 0', '0'],
  },
  {
    what: 'budget period not a period',
    input: with_({ budgets: [{ period: 'week', executorHours: 10 }] }),
    names: ['budgets.0.period', 'day, month', '"week"'],
  },
  {
    what: 'budget threshold action not an action',
    input: with_({ budgets: [{ period: 'month', executorHours: 10, thresholds: [{ percent: 80, action: 'email' }] }] }),
    names: ['budgets.0.thresholds.0.action', 'notify, block-scale-up, suspend', '"email"'],
  },
  {
    what: 'two budgets for one period',
    input: with_({
      budgets: [
        { period: 'day', executorHours: 10 },
        { period: 'day', executorHours: 20 },
      ],
    }),
    names: ['budgets.1.period', 'budget per day', "budget #1's period"],
  },
  {
    what: 'schedules and budgets on a warehouse with groupSets',
    input: {
      ...TWO_SETS,
      schedules: [{ name: 'office', start: '0 8 * * *', end: '0 18 * * *', timezone: 'UTC', noScaleIn: true }],
      budgets: [{ period: 'day', executorHours: 10 }],
    },
    names: ['schedules apply to a warehouse of one group set', 'budgets apply', 'groupSets'],
  },
  // Not a warehouse at all
  { what: 'null', input: null, names: ['warehouse'] },
  { what: 'a list', input: [VALID], names: ['warehouse'] },
];

export interface ResizeCase {
  what: string;
  resize: unknown;
  names: string[];
}

/** Against a running warehouse of VALID's shape: group size 2, nodes 2..6. */
export const RESIZE_CASES: ResizeCase[] = [
  { what: 'nodes.min a string', resize: { nodes: { min: '4' } }, names: ['nodes.min', '"4"'] },
  { what: 'nodes.max a boolean', resize: { nodes: { max: false } }, names: ['nodes.max', 'false'] },
  { what: 'nodes.min fractional', resize: { nodes: { min: 2.5 } }, names: ['nodes.min', '2.5'] },
  { what: 'nodes.min negative', resize: { nodes: { min: -2 } }, names: ['nodes.min', '-2'] },
  { what: 'nodes.max zero', resize: { nodes: { max: 0 } }, names: ['nodes.max', '0'] },
  { what: 'nodes.min not a multiple of the group size', resize: { nodes: { min: 3 } }, names: ['nodes.min', '3'] },
  { what: 'nodes.min above the running nodes.max', resize: { nodes: { min: 8 } }, names: ['nodes.max', '6 < 8'] },
  { what: 'nodes.min > nodes.max', resize: { nodes: { min: 10, max: 4 } }, names: ['nodes.max', '4 < 10'] },
  { what: 'mode not a mode', resize: { mode: 'turbo' }, names: ['mode', '"turbo"'] },
  { what: 'scaleUpDelaySeconds negative', resize: { scaleUpDelaySeconds: -1 }, names: ['scaleUpDelaySeconds', '-1'] },
  {
    what: 'scaleDownDelaySeconds a string',
    resize: { scaleDownDelaySeconds: '10m' },
    names: ['scaleDownDelaySeconds', '"10m"'],
  },
  {
    what: 'autoSuspend.timeoutSeconds fractional',
    resize: { autoSuspend: { timeoutSeconds: 1.5 } },
    names: ['autoSuspend.timeoutSeconds', '1.5'],
  },
  {
    what: 'autoSuspend.enabled a string',
    resize: { autoSuspend: { enabled: 'no' } },
    names: ['autoSuspend.enabled', '"no"'],
  },
  { what: 'dryRun a string', resize: { dryRun: 'true' }, names: ['dryRun', '"true"'] },
  { what: 'unknown field', resize: { replicas: 3 }, names: ['unknown field', 'replicas'] },
  { what: 'a field a resize cannot change (name ../x)', resize: { name: '../x' }, names: ['unknown field', 'name'] },
  {
    what: 'a field a resize cannot change (namespace)',
    resize: { namespace: 'kube-system' },
    names: ['unknown field', 'namespace'],
  },
  {
    what: 'a field a resize cannot change (pollIntervalSeconds)',
    resize: { pollIntervalSeconds: 1 },
    names: ['unknown field', 'pollIntervalSeconds'],
  },
  { what: 'unknown field under nodes', resize: { nodes: { min: 2, step: 2 } }, names: ['unknown field', 'nodes.step'] },
  { what: 'not an object', resize: 'nodes.min=4', names: ['resize'] },
  {
    what: 'a group set the warehouse does not have',
    resize: { groupSets: [{ groupSet: 'root.huge', nodes: { max: 8 } }] },
    names: ['groupSets.0.groupSet', '"root.huge"', 'root.default'],
  },
];

/** Against a running warehouse of TWO_SETS' shape: root.small (group size 2, 0..8) and root.large (10, 0..40). */
export const SET_RESIZE_CASES: ResizeCase[] = [
  {
    what: 'a group set the warehouse does not have',
    resize: { groupSets: [{ groupSet: 'root.huge', nodes: { max: 8 } }] },
    names: ['groupSets.0.groupSet', '"root.huge"', 'root.small, root.large', '--group-set'],
  },
  {
    what: 'nodes for the whole warehouse',
    resize: { nodes: { max: 8 } },
    names: ['nodes', 'root.small, root.large', '--group-set'],
  },
  {
    what: "a set's nodes.max not a multiple of its group size",
    resize: { groupSets: [{ groupSet: 'root.large', nodes: { max: 25 } }] },
    names: ['groupSets.1.nodes.max', 'group set root.large', 'group size 10', '25'],
  },
  {
    what: "a set's nodes.min above its nodes.max",
    resize: { groupSets: [{ groupSet: 'root.small', nodes: { min: 10 } }] },
    names: ['groupSets.0.nodes.max', 'group set root.small', '8 < 10'],
  },
  {
    what: 'a group set without a name',
    resize: { groupSets: [{ nodes: { max: 8 } }] },
    names: ['groupSets.0.groupSet'],
  },
];
