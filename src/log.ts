/**
 * Structured JSON logs: one line per record, with the job id on every line of a job.
 * The sink is replaceable so the local CLI can send logs to a file and keep stderr for progress.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

type Sink = (line: string) => void;
let sink: Sink = (line) => process.stdout.write(line + '\n');
let minLevel: LogLevel = (process.env.LOG_LEVEL as LogLevel) in ORDER ? (process.env.LOG_LEVEL as LogLevel) : 'info';

/** Redirects every logger's output (the local stack writes to a file). */
export function setLogSink(next: Sink, level?: LogLevel): void {
  sink = next;
  if (level) minLevel = level;
}

/** A logger bound to fixed fields (service, jobId, step). */
export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

function errorFields(v: unknown): unknown {
  if (v instanceof Error) return { name: v.name, message: v.message, ...(v.cause ? { cause: errorFields(v.cause) } : {}) };
  return v;
}

/** Creates a logger; every record carries `bound`. */
export function createLogger(bound: Record<string, unknown> = {}): Logger {
  const write = (level: LogLevel, msg: string, fields?: Record<string, unknown>) => {
    if (ORDER[level] < ORDER[minLevel]) return;
    const rec: Record<string, unknown> = { time: new Date().toISOString(), level, msg, ...bound };
    if (fields) for (const [k, v] of Object.entries(fields)) rec[k] = errorFields(v);
    sink(JSON.stringify(rec));
  };
  return {
    debug: (m, f) => write('debug', m, f),
    info: (m, f) => write('info', m, f),
    warn: (m, f) => write('warn', m, f),
    error: (m, f) => write('error', m, f),
    child: (f) => createLogger({ ...bound, ...f }),
  };
}
