// The worker's logs: pino JSON lines on stdout (one object a line, for log shippers), pretty-printed when stdout is a
// terminal. The same pino logger is the Temporal Runtime's logger, so the workflow's `log.info(line, {warehouse,
// tick})` arrives here through the SDK's logger sink with workflowId, runId, namespace and taskQueue added — and the
// SDK does not call that sink while it replays history, so a replayed tick is not logged a second time.
import type { LogLevel, LogMetadata, Logger as TemporalLogger } from '@temporalio/common';
import pino, { type Logger } from 'pino';
import pretty from 'pino-pretty';

export type Level = 'trace' | 'debug' | 'info' | 'warn' | 'error';
export const LEVELS: readonly Level[] = ['trace', 'debug', 'info', 'warn', 'error'];

export interface LoggerOptions {
  level?: Level;
  /** Default: when stdout is a terminal. */
  pretty?: boolean;
  /** Default: stdout. */
  destination?: NodeJS.WritableStream;
}

// Secrets never reach a log line, even if someone logs an options object by mistake.
const REDACT = [
  'apiKey',
  '*.apiKey',
  'password',
  '*.password',
  'authorization',
  '*.authorization',
  'headers.authorization',
];

export function createLogger(o: LoggerOptions = {}): Logger {
  const destination = o.destination ?? process.stdout;
  const usePretty = o.pretty ?? Boolean((destination as { isTTY?: boolean }).isTTY);
  const options = {
    level: o.level ?? 'info',
    base: { pid: process.pid },
    redact: { paths: REDACT, censor: '[redacted]' },
  };
  if (usePretty) {
    // Synchronous pretty stream (no transport worker thread): lines stay in order with the process's other output.
    return pino(
      options,
      pretty({
        destination: destination as NodeJS.WritableStream & { write: (s: string) => boolean },
        colorize: true,
        sync: true,
        ignore: 'pid,hostname,sdkComponent,namespace,taskQueue,runId,workflowType',
      }),
    );
  }
  return pino(options, destination as pino.DestinationStream);
}

const TO_PINO: Record<LogLevel, Level> = { TRACE: 'trace', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error' };

/** The Temporal SDK's Logger interface on top of pino: install with `Runtime.install({ logger })`. */
export class PinoTemporalLogger implements TemporalLogger {
  constructor(private readonly pino: Logger) {}

  log(level: LogLevel, message: string, meta?: LogMetadata): void {
    this.pino[TO_PINO[level] ?? 'info'](fields(meta), message);
  }
  trace(message: string, meta?: LogMetadata): void {
    this.log('TRACE', message, meta);
  }
  debug(message: string, meta?: LogMetadata): void {
    this.log('DEBUG', message, meta);
  }
  info(message: string, meta?: LogMetadata): void {
    this.log('INFO', message, meta);
  }
  warn(message: string, meta?: LogMetadata): void {
    this.log('WARN', message, meta);
  }
  error(message: string, meta?: LogMetadata): void {
    this.log('ERROR', message, meta);
  }
}

/** The SDK's metadata as pino fields: string keys only, and an `error` serialized as pino's `err` (message, stack). */
function fields(meta: LogMetadata | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (!meta) return out;
  for (const [k, v] of Object.entries(meta)) {
    if (k === 'error' && v instanceof Error) out.err = v;
    else out[k] = v;
  }
  return out;
}
