// A simulated Impala coordinator: its debug web server's JSON pages (impala-pages.ts) plus a control API to run
// queries, over a simulated cluster (cluster.ts). Several coordinators may share one cluster, as Impala's backup
// coordinator shares the statestore.
//
//   POST /queries {pool?, durationMs, memMb?, sql?}  → 201 {id, state, ...}; with several group sets the planner picks
//                                                     the set (planner.ts), `pool` is REQUEST_POOL (400 if it names none)
//   GET  /queries/:id                               → the query: state, queueWaitMs, group, reason
//   GET  /queries                                   → every query
//   POST /restart                                   → the coordinator's process restarts: the queries it held end
//
// With `role: 'admissiond'` the server is Impala's admission service instead: /admission, /metrics and /backends over
// every coordinator's queries, no control API; the cluster's coordinators then serve no /admission.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { describeIssues } from '../activities/impala/impala-json';
import { ClusterSimulator, type ClusterOptions, type SimQuery } from './cluster';
import { RequestPoolError } from './planner';
import { admissionPage, backendsPage, jsonMetricsPage, metricsPage, type CoordinatorIdentity } from './impala-pages';

export const DEFAULT_PORT = 25000;

export type CoordinatorOptions = {
  /** Default 25000; 0 picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Name in /backends and tag of the queries it takes. Default coordinator-N (N = its position in the cluster). */
  name?: string;
  /** Reported statestore staleness, ms, on top of the statestore view's own age. Default 0. */
  stalenessMs?: number;
  /** Default coordinator. */
  role?: 'coordinator' | 'admissiond';
} & ({ cluster: ClusterSimulator } | ClusterOptions);

/** Failures a real coordinator shows, injected into the debug pages (not the control API). */
export interface Faults {
  /** Answer each page this much later (a coordinator under GC or load). */
  delayMs?: number;
  /** Send only the first half of each page (a coordinator restarting mid-response). */
  truncate?: boolean;
  /** Answer each page with this HTTP status and an HTML body. */
  status?: number;
}

const faultsSchema = z.object({
  delayMs: z.number().nonnegative().optional(),
  truncate: z.boolean().optional(),
  status: z.number().int().min(100).max(599).optional(),
});

export interface CoordinatorServer {
  /** `http://127.0.0.1:PORT` */
  url: string;
  port: number;
  name: string;
  cluster: ClusterSimulator;
  /** Replaces the injected faults; `{}` heals. */
  setFaults(faults: Faults): void;
  /** Stops the server (and the cluster, when this server created it). */
  close(): Promise<void>;
}

const submitSchema = z.object({
  pool: z.string().min(1).optional(),
  durationMs: z.number().nonnegative(),
  memMb: z.number().nonnegative().optional(),
  sql: z.string().optional(),
});

export interface QueryView {
  id: string;
  pool: string;
  sql?: string;
  coordinator?: string;
  state: SimQuery['state'];
  memMb: number;
  durationMs: number;
  /** Milliseconds since the simulator started. */
  submittedAtMs: number;
  admittedAtMs?: number;
  endAtMs?: number;
  /** Time in the queue: final once admitted, so far while queued. */
  queueWaitMs: number;
  group?: string;
  reason?: string;
}

export function queryView(q: SimQuery, now: number): QueryView {
  const end = q.admittedAt ?? (q.state === 'queued' ? now : (q.endAt ?? now));
  return {
    id: q.id,
    pool: q.pool,
    sql: q.sql,
    coordinator: q.coordinator,
    state: q.state,
    memMb: q.memBytes / (1024 * 1024),
    durationMs: q.durationMs,
    submittedAtMs: q.submittedAt,
    admittedAtMs: q.admittedAt,
    endAtMs: q.endAt,
    queueWaitMs: end - q.submittedAt,
    group: q.group,
    reason: q.reason,
  };
}

export async function startCoordinator(options: CoordinatorOptions): Promise<CoordinatorServer> {
  const owned = !('cluster' in options);
  const cluster = 'cluster' in options ? options.cluster : new ClusterSimulator(options);
  if (owned) await cluster.start();
  const admissiond = options.role === 'admissiond';
  const me: CoordinatorIdentity = {
    name: options.name ?? (admissiond ? 'admissiond' : `coordinator-${cluster.coordinators.length}`),
    stalenessMs: options.stalenessMs ?? 0,
    ...(admissiond ? { admissionService: true } : {}),
  };
  if (admissiond) {
    if (cluster.admissionService)
      throw new Error(`the cluster already has an admission service, ${cluster.admissionService}`);
    cluster.admissionService = me.name;
  } else {
    if (cluster.coordinators.includes(me.name))
      throw new Error(`the cluster already has a coordinator named ${me.name}`);
    cluster.coordinators.push(me.name);
  }
  const unregister = () => {
    if (admissiond) cluster.admissionService = undefined;
    const i = cluster.coordinators.indexOf(me.name);
    if (i >= 0) cluster.coordinators.splice(i, 1);
  };

  const state = { faults: {} as Faults };
  const server = http.createServer((req, res) => {
    void handle(cluster, me, state, req, res).catch((err: Error) => send(res, 500, { error: err.message }));
  });
  server.keepAliveTimeout = 1000;
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? DEFAULT_PORT, options.host ?? '127.0.0.1', () => resolve());
    });
  } catch (err) {
    if (owned) cluster.stop();
    unregister();
    throw new Error(
      `coordinator simulator cannot listen on ${options.host ?? '127.0.0.1'}:${options.port ?? DEFAULT_PORT}: ${(err as Error).message}`,
    );
  }
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    port,
    name: me.name,
    cluster,
    setFaults: (faults) => {
      state.faults = { ...faults };
    },
    close: () =>
      new Promise<void>((resolve) => {
        if (owned) cluster.stop();
        unregister();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function handle(
  cluster: ClusterSimulator,
  me: CoordinatorIdentity,
  state: { faults: Faults },
  req: http.IncomingMessage,
  res: http.ServerResponse,
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://simulator');
  const path = url.pathname.replace(/\/+$/, '') || '/';
  // ImpalaHttpHandler::RegisterHandlers: with the admission service enabled, impalads do not register /admission.
  const noAdmission = path === '/admission' && cluster.admissionService !== undefined && !me.admissionService;
  if (req.method === 'GET' && PAGES.has(path) && !noAdmission) {
    const f = state.faults;
    if (f.delayMs) await sleep(f.delayMs);
    if (res.destroyed) return;
    if (f.status && f.status !== 200) {
      res
        .writeHead(f.status, { 'content-type': 'text/html' })
        .end('<html><body>Simulated coordinator error</body></html>');
      return;
    }
    cluster.sync();
    const page =
      path === '/admission'
        ? admissionPage(cluster, me)
        : path === '/metrics'
          ? metricsPage(cluster, me, url.searchParams.get('metric_group') ?? undefined)
          : path === '/jsonmetrics'
            ? jsonMetricsPage(cluster, me)
            : backendsPage(cluster);
    return send(res, 200, page, f.truncate);
  }
  if (req.method === 'GET') {
    cluster.sync();
    switch (path) {
      case '/queries':
        return send(res, 200, { queries: cluster.queries().map((q) => queryView(q, cluster.model.time())) });
    }
    const m = /^\/queries\/([^/]+)$/.exec(path);
    if (m) {
      const q = cluster.query(decodeURIComponent(m[1]));
      return q
        ? send(res, 200, queryView(q, cluster.model.time()))
        : send(res, 404, { error: `no query with id ${m[1]}` });
    }
  }
  if (me.admissionService) {
    return send(res, 404, { error: `${req.method} ${path} is not served by the admission service simulator` });
  }
  if (req.method === 'POST' && path === '/restart') {
    cluster.restartCoordinator(me.name);
    return send(res, 200, { restarted: me.name });
  }
  if (req.method === 'PUT' && path === '/faults') {
    let body: unknown;
    try {
      body = JSON.parse(await readBody(req));
    } catch (err) {
      return send(res, 400, { error: `PUT /faults: body is not JSON (${(err as Error).message})` });
    }
    const parsed = faultsSchema.safeParse(body);
    if (!parsed.success) return send(res, 400, { error: `PUT /faults: ${describeIssues(parsed.error)}` });
    state.faults = parsed.data;
    return send(res, 200, state.faults);
  }
  if (req.method === 'POST' && path === '/queries') {
    let body: unknown;
    try {
      body = JSON.parse(await readBody(req));
    } catch (err) {
      return send(res, 400, {
        error: `POST /queries: body is not JSON (${(err as Error).message}); send {"durationMs": N, "memMb"?: N, "pool"?: "...", "sql"?: "..."}`,
      });
    }
    const parsed = submitSchema.safeParse(body);
    if (!parsed.success) return send(res, 400, { error: `POST /queries: ${describeIssues(parsed.error)}` });
    let q: SimQuery;
    try {
      q = cluster.submit({ ...parsed.data, coordinator: me.name });
    } catch (err) {
      // Impala fails such a query at planning (Frontend.getTExecRequest's AnalysisException): it never reaches admission.
      if (err instanceof RequestPoolError) return send(res, 400, { error: `POST /queries: ${err.message}` });
      throw err;
    }
    return send(res, 201, queryView(q, cluster.model.time()));
  }
  send(res, 404, { error: `${req.method} ${path} is not served by the coordinator simulator` });
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

const PAGES = new Set(['/admission', '/metrics', '/jsonmetrics', '/backends']);

function send(res: http.ServerResponse, status: number, body: unknown, truncate = false): void {
  const full = JSON.stringify(body, null, 2);
  const text = truncate ? full.slice(0, Math.floor(full.length / 2)) : full;
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
