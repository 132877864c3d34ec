// The Temporal server the demo runs on: the CLI's dev server (SQLite, with its Web UI), or with `--server postgres`
// the production topology (src/devenv/postgres-stack.ts: temporal-server on PostgreSQL, set up as docker-compose.yml
// deploys it), which has no Web UI here (compose runs the UI as its own image).
import fs from 'node:fs';
import path from 'node:path';
import { freePorts, isPortFree } from '../util/ports';
import { startPostgresStack } from '../devenv/postgres-stack';
import { startDevServer } from '../devenv/temporal-dev-server';

export const DEMO_SERVERS = ['dev', 'postgres'] as const;
export type DemoServerKind = (typeof DEMO_SERVERS)[number];

export interface DemoServer {
  address: string;
  uiUrl?: string;
  /** Where to look at a workflow: its Web UI page, or the CLI command that shows it. */
  workflowLink(workflowId: string): string;
  stop(): Promise<void>;
}

export async function startDemoServer(
  kind: DemoServerKind,
  dataDir: string,
  out: (line: string) => void,
): Promise<DemoServer> {
  if (kind === 'postgres') {
    out(
      'Starting the production topology: PostgreSQL and temporal-server, set up as docker-compose.yml deploys them …',
    );
    const stack = await startPostgresStack({ log: out });
    return {
      address: stack.address,
      workflowLink: (id) =>
        `temporal workflow describe --address ${stack.address} --namespace ${stack.namespace} -w ${id}`,
      stop: () => stack.stop(),
    };
  }
  const [port, uiPort] = await pickPorts();
  const dbFile = path.join(dataDir, 'temporal.db');
  fs.rmSync(dbFile, { force: true });
  out(`Starting the Temporal dev server on 127.0.0.1:${port} (Web UI ${uiPort}) …`);
  const server = await startDevServer({ dbFile, port, uiPort, logFile: path.join(dataDir, 'temporal.log') });
  return { ...server, workflowLink: (id) => `${server.uiUrl}/namespaces/default/workflows/${id}` };
}

async function pickPorts(): Promise<[number, number]> {
  if ((await isPortFree(7233)) && (await isPortFree(8233))) return [7233, 8233];
  const [a, b] = await freePorts(2);
  return [a, b];
}
