/**
 * `npm run serve -- [--address A] [--port N] [--s3-port N] [--data DIR] [--verbose] [--quiet]`
 *
 * Keeps the local stack up: the S3 endpoint (s3rver; buckets ingest, work, output; access key
 * and secret S3RVER), the HTTP API (the same handlers as the cloud's Lambdas, through the local
 * adapter; loopback only, no credentials) and the event log (<data>/events.jsonl; follow it with
 * `npm run events`). An upload into the ingest bucket with any S3 client starts a job. Job
 * events with a callback URL are POSTed to it (the webhook notifier; loopback http allowed).
 * Runs until SIGINT or SIGTERM.
 */
import '../src/util/quietWarnings.js';
import '../src/local/polyfill.js';
import { parseCommandLine } from './cliArgs.js';
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { LocalStack } from '../src/local/stack.js';
import type { LogSink } from '../src/log.js';
import { startApiServer, isLoopbackAddress, type ApiServer } from '../src/local/apiServer.js';
import { ROUTES } from '../src/api/routes.js';
import { WebhookRetryableError } from '../src/api/webhook.js';
import { DETAIL_TYPE } from '../src/pipeline/events.js';
import { EVENT_FUNCTIONS } from '../src/local/functions.js';
import type { DeliveredEvent } from '../src/local/eventBus.js';
import { formatEvent } from './events.js';
import { ListenError } from '../src/errors.js';

export interface ServeOptions {
  dataDir: string;
  /** Loopback address of both endpoints (default 127.0.0.1). */
  address?: string;
  /** HTTP API port (default 3000; 0 picks a free one). */
  apiPort?: number;
  /** S3 port (default 4569; 0 picks a free one). */
  s3Port?: number;
  /** Extra handler configuration (limits, DEFAULT_PRESET, ...). */
  env?: Record<string, string>;
  segmentSeconds?: number;
  /** Delays before the local webhook retries (ms); two retries, like the cloud's async policy. */
  webhookRetryDelaysMs?: number[];
  /** Called with each job event as it is delivered (the CLI prints it). */
  onEvent?: (ev: DeliveredEvent) => void;
  /** Where log lines go (default stdout). */
  logSink?: LogSink;
}

export interface Serve {
  stack: LocalStack;
  api: ApiServer;
  apiUrl: string;
  s3Endpoint: string;
  eventLog: string;
  /** The secret webhook deliveries are signed with (`whsec_...`). */
  webhookSecret: string;
  /** Whether it was generated for this run (WEBHOOK_SECRET was not set). */
  webhookSecretGenerated: boolean;
  /** Stops the API, waits for in-flight webhooks and triggers, stops the stack. */
  close(): Promise<void>;
}

/** Starts the local S3 endpoint, the HTTP API and the event log; returns them and a close(). */
export async function startServe(opts: ServeOptions): Promise<Serve> {
  const address = opts.address ?? '127.0.0.1';
  if (!isLoopbackAddress(address))
    throw new Error(
      `--address must be a loopback address (127.0.0.1, ::1, localhost): the local endpoints have no authentication; got ${address}`,
    );
  // Webhooks are signed (Standard Webhooks): the secret from the environment, or a new one
  // for this run, printed so a receiver can verify.
  const given = opts.env?.WEBHOOK_SECRET ?? process.env.WEBHOOK_SECRET;
  const webhookSecret = given ?? `whsec_${randomBytes(32).toString('base64')}`;
  const env = { ...opts.env, WEBHOOK_SECRET: webhookSecret };
  const stack = await LocalStack.start({
    dataDir: opts.dataDir,
    address,
    s3Port: opts.s3Port ?? 4569,
    env,
    segmentSeconds: opts.segmentSeconds,
    logSink: opts.logSink,
  });
  const log = stack.rt.log.logger({ step: 'serve' });
  let api: ApiServer;
  try {
    api = await startApiServer({ rt: stack.rt, address, port: opts.apiPort ?? 3000 });
  } catch (err) {
    await stack.stop();
    throw err;
  }

  // The webhook notifier function, subscribed to the local bus as the EventBridge rule is in the
  // cloud, retried as Lambda retries an async invocation (at most twice).
  const delays = opts.webhookRetryDelaysMs ?? [1000, 2000];
  const inflight = new Set<Promise<unknown>>();
  let closing = false;
  const notify = async (ev: DeliveredEvent) => {
    for (let attempt = 0; ; attempt++) {
      try {
        return await EVENT_FUNCTIONS.webhookNotifier.invoke(stack.rt, ev);
      } catch (err) {
        if (!(err instanceof WebhookRetryableError) || attempt >= delays.length || closing) {
          log.warn('webhook given up', {
            jobId: (ev.detail as { jobId?: string }).jobId,
            error: err,
            attempts: attempt + 1,
          });
          return undefined;
        }
        await new Promise((r) => setTimeout(r, delays[attempt]));
      }
    }
  };
  const unsubscribe = stack.bus.subscribe((ev) => {
    if (ev['detail-type'] !== DETAIL_TYPE) return;
    opts.onEvent?.(ev);
    if (!(ev.detail as { userMetadata?: { callbackUrl?: string } }).userMetadata?.callbackUrl) return;
    const p = notify(ev);
    inflight.add(p);
    void p.finally(() => inflight.delete(p));
  });

  return {
    stack,
    api,
    apiUrl: api.url,
    s3Endpoint: stack.endpoint,
    eventLog: stack.bus.logFile,
    webhookSecret,
    webhookSecretGenerated: given === undefined,
    async close() {
      closing = true;
      await api.close();
      unsubscribe();
      await Promise.allSettled([...inflight]);
      await stack.stop();
    },
  };
}

const USAGE = `usage: npm run serve -- [--address 127.0.0.1] [--port 3000] [--s3-port 4569] [--data .local-data] [--verbose] [--quiet]
  --address A   loopback address of the S3 endpoint and the HTTP API (127.0.0.1, ::1 or localhost)
  --port N      HTTP API port (default 3000; 0 = any free port)
  --s3-port N   S3 endpoint port (default 4569; 0 = any free port)
  --data DIR    local stack folder: S3 data, events.jsonl, logs (default ./.local-data)
  --verbose     JSON logs to stderr instead of <data>/logs/<date>.jsonl
  --quiet       do not print job events (follow them with npm run events)`;

function port(v: string | undefined, flag: string, def: number): number {
  if (v === undefined) return def;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`${flag} must be a port number (0-65535)`);
  return n;
}

async function main(): Promise<number> {
  const args = parseCommandLine(USAGE, {
    options: {
      address: { type: 'string', default: '127.0.0.1' },
      port: { type: 'string' },
      's3-port': { type: 'string' },
      data: { type: 'string', default: '.local-data' },
      verbose: { type: 'boolean', default: false },
      quiet: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (typeof args === 'number') return args;
  const { values } = args;
  let apiPort: number, s3Port: number;
  try {
    apiPort = port(values.port, '--port', 3000);
    s3Port = port(values['s3-port'], '--s3-port', 4569);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    return 2;
  }
  const dataDir = path.resolve(values.data!);
  const logFile = path.join(dataDir, 'logs', `${new Date().toISOString().slice(0, 10)}.jsonl`);
  let logStream: WriteStream | undefined;
  let logSink: LogSink;
  if (values.verbose) logSink = (line) => process.stderr.write(`${line}\n`);
  else {
    await mkdir(path.dirname(logFile), { recursive: true });
    logStream = createWriteStream(logFile, { flags: 'a' });
    logSink = (line) => logStream!.write(`${line}\n`);
  }

  let serve: Serve;
  try {
    serve = await startServe({
      dataDir,
      address: values.address,
      apiPort,
      s3Port,
      logSink,
      onEvent: values.quiet ? undefined : (ev) => process.stdout.write(`${formatEvent(ev)}\n`),
    });
  } catch (err) {
    // One line, no stack: what could not start and why (whatever had started is stopped).
    const hint =
      err instanceof ListenError
        ? ` (choose another with ${err.endpoint === 'HTTP API' ? '--port' : '--s3-port'}; 0 = any free port)`
        : '';
    process.stderr.write(`could not start: ${(err as Error).message}${hint}\n`);
    return 1;
  }
  const c = serve.stack.config;
  const out = (s: string) => process.stdout.write(`${s}\n`);
  out(`media-transcoder local stack (data: ${dataDir})`);
  out(`  S3 endpoint   ${serve.s3Endpoint}   (path-style; access key S3RVER, secret S3RVER, region us-east-1)`);
  out(`  buckets       ingest=${c.INGEST_BUCKET}  work=${c.WORK_BUCKET}  output=${c.OUTPUT_BUCKET}`);
  out(`  job records   ${c.DYNAMODB_ENDPOINT}   (DynamoDB API: dynalite on LevelDB, table ${c.JOBS_TABLE})`);
  const rec = serve.stack.recovery;
  if (rec.interrupted.length)
    out(
      `  recovered     ${rec.interrupted.length} job(s) left running by a killed process ended as ERROR INTERRUPTED: ${rec.interrupted.join(', ')}`,
    );
  out(`  HTTP API      ${serve.apiUrl}   (loopback only, no credentials)`);
  for (const r of ROUTES) out(`                  ${r.method.padEnd(5)} ${r.path}`);
  out(`  event log     ${serve.eventLog}   (npm run events -- --data ${values.data})`);
  out(`  logs          ${values.verbose ? 'stderr' : logFile}`);
  out(
    `  webhooks      signed (Standard Webhooks) with ${serve.webhookSecretGenerated ? `${serve.webhookSecret}   (generated for this run; set WEBHOOK_SECRET to keep one)` : 'WEBHOOK_SECRET from the environment'}`,
  );
  out('');
  out(
    `  start a job:  AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER aws --endpoint-url ${serve.s3Endpoint} --region us-east-1 s3 cp video.mp4 s3://${c.INGEST_BUCKET}/uploads/video.mp4`,
  );
  out(
    `            or: curl -s -X POST ${serve.apiUrl}/jobs -H 'content-type: application/json' -d '{"source":"s3://${c.INGEST_BUCKET}/uploads/video.mp4","clip":{"start":"00:00:01.000","end":5}}'`,
  );
  out('  Ctrl-C stops.');
  out('');

  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (sig: string) => {
      if (stopping) {
        process.stderr.write(`${sig} again: exiting now\n`);
        process.exit(130);
      }
      stopping = true;
      const running = serve.stack.sfn.running();
      process.stderr.write(
        `${sig}: stopping${running.length ? ` (${running.length} job(s) still running are abandoned: ${running.join(', ')})` : ''} ...\n`,
      );
      serve
        .close()
        .then(() => new Promise<void>((r) => (logStream ? logStream.end(r) : r())))
        .then(
          () => resolve(0),
          (err: unknown) => {
            process.stderr.write(`stop failed: ${(err as Error).message}\n`);
            resolve(1);
          },
        );
    };
    process.on('SIGINT', () => stop('SIGINT'));
    process.on('SIGTERM', () => stop('SIGTERM'));
  });
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
      process.exit(1);
    },
  );
}
