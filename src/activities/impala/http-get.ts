// One GET of a coordinator page, with basic auth, a CA file and a hard timeout. Node's http/https rather than
// fetch: fetch cannot take a CA file without importing undici's dispatcher.
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { CoordinatorSpec } from '../../policy/types';

/**
 * `unreachable`: the coordinator did not answer (refused, timeout, DNS, TLS) — with another coordinator answering
 * this is only a warning. `bad`: it answered, but not with a page we can read — its queries are real and unread, so
 * the load is unknown.
 */
export type GetResult =
  { ok: true; body: unknown } | { ok: false; kind: 'unreachable' | 'bad' | 'config'; reason: string };

export interface GetOptions {
  timeoutMs: number;
  env: NodeJS.ProcessEnv;
  /** Largest body accepted; a runaway page is an error, not a memory problem. */
  maxBytes?: number;
}

/** Resolved once per read, so a rotated password file takes effect without a restart. */
export interface Connection {
  url: URL;
  headers: Record<string, string>;
  ca?: Buffer;
}

export function connect(
  spec: CoordinatorSpec,
  env: NodeJS.ProcessEnv,
): { ok: true; conn: Connection } | { ok: false; reason: string } {
  let url: URL;
  try {
    url = new URL(spec.url);
  } catch {
    return {
      ok: false,
      reason: `coordinator URL "${spec.url}" is not a valid URL (expected like http://coordinator-0:25000)`,
    };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return { ok: false, reason: `coordinator ${spec.url}: only http and https URLs are supported` };
  }
  const headers: Record<string, string> = { accept: 'application/json' };
  if (spec.user !== undefined) {
    let password: string;
    if (spec.passwordFile !== undefined) {
      try {
        password = readFileSync(spec.passwordFile, 'utf8').replace(/\r?\n$/, '');
      } catch (err) {
        return {
          ok: false,
          reason: `coordinator ${spec.url}: cannot read password file ${spec.passwordFile}: ${(err as Error).message}`,
        };
      }
    } else if (spec.passwordEnv !== undefined) {
      const value = env[spec.passwordEnv];
      if (value === undefined) {
        return {
          ok: false,
          reason: `coordinator ${spec.url}: environment variable ${spec.passwordEnv} (the password for user ${spec.user}) is not set`,
        };
      }
      password = value;
    } else {
      return {
        ok: false,
        reason: `coordinator ${spec.url}: user ${spec.user} is set but neither passwordFile nor passwordEnv is`,
      };
    }
    headers.authorization = `Basic ${Buffer.from(`${spec.user}:${password}`).toString('base64')}`;
  }
  let ca: Buffer | undefined;
  if (spec.caFile !== undefined) {
    if (url.protocol !== 'https:')
      return { ok: false, reason: `coordinator ${spec.url}: caFile is set but the URL is not https` };
    try {
      ca = readFileSync(spec.caFile);
    } catch (err) {
      return {
        ok: false,
        reason: `coordinator ${spec.url}: cannot read CA file ${spec.caFile}: ${(err as Error).message}`,
      };
    }
  }
  return { ok: true, conn: { url, headers, ca } };
}

export function getJson(conn: Connection, path: string, opts: GetOptions): Promise<GetResult> {
  const target = new URL(path, conn.url);
  const where = target.toString();
  const maxBytes = opts.maxBytes ?? 64 * 1024 * 1024;
  return new Promise((resolve) => {
    let settled = false;
    const done = (r: GetResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(r);
    };
    const lib = target.protocol === 'https:' ? https : http;
    const req = lib.get(target, { headers: conn.headers, ca: conn.ca, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > maxBytes) {
          done({ ok: false, kind: 'bad', reason: `${where}: response larger than ${maxBytes} bytes` });
          req.destroy();
        } else chunks.push(c);
      });
      res.on('error', (err) =>
        done({ ok: false, kind: 'unreachable', reason: `${where}: connection lost: ${err.message}` }),
      );
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const status = res.statusCode ?? 0;
        if (status === 401 || status === 403) {
          done({
            ok: false,
            kind: 'config',
            reason: `${where}: HTTP ${status} — check the coordinator's user and password`,
          });
          return;
        }
        if (status < 200 || status >= 300) {
          done({
            ok: false,
            kind: 'bad',
            reason: `${where}: HTTP ${status} ${res.statusMessage ?? ''}`.trimEnd() + snippet(text),
          });
          return;
        }
        try {
          done({ ok: true, body: JSON.parse(text) });
        } catch (err) {
          done({
            ok: false,
            kind: 'bad',
            reason: `${where}: malformed JSON (${(err as Error).message})${snippet(text)}`,
          });
        }
      });
      res.on('aborted', () =>
        done({ ok: false, kind: 'unreachable', reason: `${where}: response cut off by the coordinator` }),
      );
    });
    req.on('error', (err: NodeJS.ErrnoException) => {
      const code = err.code ? `${err.code}: ` : '';
      done({ ok: false, kind: 'unreachable', reason: `${where}: ${code}${err.message}` });
    });
    const timer = setTimeout(() => {
      done({
        ok: false,
        kind: 'unreachable',
        reason: `${where}: no answer within ${opts.timeoutMs} ms (raise the timeout or check the coordinator)`,
      });
      req.destroy();
    }, opts.timeoutMs);
  });
}

function snippet(text: string): string {
  const t = text.trim().slice(0, 120);
  return t ? ` — body starts: ${JSON.stringify(t)}` : ' — empty body';
}
