import './polyfill.js';
import os from 'node:os';
import path from 'node:path';
import { EventEmitter } from 'node:events';
import { mkdir } from 'node:fs/promises';
import S3rver from 's3rver';
import type { S3Client } from '@aws-sdk/client-s3';
import { parseConfig, type Config } from '../config.js';
import { setRuntime, type Runtime } from '../runtime.js';
import { createS3Client } from '../aws/s3.js';
import { createLogger } from '../log.js';
import { handler as ingestHandler, setStarter } from '../../functions/ingest.js';
import type { IngestResult } from '../pipeline/steps/ingest.js';
import { LocalEventBus, type DeliveredEvent } from './eventBus.js';
import { LOCAL_TASK_HANDLERS, LocalStepFunctions, loadDefinition, localSubstitutions } from './stepFunctions.js';
import { DETAIL_TYPE } from '../pipeline/events.js';
import { LocalEcsRunner, type KillHook, type LocalEcsRunnerOptions } from './ecsRunner.js';
import { setTaskRunner } from '../ecs/taskRunner.js';

interface KoaContext {
  path: string;
  status: number;
  body: unknown;
}

/** Koa middleware: 400 for any request path with a `.` or `..` segment, raw or percent-encoded. */
async function refuseDotSegments(ctx: KoaContext, next: () => Promise<void>): Promise<void> {
  let p = ctx.path;
  try {
    p = decodeURIComponent(p);
  } catch {
    /* keep raw */
  }
  if (p.split('/').some((seg) => seg === '..' || seg === '.')) {
    ctx.status = 400;
    ctx.body = 'keys with . or .. segments are refused by the local stack';
    return;
  }
  await next();
}

/** Credentials s3rver accepts out of the box. */
export const LOCAL_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

/** Options of the local stack. */
export interface LocalStackOptions {
  /** Project-local folder for S3 data, the event log and logs. */
  dataDir: string;
  address?: string;
  /** 0 picks a free port. */
  s3Port?: number;
  buckets?: { ingest: string; work: string; output: string };
  /** Map concurrency; defaults to the number of cores. */
  mapConcurrency?: number;
  segmentSeconds?: number;
  /** Extra environment for the handlers' config (limits, timeouts). */
  env?: Record<string, string>;
  /**
   * The local ECS worker: the polling wait (ms, replaces the ASL's EcsWait seconds; default
   * 500) and an optional fault injection that SIGKILLs chosen attempts (src/local/ecsRunner.ts).
   */
  ecs?: { pollMs?: number; killAttempt?: KillHook; bundle?: LocalEcsRunnerOptions['bundle'] };
  /**
   * Task handlers by state name instead of the in-process ones (LOCAL_TASK_HANDLERS), e.g. the
   * packaged zips run by src/local/packagedHandlers.ts; states left out keep the in-process one.
   */
  taskHandlers?: Record<string, (input: never) => Promise<unknown>>;
}

/**
 * AWS on one machine: s3rver for S3 (its object-created events play the ingest rule),
 * aws-local-stepfunctions running the real ASL file with the handlers in-process, and a
 * JSON-lines event log for EventBridge.
 */
export class LocalStack extends EventEmitter {
  private constructor(
    readonly config: Config,
    readonly endpoint: string,
    readonly s3: S3Client,
    readonly bus: LocalEventBus,
    readonly sfn: LocalStepFunctions,
    private readonly server: S3rver,
    private readonly pending: Set<Promise<unknown>>,
  ) {
    super();
  }

  /** The ECS stand-in: worker tasks as child processes (set by start). */
  ecs!: LocalEcsRunner;

  /** Starts s3rver, installs the local runtime and wires the ingest trigger. */
  static async start(opts: LocalStackOptions): Promise<LocalStack> {
    const buckets = opts.buckets ?? { ingest: 'ingest', work: 'work', output: 'output' };
    const address = opts.address ?? '127.0.0.1';
    await mkdir(opts.dataDir, { recursive: true });
    const server = new S3rver({
      address,
      port: opts.s3Port ?? 0,
      silent: true,
      directory: path.join(opts.dataDir, 's3'),
      configureBuckets: Object.values(buckets).map((name) => ({ name })),
    });
    // s3rver joins keys into filesystem paths as they are: a key with a `..` segment would
    // read or write outside its folder. S3 itself allows such keys; this local stand-in refuses them.
    (server as unknown as { middleware: ((ctx: KoaContext, next: () => Promise<void>) => Promise<void>)[] }).middleware.unshift(refuseDotSegments);
    const info = await server.run();
    const endpoint = `http://${address}:${info.port}`;
    const config = parseConfig({
      ...process.env,
      AWS_REGION: 'us-east-1',
      INGEST_BUCKET: buckets.ingest,
      WORK_BUCKET: buckets.work,
      OUTPUT_BUCKET: buckets.output,
      S3_ENDPOINT: endpoint,
      MAP_MAX_CONCURRENCY: String(opts.mapConcurrency ?? os.cpus().length),
      ...(opts.segmentSeconds ? { SEGMENT_SECONDS: String(opts.segmentSeconds) } : {}),
      WORK_DIR: path.join(opts.dataDir, 'tmp'),
      ...opts.env,
    });
    await mkdir(config.WORK_DIR, { recursive: true });
    const s3 = createS3Client(config, LOCAL_CREDENTIALS);
    const bus = new LocalEventBus(path.join(opts.dataDir, 'events.jsonl'));
    const rt: Runtime = { config, s3, events: bus };
    setRuntime(rt);
    // The worker container's environment: the handlers' config, S3 through s3rver.
    const ecs = new LocalEcsRunner({
      env: {
        AWS_REGION: config.AWS_REGION,
        INGEST_BUCKET: buckets.ingest,
        WORK_BUCKET: buckets.work,
        OUTPUT_BUCKET: buckets.output,
        S3_ENDPOINT: endpoint,
        WORK_DIR: config.WORK_DIR,
        AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
        ...opts.env,
      },
      killAttempt: opts.ecs?.killAttempt,
      ...(opts.ecs?.bundle ? { bundle: opts.ecs.bundle } : {}),
    });
    setTaskRunner(ecs);
    const handlers = opts.taskHandlers ? { ...LOCAL_TASK_HANDLERS, ...opts.taskHandlers } : undefined;
    const sfn = new LocalStepFunctions(loadDefinition(localSubstitutions(buckets.work)), handlers, undefined, { EcsWait: opts.ecs?.pollMs ?? 500 });
    setStarter(sfn);
    const stack = new LocalStack(config, endpoint, s3, bus, sfn, server, new Set());
    stack.ecs = ecs;
    server.on('event', (e) => stack.onS3Event(e));
    return stack;
  }

  private onS3Event(e: { Records: { eventName: string; s3: { bucket: { name: string }; object: { key: string; size?: number; eTag?: string; sequencer?: string } } }[] }) {
    for (const r of e.Records) {
      if (!r.eventName.startsWith('ObjectCreated:')) continue;
      // The same shape EventBridge delivers for S3 "Object Created" in the cloud.
      const event = {
        version: '0',
        'detail-type': 'Object Created',
        source: 'aws.s3',
        detail: {
          bucket: { name: r.s3.bucket.name },
          object: { key: r.s3.object.key, size: r.s3.object.size, etag: r.s3.object.eTag?.replace(/"/g, ''), sequencer: r.s3.object.sequencer },
        },
      };
      const p = (ingestHandler(event) as Promise<IngestResult>).then(
        (result) => this.emit('ingested', { key: r.s3.object.key, bucket: r.s3.bucket.name, result }),
        (error: unknown) => {
          createLogger({ service: 'media-transcoder', step: 'ingest' }).error('ingest failed', { key: r.s3.object.key, error });
          this.emit('ingested', { key: r.s3.object.key, bucket: r.s3.bucket.name, error });
        },
      );
      this.pending.add(p);
      void p.finally(() => this.pending.delete(p));
    }
  }

  /** Resolves with the ingest outcome of the next upload of `key`. */
  waitForIngest(key: string, timeoutMs = 30_000): Promise<IngestResult> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.off('ingested', on);
        reject(new Error(`no ingest event for ${key} within ${timeoutMs} ms`));
      }, timeoutMs);
      const on = (ev: { key: string; result?: IngestResult; error?: unknown }) => {
        if (ev.key !== key) return;
        clearTimeout(timer);
        this.off('ingested', on);
        if (ev.error) reject(ev.error instanceof Error ? ev.error : new Error(String(ev.error)));
        else resolve(ev.result!);
      };
      this.on('ingested', on);
    });
  }

  /** Resolves with the job's final event (COMPLETE or ERROR), once the execution has ended. */
  async waitForFinalEvent(jobId: string): Promise<DeliveredEvent | undefined> {
    await this.sfn.wait(jobId);
    return this.jobEvents(jobId).find((ev) => ['COMPLETE', 'ERROR'].includes((ev.detail as { status?: string }).status ?? ''));
  }

  /** Every job event of a job delivered so far. */
  jobEvents(jobId: string): DeliveredEvent[] {
    return this.bus.history.filter((ev) => ev['detail-type'] === DETAIL_TYPE && (ev.detail as { jobId?: string }).jobId === jobId);
  }

  /** Waits for in-flight triggers, closes s3rver and uninstalls the runtime. */
  async stop(): Promise<void> {
    await Promise.allSettled([...this.pending]);
    await this.ecs.stopAll();
    setTaskRunner(undefined);
    await this.server.close();
    setStarter(undefined);
    setRuntime(undefined);
  }
}
