import './polyfill.js';
import os from 'node:os';
import path from 'node:path';
import { EventEmitter } from 'node:events';
import { mkdir } from 'node:fs/promises';
import type { S3Client } from '@aws-sdk/client-s3';
import { parseConfig, type Config } from '../config.js';
import { createRuntime, type Runtime } from '../runtime.js';
import { createS3Client } from '../aws/s3.js';
import { createLogFactory, logLevelOf } from '../log.js';
import { resolveBinaries } from '../media/ffmpeg/binaries.js';
import type { IngestResult } from '../pipeline/steps/ingest.js';
import { LocalEventBus, type DeliveredEvent } from './eventBus.js';
import { LocalStepFunctions, loadDefinition, localSubstitutions, localTaskHandlers } from './stepFunctions.js';
import { DETAIL_TYPE } from '../pipeline/events.js';
import { LocalEcsRunner } from './ecsRunner.js';
import { EVENT_FUNCTIONS } from './functions.js';
import { startJobsDb, type LocalJobsDb } from './jobsDb.js';
import { recoverInterruptedJobs, type RecoveryReport } from './recovery.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { JobStore } from '../pipeline/jobStore.js';
import { TemplateStore } from '../templates/store.js';
import { FINAL_STATUSES, type JobStatus } from '../pipeline/job.js';
import { openUploads } from './s3Multipart.js';
import { startLocalS3 } from './s3Server.js';
import type { LocalStackOptions } from './stackOptions.js';
import type S3rver from 's3rver';
import { resolveLimits, type Limits } from '../aws/limits.js';
import { functionLimitsFromServerless, invokeWithinLimits } from './lambdaLimits.js';
import { deployedSizesFromServerless } from '../cost/memory.js';

/** Credentials s3rver accepts out of the box. */
export const LOCAL_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

export type { LocalStackOptions } from './stackOptions.js';

/**
 * AWS on one machine: s3rver for S3 (its object-created events play the ingest rule),
 * aws-local-stepfunctions running the real ASL file with the handlers in-process, and a
 * JSON-lines event log for EventBridge.
 */
export class LocalStack extends EventEmitter {
  private constructor(
    /** The runtime every local function runs with (the composition root of the local stack). */
    readonly rt: Runtime,
    readonly endpoint: string,
    readonly bus: LocalEventBus,
    readonly sfn: LocalStepFunctions,
    /** The ECS stand-in: worker tasks as child processes. */
    readonly ecs: LocalEcsRunner,
    private readonly server: S3rver,
    /** dynalite: the job records' table, on LevelDB under the data folder. */
    private readonly db: LocalJobsDb,
    private readonly pending: Set<Promise<unknown>>,
    /** What the start found left by a dead process (src/local/recovery.ts). */
    readonly recovery: RecoveryReport,
    private readonly watchdog: ChildProcess,
    /** The AWS limits this stack enforces. */
    readonly limits: Limits,
  ) {
    super();
  }

  /** The ingest function's timeout and /tmp (serverless.yml). */
  private ingestLimits?: ReturnType<typeof functionLimitsFromServerless>[string];

  get config(): Config {
    return this.rt.config;
  }

  get s3(): S3Client {
    return this.rt.s3;
  }

  /** The open (neither completed nor aborted) multipart uploads of a bucket of the local S3. */
  openUploads(bucket: string): Promise<{ uploadId: string; key: string }[]> {
    return openUploads((this.server as unknown as { store: Parameters<typeof openUploads>[0] }).store, bucket);
  }

  /** Starts s3rver, builds the local runtime and wires the ingest trigger. */
  static async start(opts: LocalStackOptions): Promise<LocalStack> {
    const buckets = opts.buckets ?? { ingest: 'ingest', work: 'work', output: 'output' };
    const limits = resolveLimits(opts.limits);
    // Each function's timeout and /tmp as deployed (read before anything starts: a bad file fails the start).
    const functionLimits = functionLimitsFromServerless();
    // A part minimum switched off (Infinity) is no minimum.
    const partMin = String(Number.isFinite(limits.s3PartMinBytes) ? limits.s3PartMinBytes : 1);
    const address = opts.address ?? '127.0.0.1';
    await mkdir(opts.dataDir, { recursive: true });
    const { server, endpoint, onRequestError } = await startLocalS3({
      address,
      port: opts.s3Port ?? 0,
      dir: path.join(opts.dataDir, 's3'),
      buckets: Object.values(buckets),
      limits,
    });
    // Job records outlive the process (LevelDB on disk): a restarted stack reads them.
    const tableName = opts.env?.JOBS_TABLE ?? 'jobs';
    const db = await startJobsDb({ tableName, path: path.join(opts.dataDir, 'db'), address, limits });
    // A bad setting (a ConfigError) must not leave S3 and the database listening.
    let config: Config;
    try {
      config = parseConfig({
        ...process.env,
        AWS_REGION: 'us-east-1',
        INGEST_BUCKET: buckets.ingest,
        WORK_BUCKET: buckets.work,
        OUTPUT_BUCKET: buckets.output,
        S3_ENDPOINT: endpoint,
        JOBS_TABLE: tableName,
        DYNAMODB_ENDPOINT: db.endpoint,
        MAP_MAX_CONCURRENCY: String(opts.mapConcurrency ?? os.cpus().length),
        // The whole Map runs on this machine: segment encoders share its cores.
        SEGMENT_WORKERS_PER_HOST: String(opts.mapConcurrency ?? os.cpus().length),
        ...(opts.segmentSeconds ? { SEGMENT_SECONDS: String(opts.segmentSeconds) } : {}),
        WORK_DIR: path.join(opts.dataDir, 'tmp'),
        // The part minimum the local S3 enforces (MP4_PART_BYTES is checked against it).
        S3_PART_MIN_BYTES: partMin,
        ...opts.env,
      });
    } catch (err) {
      await Promise.allSettled([server.close(), db.close()]);
      throw err;
    }
    await mkdir(config.WORK_DIR, { recursive: true });
    const s3 = createS3Client(config, LOCAL_CREDENTIALS);
    const bus = new LocalEventBus(path.join(opts.dataDir, 'events.jsonl'), config.AWS_REGION, limits.eventEntryBytes);
    const binaries = opts.binaries ?? resolveBinaries(config);
    const log = createLogFactory({
      serviceName: config.SERVICE_NAME,
      level: logLevelOf(config.LOG_LEVEL),
      sink: opts.logSink,
    });
    // Koa's own handler prints request errors to stderr; they belong in the log, and an error
    // of one request never stops the local S3.
    const s3log = log.logger({ step: 'local-s3' });
    onRequestError((err) => s3log.warn('local S3 request failed', { error: err }));
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
        S3_PART_MIN_BYTES: partMin,
        ...opts.env,
      },
      binaries,
      killAttempt: opts.ecs?.killAttempt,
      ...(opts.ecs?.bundle ? { bundle: opts.ecs.bundle } : {}),
      log: log.logger({ step: 'local-ecs' }),
    });
    const definition = loadDefinition(localSubstitutions(buckets.work));
    // The handlers need the runtime and the runtime needs the runner as its starter: the
    // handlers read it when a Task runs, after both exist.
    let rt: Runtime | undefined;
    const handlers = localTaskHandlers(definition, () => rt!, undefined, opts.taskHandlers, opts.functionTimeoutsMs, {
      functions: functionLimits,
      lambdaResponseBytes: limits.lambdaResponseBytes,
    });
    const sfn = new LocalStepFunctions(definition, handlers, undefined, { EcsWait: opts.ecs?.pollMs ?? 500 }, limits);
    rt = createRuntime(config, {
      s3,
      jobs: new JobStore(db.client, tableName),
      templates: new TemplateStore(db.client, tableName),
      events: bus,
      starter: sfn,
      stopper: sfn,
      tasks: ecs,
      callbacks: opts.callbacks ?? { allowLoopback: true },
      binaries,
      logSink: opts.logSink,
      lambdaMemory: deployedSizesFromServerless().lambdaMemoryMb,
    });
    // Before any new job: end the jobs a killed process left running, reclaim its scratch space.
    const recovery = await recoverInterruptedJobs(rt, log.logger({ step: 'recovery' }));
    // ffmpeg children must not outlive this process, even after kill -9 (src/local/watchdog.mjs).
    const watchdog = spawn(
      process.execPath,
      [fileURLToPath(new URL('./watchdog.mjs', import.meta.url)), String(process.pid)],
      { detached: true, stdio: 'ignore' },
    );
    watchdog.unref();
    const stack = new LocalStack(rt, endpoint, bus, sfn, ecs, server, db, new Set(), recovery, watchdog, limits);
    stack.ingestLimits = functionLimits.ingest;
    server.on('event', (e) => stack.onS3Event(e));
    return stack;
  }

  private onS3Event(e: {
    Records: {
      eventName: string;
      s3: { bucket: { name: string }; object: { key: string; size?: number; eTag?: string; sequencer?: string } };
    }[];
  }) {
    for (const r of e.Records) {
      if (!r.eventName.startsWith('ObjectCreated:')) continue;
      // The same shape EventBridge delivers for S3 "Object Created" in the cloud.
      const event = {
        version: '0',
        'detail-type': 'Object Created',
        source: 'aws.s3',
        detail: {
          bucket: { name: r.s3.bucket.name },
          object: {
            key: r.s3.object.key,
            size: r.s3.object.size,
            etag: r.s3.object.eTag?.replace(/"/g, ''),
            sequencer: r.s3.object.sequencer,
          },
        },
      };
      const invoke = (rt: Runtime) => EVENT_FUNCTIONS.ingest.invoke(rt, event) as Promise<IngestResult>;
      const p = (
        this.ingestLimits
          ? invokeWithinLimits(this.rt, this.ingestLimits, this.limits.lambdaResponseBytes, invoke)
          : invoke(this.rt)
      ).then(
        (result) => this.emit('ingested', { key: r.s3.object.key, bucket: r.s3.bucket.name, result }),
        (error: unknown) => {
          // The function logged the failure; the upload is reported to waiters.
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

  /** Resolves with the job's final event (COMPLETE, ERROR or CANCELED), once the execution has ended. */
  async waitForFinalEvent(jobId: string): Promise<DeliveredEvent | undefined> {
    await this.sfn.wait(jobId);
    return this.jobEvents(jobId).find((ev) => FINAL_STATUSES.includes((ev.detail as { status?: JobStatus }).status!));
  }

  /** Every job event of a job delivered so far. */
  jobEvents(jobId: string): DeliveredEvent[] {
    return this.bus.history.filter(
      (ev) => ev['detail-type'] === DETAIL_TYPE && (ev.detail as { jobId?: string }).jobId === jobId,
    );
  }

  /** Waits for in-flight triggers, stops the worker tasks and closes s3rver. */
  async stop(): Promise<void> {
    await Promise.allSettled([...this.pending]);
    await this.ecs.stopAll();
    await this.server.close();
    await this.db.close();
    this.watchdog.kill('SIGTERM');
  }
}
