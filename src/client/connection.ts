// Where the Temporal server is and how to reach it: flags first, then the variables the `temporal` CLI reads, so an
// operator's existing environment works unchanged. TLS files are paths (as in the CLI: TEMPORAL_TLS_CA/CERT/KEY, and
// the newer environment-configuration names TEMPORAL_TLS_SERVER_CA_CERT_PATH / TEMPORAL_TLS_CLIENT_CERT_PATH /
// TEMPORAL_TLS_CLIENT_KEY_PATH). The API key is a secret: it is never printed or logged, only said to be set.
import fs from 'node:fs';
import { Client, Connection } from '@temporalio/client';
import type { TLSConfig } from '@temporalio/common/lib/internal-non-workflow';
import { type Command, InvalidArgumentError, Option } from 'commander';

export interface ConnectionFlags {
  address?: string;
  namespace?: string;
  tls?: boolean;
  tlsCaPath?: string;
  tlsCertPath?: string;
  tlsKeyPath?: string;
  tlsServerName?: string;
  apiKey?: string;
  connectTimeout?: number;
}

export interface TemporalTarget {
  address: string;
  namespace: string;
  /** `false`, not undefined, when TLS is off: given an API key and no TLS setting, the SDK would switch TLS on itself. */
  tls: TLSConfig | false;
  apiKey?: string;
  connectTimeoutMs: number;
  /** For messages: address, namespace and whether TLS / an API key are used — never the key. */
  describe: string;
}

export const DEFAULT_ADDRESS = 'localhost:7233';

const seconds = (value: string): number => {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0)
    throw new InvalidArgumentError(`must be a positive number of seconds (got "${value}")`);
  return n;
};

/** Adds the connection flags to a command (every command that talks to Temporal). */
export function addConnectionOptions(cmd: Command): Command {
  return cmd
    .addOption(
      new Option(
        '--address <host:port>',
        `Temporal frontend gRPC address [env TEMPORAL_ADDRESS] (default ${DEFAULT_ADDRESS})`,
      ),
    )
    .addOption(
      new Option('-n, --namespace <namespace>', 'Temporal namespace [env TEMPORAL_NAMESPACE] (default "default")'),
    )
    .addOption(new Option('--tls', 'use TLS (implied by any TLS file or an API key) [env TEMPORAL_TLS=true]'))
    .addOption(new Option('--tls-ca-path <file>', 'server CA certificate (PEM) [env TEMPORAL_TLS_CA]'))
    .addOption(new Option('--tls-cert-path <file>', 'client certificate for mTLS (PEM) [env TEMPORAL_TLS_CERT]'))
    .addOption(new Option('--tls-key-path <file>', 'client private key for mTLS (PEM) [env TEMPORAL_TLS_KEY]'))
    .addOption(new Option('--tls-server-name <name>', 'TLS server name override (SNI) [env TEMPORAL_TLS_SERVER_NAME]'))
    .addOption(new Option('--api-key <key>', 'API key (prefer the env var: flags show in `ps`) [env TEMPORAL_API_KEY]'))
    .addOption(
      new Option('--connect-timeout <seconds>', 'how long to wait for the server').argParser(seconds).default(10),
    );
}

/** Resolves flags and environment into one target; throws naming the flag or variable to fix. */
export function resolveTarget(flags: ConnectionFlags, env: NodeJS.ProcessEnv = process.env): TemporalTarget {
  const address = flags.address ?? nonEmpty(env.TEMPORAL_ADDRESS) ?? DEFAULT_ADDRESS;
  if (!/^[^\s:/]+:\d+$/.test(address) && !/^\[[0-9a-fA-F:]+\]:\d+$/.test(address)) {
    throw new Error(
      `Temporal address "${address}" is not host:port (set --address or TEMPORAL_ADDRESS, e.g. temporal.example.com:7233)`,
    );
  }
  const namespace = flags.namespace ?? nonEmpty(env.TEMPORAL_NAMESPACE) ?? 'default';
  const caPath = flags.tlsCaPath ?? nonEmpty(env.TEMPORAL_TLS_CA) ?? nonEmpty(env.TEMPORAL_TLS_SERVER_CA_CERT_PATH);
  const certPath = flags.tlsCertPath ?? nonEmpty(env.TEMPORAL_TLS_CERT) ?? nonEmpty(env.TEMPORAL_TLS_CLIENT_CERT_PATH);
  const keyPath = flags.tlsKeyPath ?? nonEmpty(env.TEMPORAL_TLS_KEY) ?? nonEmpty(env.TEMPORAL_TLS_CLIENT_KEY_PATH);
  const serverName = flags.tlsServerName ?? nonEmpty(env.TEMPORAL_TLS_SERVER_NAME);
  const apiKey = flags.apiKey ?? nonEmpty(env.TEMPORAL_API_KEY);
  if ((certPath === undefined) !== (keyPath === undefined)) {
    throw new Error(
      'mTLS needs both a client certificate and its key: set --tls-cert-path and --tls-key-path (or TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY)',
    );
  }
  const tlsEnv = env.TEMPORAL_TLS?.toLowerCase();
  const tlsOn = flags.tls ?? (tlsEnv === 'true' || tlsEnv === '1' ? true : undefined);
  // As in the temporal CLI: TLS is on when any TLS setting or an API key is given, unless TEMPORAL_TLS=false.
  const wantTls =
    tlsEnv === 'false' && flags.tls === undefined
      ? false
      : Boolean(tlsOn || caPath || certPath || serverName || apiKey);
  let tls: TLSConfig | false = false;
  if (wantTls) {
    tls = {};
    if (caPath) tls.serverRootCACertificate = readPem(caPath, '--tls-ca-path / TEMPORAL_TLS_CA');
    if (certPath && keyPath)
      tls.clientCertPair = {
        crt: readPem(certPath, '--tls-cert-path / TEMPORAL_TLS_CERT'),
        key: readPem(keyPath, '--tls-key-path / TEMPORAL_TLS_KEY'),
      };
    if (serverName) tls.serverNameOverride = serverName;
  }
  const extras = [tls ? (tls.clientCertPair ? 'mTLS' : 'TLS') : undefined, apiKey ? 'API key set' : undefined].filter(
    Boolean,
  );
  return {
    address,
    namespace,
    tls,
    apiKey,
    connectTimeoutMs: (flags.connectTimeout ?? 10) * 1000,
    describe: `${address} (namespace ${namespace}${extras.length ? `, ${extras.join(', ')}` : ''})`,
  };
}

function nonEmpty(v: string | undefined): string | undefined {
  return v === undefined || v.trim() === '' ? undefined : v;
}

function readPem(file: string, what: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (err) {
    throw new Error(`cannot read ${file} (${what}): ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/** The error an operator sees when the server does not answer: names the address and what to set. */
export function unreachable(target: TemporalTarget, err: unknown): Error {
  const why = ((err as Error).message ?? String(err)).split('\n')[0];
  return new Error(
    `Temporal server unreachable at ${target.address}: ${why} (set --address or TEMPORAL_ADDRESS${target.tls ? ', and check the TLS settings' : ''})`,
  );
}

export interface ConnectedClient {
  client: Client;
  connection: Connection;
  target: TemporalTarget;
  close(): Promise<void>;
}

/** A client for the CLI's reads and writes. */
export async function connectClient(
  flags: ConnectionFlags,
  env: NodeJS.ProcessEnv = process.env,
): Promise<ConnectedClient> {
  const target = resolveTarget(flags, env);
  let connection: Connection;
  try {
    connection = await Connection.connect({
      address: target.address,
      tls: target.tls,
      apiKey: target.apiKey,
      connectTimeout: target.connectTimeoutMs,
    });
  } catch (err) {
    throw unreachable(target, err);
  }
  const client = new Client({ connection, namespace: target.namespace });
  return { client, connection, target, close: () => connection.close() };
}
