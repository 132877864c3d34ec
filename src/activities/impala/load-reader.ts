// The real LoadReader: reads every coordinator of the warehouse (three pages each, all in parallel) and combines
// them (combine.ts). A coordinator that does not answer is a warning while another answers; one that answers
// something unreadable makes the load unknown, since its own queue and running queries would be missing.
import type { LoadReader, LoadResult } from '../interfaces';
import type { CoordinatorSpec, WarehouseSpec } from '../../policy/types';
import { combine, type CoordinatorReading, type LoadView } from './combine';
import { connect, getJson, type GetResult } from './http-get';
import { admissionSchema, backendsSchema, describeIssues, metricsSchema } from './impala-json';
import type { z } from 'zod';

export const DEFAULT_TIMEOUT_MS = 5000;

export interface ImpalaLoadReaderOptions {
  /** Per request (each of the three pages of each coordinator). Default 5000. */
  timeoutMs?: number;
  /** Where passwordEnv is looked up; default process.env. */
  env?: NodeJS.ProcessEnv;
}

/** What `read` needs of a warehouse; `probe` has no full spec. */
export interface ReadTarget {
  coordinators: CoordinatorSpec[];
  /** Read in place of the coordinators when set (WarehouseSpec.admissionService). */
  admissionService?: CoordinatorSpec;
  groupSet: string;
  /** Configured group size; without it a group is healthy when every registered executor is active. */
  executorsPerGroup?: number;
}

export interface CoordinatorStatus {
  url: string;
  ok: boolean;
  error?: string;
}

export type DetailedResult =
  | { ok: true; view: LoadView; coordinators: CoordinatorStatus[] }
  | { ok: false; reason: string; coordinators: CoordinatorStatus[] };

type Fetched = { ok: true; reading: CoordinatorReading } | { ok: false; unreachable: boolean; reason: string };

export class ImpalaLoadReader implements LoadReader {
  private readonly timeoutMs: number;
  private readonly env: NodeJS.ProcessEnv;

  constructor(options: ImpalaLoadReaderOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.env = options.env ?? process.env;
    if (!Number.isFinite(this.timeoutMs) || this.timeoutMs <= 0) {
      throw new Error(
        `ImpalaLoadReader timeoutMs must be a positive number of milliseconds (got ${options.timeoutMs})`,
      );
    }
  }

  async read(spec: WarehouseSpec): Promise<LoadResult> {
    const r = await this.readDetailed(spec);
    return r.ok ? { ok: true, load: r.view.load } : { ok: false, reason: r.reason };
  }

  /** The load plus per-group and per-coordinator detail (for `probe` and status pages). Never throws. */
  async readDetailed(target: ReadTarget): Promise<DetailedResult> {
    try {
      return await this.readAll(target);
    } catch (err) {
      // A bug here must still be "load unknown", never a crashed activity that the workflow retries blindly.
      return {
        ok: false,
        reason: `reading ${sourcesOf(target)
          .map((c) => c.url)
          .join(', ')} failed: ${(err as Error).message}`,
        coordinators: [],
      };
    }
  }

  private async readAll(target: ReadTarget): Promise<DetailedResult> {
    const sources = sourcesOf(target);
    if (sources.length === 0) {
      return {
        ok: false,
        reason: 'the warehouse lists no coordinators (set coordinators[].url, or admissionService.url)',
        coordinators: [],
      };
    }
    const fetched = await Promise.all(sources.map((c) => this.readCoordinator(c)));
    const coordinators: CoordinatorStatus[] = fetched.map((f, i) =>
      f.ok ? { url: sources[i].url, ok: true } : { url: sources[i].url, ok: false, error: f.reason },
    );
    const failures = fetched.filter((f): f is Extract<Fetched, { ok: false }> => !f.ok);
    const readings = fetched.flatMap((f) => (f.ok ? [f.reading] : []));
    const unreadable = failures.filter((f) => !f.unreachable);
    if (unreadable.length > 0) {
      return { ok: false, reason: `load unknown: ${unreadable.map((f) => f.reason).join('; ')}`, coordinators };
    }
    if (readings.length === 0) {
      return {
        ok: false,
        reason: `load unknown: no coordinator answered: ${failures.map((f) => f.reason).join('; ')}`,
        coordinators,
      };
    }
    const warnings = failures.map((f) => `coordinator down, using the others: ${f.reason}`);
    const combined = combine(readings, target, warnings);
    if (!combined.ok) return { ok: false, reason: `load unknown: ${combined.reason}`, coordinators };
    // Each coordinator reports only its own running queries: with one silent, no group's running count is complete.
    const unreachable = coordinators.filter((c) => !c.ok).map((c) => c.url);
    if (unreachable.length > 0) combined.view.load.unreachableCoordinators = unreachable;
    return { ok: true, view: combined.view, coordinators };
  }

  private async readCoordinator(spec: CoordinatorSpec): Promise<Fetched> {
    const c = connect(spec, this.env);
    if (!c.ok) return { ok: false, unreachable: false, reason: c.reason };
    const opts = { timeoutMs: this.timeoutMs, env: this.env };
    const [admission, metrics, backends] = await Promise.all([
      getJson(c.conn, '/admission?json', opts),
      getJson(c.conn, '/metrics?json', opts),
      getJson(c.conn, '/backends?json', opts),
    ]);
    const url = spec.url.replace(/\/+$/, '');
    const a = validate(withServiceHint(admission), admissionSchema, url, '/admission?json');
    const m = validate(metrics, metricsSchema, url, '/metrics?json');
    const b = validate(backends, backendsSchema, url, '/backends?json');
    if (a.ok && m.ok && b.ok)
      return { ok: true, reading: { url, admission: a.value, metrics: m.value, backends: b.value } };
    const bad = [a, m, b].flatMap((x) => (x.ok ? [] : [x]));
    const unreachable = bad.every((x) => x.unreachable);
    // A coordinator that is down fails all three pages the same way: one message says it.
    const reasons = (unreachable ? bad.slice(0, 1) : bad).map((x) => x.reason);
    return { ok: false, unreachable, reason: reasons.join('; ') };
  }
}

/**
 * With Impala's admission service enabled, coordinators do not serve /admission (ImpalaHttpHandler::RegisterHandlers):
 * the fix is in the spec, so the message says where.
 */
function withServiceHint(got: GetResult): GetResult {
  if (got.ok || !/: HTTP 404\b/.test(got.reason)) return got;
  return {
    ...got,
    reason: `${got.reason} (a deployment running Impala's admission service serves /admission there, not on the coordinators: set the warehouse's admissionService.url, e.g. http://impala-admissiond:25030)`,
  };
}

/**
 * Where the pages are read: the admission service alone when there is one — it admits every coordinator's queries,
 * so its /admission holds every queue and running query, and its /metrics the admission-controller metrics
 * (admissiond-main.cc; ImpalaHttpHandler registers /admission, /backends and the metrics there) — else every
 * coordinator.
 */
function sourcesOf(target: ReadTarget): CoordinatorSpec[] {
  return target.admissionService ? [target.admissionService] : target.coordinators;
}

function validate<T>(
  got: GetResult,
  schema: z.ZodType<T>,
  url: string,
  page: string,
): { ok: true; value: T } | { ok: false; unreachable: boolean; reason: string } {
  if (!got.ok) return { ok: false, unreachable: got.kind === 'unreachable', reason: got.reason };
  const parsed = schema.safeParse(got.body);
  if (!parsed.success) {
    return {
      ok: false,
      unreachable: false,
      reason: `${url}${page}: unexpected JSON shape: ${describeIssues(parsed.error)}`,
    };
  }
  return { ok: true, value: parsed.data };
}
