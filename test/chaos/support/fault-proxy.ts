// A small fault-injecting HTTP proxy for the chaos tests. Clients speak plain HTTP to it on 127.0.0.1; it forwards
// to the real server — the local kube-apiserver over HTTPS with the admin's client certificate, or a coordinator
// simulator over HTTP — and on the way it can:
//   - answer a status instead (500, 503 or 429 with Retry-After, 409, 404, 403, 422) with a Kubernetes Status body;
//   - reset the connection, before forwarding (the request never arrived) or after (it was applied, the answer lost);
//   - stall a request for a while (or until healed), then forward it;
//   - rewrite a response body (a coordinator that forgot a pool);
//   - go down (stop listening: connection refused) and come back on the same port.
// Faults are rules matched in order by method and path, each used a bounded number of times; every request is logged.
import http from 'node:http';
import { KubeConfig } from '@kubernetes/client-node';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';

export type Fault =
  | { kind: 'status'; code: number; retryAfterSeconds?: number; message?: string }
  | { kind: 'reset'; when: 'before' | 'after' }
  /** Hold the request this long, then forward it (an API server that stops answering for a while). */
  | { kind: 'stall'; ms: number };

export interface FaultRule {
  method?: string;
  path?: RegExp;
  fault: Fault;
  /** How many matching requests get the fault. */
  times: number;
}

export interface ProxiedRequest {
  at: number;
  method: string;
  path: string;
  /** What happened: `forwarded 201`, `status 500`, `reset before`, `reset after 201`, `stalled 10000 ms, forwarded 201`. */
  outcome: string;
}

export interface FaultProxy {
  /** http://127.0.0.1:PORT */
  url: string;
  port: number;
  readonly requests: ProxiedRequest[];
  inject(rule: FaultRule): void;
  /** Rewrites the bodies of responses whose path matches (JSON in, JSON out). */
  rewrite(path: RegExp | undefined, fn?: (body: unknown) => unknown): void;
  /** Faults injected so far (statuses, resets, stalled requests). */
  injected(): number;
  /** The API answers again: every rule is dropped and the requests stalled now are forwarded at once. */
  heal(): void;
  /** Stop listening and drop open connections: clients get connection refused. */
  down(): Promise<void>;
  up(): Promise<void>;
  close(): Promise<void>;
}

export interface ProxyTarget {
  /** https://127.0.0.1:6443 or http://127.0.0.1:25000 */
  url: string;
  /** TLS client options for an https target (ca, cert, key). */
  tls?: https.RequestOptions;
}

const STATUS_REASON: Record<number, string> = {
  403: 'Forbidden',
  404: 'NotFound',
  409: 'AlreadyExists',
  422: 'Invalid',
  429: 'TooManyRequests',
  500: 'InternalError',
  503: 'ServiceUnavailable',
};

/** A 403 is RBAC's refusal unless a rule says otherwise (a quota's would name the quota), worded as RBAC words it. */
const DEFAULT_MESSAGE: Record<number, string> = {
  403: 'statefulsets.apps is forbidden: User "system:serviceaccount:impala:impala-autoscaler" cannot create resource "statefulsets" in API group "apps" (injected by the chaos proxy)',
};

export async function startFaultProxy(target: ProxyTarget): Promise<FaultProxy> {
  const base = new URL(target.url);
  const rules: FaultRule[] = [];
  const requests: ProxiedRequest[] = [];
  const sockets = new Set<Socket>();
  const stalled = new Set<() => void>();
  let injected = 0;
  let rewriter: { path?: RegExp; fn: (body: unknown) => unknown } | undefined;

  const take = (method: string, path: string): Fault | undefined => {
    const rule = rules.find((r) => r.times > 0 && (!r.method || r.method === method) && (!r.path || r.path.test(path)));
    if (!rule) return undefined;
    rule.times -= 1;
    injected += 1;
    return rule.fault;
  };

  const reset = (req: http.IncomingMessage) => {
    const s = req.socket as Socket & { resetAndDestroy?: () => void };
    if (s.resetAndDestroy) s.resetAndDestroy();
    else s.destroy();
  };

  const forward = (
    req: http.IncomingMessage,
    body: Buffer,
  ): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> =>
    new Promise((resolve, reject) => {
      const headers = { ...req.headers, host: base.host };
      delete headers.connection;
      const options: https.RequestOptions = {
        method: req.method,
        hostname: base.hostname,
        port: base.port,
        path: req.url,
        headers,
        ...(target.tls ?? {}),
      };
      const out = (base.protocol === 'https:' ? https : http).request(options, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 502, headers: res.headers, body: Buffer.concat(chunks) }),
        );
        res.on('error', reject);
      });
      out.on('error', reject);
      out.end(body);
    });

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const method = req.method ?? 'GET';
    const path = (req.url ?? '/').split('?')[0];
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    const entry: ProxiedRequest = { at: Date.now(), method, path, outcome: '' };
    requests.push(entry);
    let prefix = '';
    let fault = take(method, path);
    if (fault?.kind === 'stall') {
      const ms = fault.ms;
      const healed = await new Promise<boolean>((resolve) => {
        const release = () => (clearTimeout(timer), stalled.delete(release), resolve(true));
        const timer = setTimeout(() => (stalled.delete(release), resolve(false)), ms);
        stalled.add(release);
      });
      prefix = healed ? `stalled ${Date.now() - entry.at} ms until healed, ` : `stalled ${ms} ms, `;
      fault = undefined;
    }
    if (fault?.kind === 'status') {
      entry.outcome = `${prefix}status ${fault.code}`;
      const status = {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: fault.message ?? DEFAULT_MESSAGE[fault.code] ?? `injected by the chaos proxy: ${fault.code}`,
        reason: STATUS_REASON[fault.code] ?? 'Unknown',
        code: fault.code,
      };
      const headers: http.OutgoingHttpHeaders = { 'content-type': 'application/json' };
      if (fault.retryAfterSeconds !== undefined) headers['retry-after'] = String(fault.retryAfterSeconds);
      res.writeHead(fault.code, headers).end(JSON.stringify(status));
      return;
    }
    if (fault?.kind === 'reset' && fault.when === 'before') {
      entry.outcome = `${prefix}reset before`;
      reset(req);
      return;
    }
    let answer: Awaited<ReturnType<typeof forward>>;
    try {
      answer = await forward(req, body);
    } catch (err) {
      entry.outcome = `${prefix}upstream error ${(err as Error).message}`;
      res.writeHead(502).end();
      return;
    }
    if (fault?.kind === 'reset') {
      entry.outcome = `${prefix}reset after ${answer.status}`;
      reset(req);
      return;
    }
    let out = answer.body;
    if (rewriter && (!rewriter.path || rewriter.path.test(path)) && answer.status === 200) {
      out = Buffer.from(JSON.stringify(rewriter.fn(JSON.parse(out.toString('utf8')))));
      injected += 1;
      prefix += 'rewritten, ';
    }
    entry.outcome = `${prefix}forwarded ${answer.status}`;
    const headers = { ...answer.headers, 'content-length': String(out.length) };
    delete headers['transfer-encoding'];
    delete headers.connection;
    res.writeHead(answer.status, headers).end(out);
  };

  const server = http.createServer((req, res) => {
    handle(req, res).catch(() => res.destroy());
  });
  server.keepAliveTimeout = 1000;
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  const listen = (port: number) =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => (server.off('error', reject), resolve()));
    });
  const stopListening = () =>
    new Promise<void>((resolve) => {
      if (!server.listening) return resolve();
      server.close(() => resolve());
      for (const s of sockets) s.destroy();
    });
  await listen(0);
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    inject: (rule) => void rules.push({ ...rule }),
    rewrite: (path, fn) => {
      rewriter = fn ? { path, fn } : undefined;
    },
    injected: () => injected,
    heal: () => {
      rules.length = 0;
      for (const release of [...stalled]) release();
    },
    down: stopListening,
    up: () => listen(port),
    close: stopListening,
  };
}

/** A KubeConfig for the API server behind the proxy (plain HTTP to the proxy, no credentials: it adds them). */
export function proxiedKubeConfig(proxy: FaultProxy): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'chaos-proxy', server: proxy.url, skipTLSVerify: true }],
    users: [{ name: 'chaos' }],
    contexts: [{ name: 'chaos-proxy', cluster: 'chaos-proxy', user: 'chaos' }],
    currentContext: 'chaos-proxy',
  });
  return kc;
}
