/**
 * Structured JSON logs through Powertools for AWS Lambda (Logger): level, service, timestamp,
 * the Lambda context (function_request_id, cold_start, function name and memory) and the job id
 * on every line of a job. In AWS the lines go to stdout (CloudWatch); the local stack passes a
 * sink (a file, or stderr) so the same code writes to its local log and stdout stays free.
 */
import { Logger as PowertoolsLogger, type LogItem } from '@aws-lambda-powertools/logger';
import type { ConstructorOptions } from '@aws-lambda-powertools/logger/types';

export type LogLevel = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';

/** Where log lines go when not to stdout. */
export type LogSink = (line: string) => void;

/** The Lambda context fields the logger reads (a subset of aws-lambda's Context). */
export interface InvocationContext {
  awsRequestId: string;
  functionName: string;
  functionVersion?: string;
  invokedFunctionArn?: string;
  memoryLimitInMB?: string | number;
}

/** A logger bound to fixed fields; `child` adds more. */
export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

/**
 * Powertools' Logger with two local needs: lines written to a sink, and the cold-start flag
 * decided by the caller (Powertools keeps it per logger instance; a logger is made per
 * invocation here so concurrent local invocations never share keys).
 */
class SinkLogger extends PowertoolsLogger {
  constructor(
    options: ConstructorOptions,
    private readonly sink: LogSink | undefined,
    private readonly coldStartValue: boolean,
  ) {
    super(options);
  }

  override getColdStart(): boolean {
    return this.coldStartValue;
  }

  protected override printLog(logLevel: number, log: LogItem): void {
    if (!this.sink) {
      super.printLog(logLevel, log);
      return;
    }
    log.prepareForPrint();
    this.sink(JSON.stringify(log.getAttributes()));
  }

  protected override createLogger(options?: ConstructorOptions): PowertoolsLogger {
    return new SinkLogger(options ?? {}, this.sink, this.coldStartValue);
  }
}

function errorFields(v: unknown): unknown {
  if (v instanceof Error)
    return { name: v.name, message: v.message, ...(v.cause ? { cause: errorFields(v.cause) } : {}) };
  return v;
}

function plain(fields?: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (fields) for (const [k, v] of Object.entries(fields)) out[k] = errorFields(v);
  return out;
}

function wrap(pt: PowertoolsLogger): Logger {
  return {
    debug: (m, f) => pt.debug(m, plain(f)),
    info: (m, f) => pt.info(m, plain(f)),
    warn: (m, f) => pt.warn(m, plain(f)),
    error: (m, f) => pt.error(m, plain(f)),
    child: (f) => wrap(pt.createChild({ persistentKeys: plain(f) as never })),
  };
}

/** How a runtime logs: service name, level and destination. */
export interface LogOptions {
  serviceName?: string;
  level?: LogLevel;
  /** Undefined: stdout (Lambda, ECS). */
  sink?: LogSink;
}

/** The log factory a runtime holds. */
export interface LogFactory {
  /** A logger outside any invocation (start-up, the local stack, scripts). */
  logger(fields?: Record<string, unknown>): Logger;
  /** A logger for one invocation: the Lambda context's fields plus `fields` on every line. */
  forInvocation(ctx: InvocationContext, coldStart: boolean, fields?: Record<string, unknown>): Logger;
}

/** Builds the log factory of a runtime. */
export function createLogFactory(opts: LogOptions = {}): LogFactory {
  const base = (fields: Record<string, unknown> | undefined, coldStart: boolean) =>
    new SinkLogger(
      {
        serviceName: opts.serviceName ?? 'media-transcoder',
        logLevel: opts.level ?? 'INFO',
        persistentKeys: plain(fields) as never,
      },
      opts.sink,
      coldStart,
    );
  return {
    logger: (fields) => wrap(base(fields, false)),
    forInvocation(ctx, coldStart, fields) {
      const pt = base(fields, coldStart);
      pt.addContext({
        ...ctx,
        functionVersion: ctx.functionVersion ?? '$LATEST',
        invokedFunctionArn: ctx.invokedFunctionArn ?? '',
        memoryLimitInMB: String(ctx.memoryLimitInMB ?? ''),
      } as never);
      return wrap(pt);
    },
  };
}

/** Parses LOG_LEVEL (case-insensitive); INFO when unset or unknown. */
export function logLevelOf(v: string | undefined): LogLevel {
  const u = (v ?? '').toUpperCase();
  return u === 'DEBUG' || u === 'INFO' || u === 'WARN' || u === 'ERROR' ? u : 'INFO';
}

/** A logger that drops everything (pure unit tests). */
export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => silentLogger };
