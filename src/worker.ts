// The worker process: runs warehouse workflows and their activities on one task queue. More workers on the same
// queue share the warehouses (Temporal's task queues balance them).
import fs from 'node:fs';
import path from 'node:path';
import {
  type BundleOptions,
  bundleWorkflowCode,
  NativeConnection,
  Worker,
  type InjectedSinks,
  Runtime,
  type WorkflowBundleWithSourceMap,
  type WorkerOptions,
  workflowLogAttributes,
} from '@temporalio/worker';
import { SdkComponent } from '@temporalio/common';
import { createActivities, type ActivityDeps } from './activities';
import type { AutoscalerSinks } from './workflows/sinks';

export const TASK_QUEUE = 'impala-autoscaler';

// Resolved only when bundling from source: a worker started from a prebuilt bundle may run where the sources are not.
const workflowsPath = () => require.resolve('./workflows');

/**
 * The modules every cached workflow shares instead of evaluating its own copy: the pure policy (src/policy: functions
 * and constants, no state, no import of the SDK) and the Web UI's details table it formats with. A reusable V8 context
 * evaluates each workflow's modules once per cached workflow, and these are most of ours: with them preloaded, a
 * cached warehouse holds only its own state and the SDK's, and its first activation evaluates far less code
 * (bench:scale's RSS and first ticks). The SDK deep-freezes preloaded modules, so a workflow that wrote to one would
 * fail its task rather than leak into another.
 */
export function sharedWorkflowModules(): string[] {
  const policy = path.dirname(require.resolve('./policy/decide'));
  const own = fs
    .readdirSync(policy)
    .filter((f) => /\.(ts|js)$/.test(f) && !f.endsWith('.d.ts'))
    .map((f) => path.join(policy, f));
  return [...own, require.resolve('./workflows/details')];
}

type WebpackConfig = Parameters<NonNullable<BundleOptions['webpackConfigHook']>>[0];

/**
 * Our workflow code compiled for the Node the worker runs on, as tsconfig.json compiles it (ES2022), instead of the
 * SDK bundler's ES2017: object spread, which the policy and the workflows use on every tick, stays native instead of
 * becoming helper calls that define one property at a time (those helpers were ~2 % of the workflow thread's busy time
 * at 2,500 warehouses, bench:scale --cpu-prof). Throws when the SDK's bundler no longer has the rule it rewrites, so
 * that an SDK upgrade that moves it fails the worker's start and the tests rather than silently compiling for ES2017.
 */
export function compiledForNode(config: WebpackConfig): WebpackConfig {
  const swc = (config.module?.rules ?? []).flatMap((rule) => {
    const use = rule && typeof rule === 'object' ? rule.use : undefined;
    return use && typeof use === 'object' && !Array.isArray(use) && String(use.loader).includes('swc-loader')
      ? [use]
      : [];
  });
  const jsc = swc.length === 1 && typeof swc[0].options === 'object' ? swc[0].options.jsc : undefined;
  if (!jsc || typeof jsc !== 'object')
    throw new Error(
      "The Temporal SDK's workflow bundler no longer compiles TypeScript with one swc-loader rule (its jsc options): " +
        'update compiledForNode in src/worker.ts to the SDK installed.',
    );
  jsc.target = 'es2022';
  return config;
}

/** How the warehouse workflows are bundled, by a worker from source and by bundleWarehouseWorkflows alike. */
function bundlerOptions(): Pick<BundleOptions, 'preloadModules' | 'webpackConfigHook'> {
  return { preloadModules: sharedWorkflowModules(), webpackConfigHook: compiledForNode };
}

/** The workflow interceptors: the Web UI's details built when read (src/workflows/details-query.ts). */
function workflowInterceptorModules(): string[] {
  return [require.resolve('./workflows/details-query')];
}

/** The warehouse workflows bundled as the worker runs them (prebuild once for many workers: tests, benchmarks). */
export function bundleWarehouseWorkflows(
  logger?: Parameters<typeof bundleWorkflowCode>[0]['logger'],
): Promise<WorkflowBundleWithSourceMap> {
  return bundleWorkflowCode({
    workflowsPath: workflowsPath(),
    ...bundlerOptions(),
    workflowInterceptorModules: workflowInterceptorModules(),
    ...(logger ? { logger } : {}),
  });
}

export interface WarehouseWorkerOptions {
  connection: NativeConnection;
  namespace?: string;
  taskQueue?: string;
  deps: ActivityDeps;
  /** A bundle from bundleWarehouseWorkflows(); by default the workflows are bundled from source at start. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  identity?: string;
  /** Where the workflow's per-tick reports go (src/observability/metrics.ts); by default they are dropped. */
  sinks?: InjectedSinks<AutoscalerSinks>;
  /**
   * How long a workflow task waits on this worker's sticky queue before any worker may take it (SDK default 10 s).
   * After a worker dies without shutting down, each of its cached workflows stalls this long once.
   */
  stickyQueueScheduleToStartTimeout?: WorkerOptions['stickyQueueScheduleToStartTimeout'];
  /**
   * Warehouse workflows kept in memory between ticks (SDK default: sized from the heap limit). Set it at least to the
   * warehouses this worker serves: a warehouse evicted from the cache replays its whole history on its next tick.
   */
  maxCachedWorkflows?: number;
}

// Registered even without metrics, so that a worker never logs "unregistered external sink" once per tick.
const DROP_REPORTS: InjectedSinks<AutoscalerSinks> = { metrics: { tick: { fn: () => undefined } } };

/**
 * The tick sink, also logging a steady tick's one line (TickReport.steadyLine) as the workflow's logger would have
 * (`log` in @temporalio/workflow: the runtime's logger, sdkComponent `workflow`, the workflow's log attributes): an
 * idle warehouse's tick then makes one sink call instead of two. Each sink call's arguments and the workflow's info
 * are cloned in the sandbox, copied and cloned again by the workflow thread, and posted to the main thread; at
 * thousands of warehouses the second call was a measurable share of an idle tick beyond the bare loop's.
 */
export function withSteadyLines(sinks: InjectedSinks<AutoscalerSinks>): InjectedSinks<AutoscalerSinks> {
  const logger = Runtime.instance().logger;
  const { fn } = sinks.metrics.tick;
  return {
    ...sinks,
    metrics: {
      tick: {
        fn: (info, report) => {
          const { steadyLine, ...metrics } = report;
          if (steadyLine !== undefined)
            logger.info(steadyLine, {
              sdkComponent: SdkComponent.workflow,
              ...workflowLogAttributes(info),
              warehouse: report.warehouse,
              tick: report.tick,
              ...(report.groupSet ? { groupSet: report.groupSet } : {}),
            });
          return fn(info, metrics);
        },
        // The workflow reports no tick while it replays (reportTick): nothing is logged twice.
        callDuringReplay: false,
      },
    },
  };
}

export async function createWarehouseWorker(o: WarehouseWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: o.connection,
    namespace: o.namespace ?? 'default',
    taskQueue: o.taskQueue ?? TASK_QUEUE,
    ...(o.workflowBundle
      ? { workflowBundle: o.workflowBundle }
      : {
          workflowsPath: workflowsPath(),
          bundlerOptions: bundlerOptions(),
          interceptors: { workflowModules: workflowInterceptorModules() },
        }),
    activities: createActivities(o.deps),
    sinks: withSteadyLines(o.sinks ?? DROP_REPORTS),
    ...(o.identity ? { identity: o.identity } : {}),
    ...(o.stickyQueueScheduleToStartTimeout !== undefined
      ? { stickyQueueScheduleToStartTimeout: o.stickyQueueScheduleToStartTimeout }
      : {}),
    ...(o.maxCachedWorkflows !== undefined ? { maxCachedWorkflows: o.maxCachedWorkflows } : {}),
  });
}
