/**
 * The composition root: everything a handler uses, built once per process (at cold start in
 * AWS, by the local stack when it starts) and passed down. Nothing is set into module slots:
 * the local stack and the tests build their own runtime with their own parts.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { SFNClient } from '@aws-sdk/client-sfn';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { ECSClient } from '@aws-sdk/client-ecs';
import { SSMClient } from '@aws-sdk/client-ssm';
import { parseConfig, WEBHOOK_SECRET_RE, type Config } from './config.js';
import { createS3Client } from './aws/s3.js';
import { createDynamoClient } from './aws/dynamodb.js';
import { JobStore } from './pipeline/jobStore.js';
import { TemplateStore } from './templates/store.js';
import { EventBridgePublisher, type EventPublisher } from './aws/events.js';
import { SfnStarter, SfnStopper } from './aws/stepFunctions.js';
import { EcsTaskRunner } from './aws/ecs.js';
import { getSecureString } from './aws/ssm.js';
import { ConfigError } from './errors.js';
import { createLogFactory, logLevelOf, type LogFactory, type LogSink } from './log.js';
import { createMetricsFactory, type MetricsFactory } from './metrics.js';
import { resolveBinaries, type Binaries } from './media/ffmpeg/binaries.js';
import type { ExecutionStarter, ExecutionStopper, TaskRunner } from './ports.js';
import { once } from './util/once.js';
import { capabilitiesOf, type Capabilities } from './media/plan/encoders.js';
import { writesCmaf } from './media/package/cmafCheck.js';
import { clientTracer } from './tracing.js';
import { JobProcesses } from './media/ffmpeg/jobProcesses.js';
import { DETAIL_TYPE } from './pipeline/events.js';
import { meterS3Requests } from './cost/meter.js';
import { PRICES_US_EAST_1, type PriceTable } from './aws/prices.js';

/** Resolves a host name to every address it has (default: the system's, dns.lookup with all). */
export type HostResolver = (hostname: string) => Promise<{ address: string; family: number }[]>;

/** Which callback URLs a job may name (src/api/callbackUrl.ts checks them). */
export interface CallbackPolicy {
  /** Local stack only: allow http(s) to hosts that resolve to loopback only (127.0.0.0/8, ::1). */
  allowLoopback: boolean;
  /** How host names are resolved before they are checked (tests inject a fake). */
  resolve?: HostResolver;
}

/** Everything a handler uses. */
export interface Runtime {
  config: Config;
  s3: S3Client;
  events: EventPublisher;
  /** The job records (DynamoDB). */
  jobs: JobStore;
  /** The stored templates (DynamoDB, the job records' table). */
  templates: TemplateStore;
  /** Starts executions of the state machine (ingest, POST /jobs). */
  starter: ExecutionStarter;
  /** Stops executions (DELETE /jobs/{id}). */
  stopper: ExecutionStopper;
  /** Runs the ECS worker (the ECS submit/status functions). */
  tasks: TaskRunner;
  callbacks: CallbackPolicy;
  /** The webhook signing secret (`whsec_...`); ConfigError when none is configured. */
  webhookSecret: () => Promise<string>;
  /** The ffmpeg and ffprobe this process runs (resolved on first use: functions without the layer never ask). */
  binaries: Binaries;
  /** Encoders, filters and version of that ffmpeg: listed once per process (a failed listing is asked again). */
  ffmpegCapabilities(): Promise<Capabilities>;
  /** Whether that ffmpeg writes CMAF fragments with source timing right: checked once per process. */
  cmafSupport(): Promise<{ ok: true } | { ok: false; reason: string }>;
  log: LogFactory;
  metrics: MetricsFactory;
  /** Functions that have been invoked in this process (the cold-start flag of the logs). */
  warm: Set<string>;
  /** The running ffmpeg/ffprobe processes of each job in this process, ended when the job ends. */
  processes: JobProcesses;
  /**
   * The memory (MB) a function is billed at: in Lambda its own (AWS_LAMBDA_FUNCTION_MEMORY_SIZE);
   * the local stack supplies serverless.yml's (src/cost/memory.ts); undefined when neither knows.
   */
  lambdaMemoryMb(functionName: string): number | undefined;
  /** The price table a job's cost is estimated with (src/aws/prices.ts). */
  prices: PriceTable;
}

/** Parts a caller may supply instead of the cloud defaults. */
export type RuntimeParts = Partial<
  Omit<Runtime, 'config' | 'log' | 'metrics' | 'warm' | 'processes' | 'lambdaMemoryMb'>
> & {
  logSink?: LogSink;
  /** Every function's memory (MB) by name, as serverless.yml configures it (the local stack). */
  lambdaMemory?: Record<string, number>;
};

/**
 * The job's final event (COMPLETE, ERROR, CANCELED), once put, stops whatever of that job still
 * runs in this process: after an ERROR the other segments' encoders are ended instead of
 * finishing work that is discarded. Whoever puts it (EmitError, cancel, crash recovery), the
 * event is the one point every ending passes.
 */
function stoppingOnFinalEvents(events: EventPublisher, processes: JobProcesses): EventPublisher {
  return {
    async put(entry) {
      await events.put(entry);
      if (entry.DetailType !== DETAIL_TYPE || typeof entry.Detail !== 'string') return;
      const d = JSON.parse(entry.Detail) as { jobId?: unknown; status?: unknown };
      if (typeof d.jobId === 'string' && (d.status === 'COMPLETE' || d.status === 'ERROR' || d.status === 'CANCELED'))
        processes.stop(d.jobId, `job ${d.status}`);
    },
  };
}

/** A starter for functions that have none configured: fails loudly when used. */
const unconfiguredStarter: ExecutionStarter = {
  start: () => Promise.reject(new ConfigError('STATE_MACHINE_ARN is not set')),
};

/** Memoizes an async result; a rejection is not kept (the next call asks again). */
function retryingOnce<T>(make: () => Promise<T>): () => Promise<T> {
  let p: Promise<T> | undefined;
  return () => {
    p ??= make().catch((err: unknown) => {
      p = undefined;
      throw err;
    });
    return p;
  };
}

/** Defers building a task runner (only the ECS functions have its settings). */
function lazyTaskRunner(make: () => TaskRunner): TaskRunner {
  const get = once(make);
  return {
    runTask: async (req) => get().runTask(req),
    describeTask: async (arn) => get().describeTask(arn),
    stopTask: async (arn, reason) => get().stopTask(arn, reason),
  };
}

/**
 * Where the webhook signing secret comes from: WEBHOOK_SECRET itself (local), or the SSM
 * SecureString WEBHOOK_SECRET_PARAMETER names (AWS), read on first use and kept for the life of
 * the process (a failed read is tried again on the next delivery).
 */
function webhookSecretSource(config: Config, ssm: () => SSMClient): () => Promise<string> {
  const direct = config.WEBHOOK_SECRET;
  if (direct) return async () => direct;
  const name = config.WEBHOOK_SECRET_PARAMETER;
  if (!name)
    return () =>
      Promise.reject(
        new ConfigError('WEBHOOK_SECRET or WEBHOOK_SECRET_PARAMETER must be set: webhook deliveries are signed'),
      );
  let read: Promise<string> | undefined;
  return () => {
    read ??= getSecureString(ssm(), name).then(
      (v) => {
        if (!WEBHOOK_SECRET_RE.test(v)) throw new ConfigError(`SSM parameter ${name} is not a whsec_ secret`);
        return v;
      },
      (err: unknown) => {
        read = undefined;
        throw err;
      },
    );
    return read;
  };
}

/**
 * Builds a runtime from a validated config. Each AWS client is built once, with the config's
 * region, and traced (Powertools Tracer, loaded only in Lambda or ECS: src/tracing.ts).
 */
export function createRuntime(config: Config, parts: RuntimeParts = {}): Runtime {
  const tracer = clientTracer(config.SERVICE_NAME);
  // Every request counted into the invocation that sends it (src/cost/meter.ts).
  const s3 = meterS3Requests(parts.s3 ?? tracer.captureAWSv3Client(createS3Client(config)));
  // Resolved on first use: only the functions that carry the ffmpeg layer have ffmpeg at all.
  const binaries = parts.binaries ? () => parts.binaries! : once(() => resolveBinaries(config));
  const processes = new JobProcesses();
  return {
    config,
    s3,
    events: stoppingOnFinalEvents(
      parts.events ??
        new EventBridgePublisher(tracer.captureAWSv3Client(new EventBridgeClient({ region: config.AWS_REGION }))),
      processes,
    ),
    jobs:
      parts.jobs ??
      new JobStore(
        createDynamoClient(config, undefined, (c) => tracer.captureAWSv3Client(c)),
        config.JOBS_TABLE,
      ),
    templates:
      parts.templates ??
      new TemplateStore(
        createDynamoClient(config, undefined, (c) => tracer.captureAWSv3Client(c)),
        config.JOBS_TABLE,
      ),
    starter:
      parts.starter ??
      (config.STATE_MACHINE_ARN
        ? new SfnStarter(
            config.STATE_MACHINE_ARN,
            tracer.captureAWSv3Client(new SFNClient({ region: config.AWS_REGION })),
          )
        : unconfiguredStarter),
    stopper: parts.stopper ?? new SfnStopper(tracer.captureAWSv3Client(new SFNClient({ region: config.AWS_REGION }))),
    tasks:
      parts.tasks ??
      lazyTaskRunner(() =>
        EcsTaskRunner.fromConfig(config, tracer.captureAWSv3Client(new ECSClient({ region: config.AWS_REGION }))),
      ),
    callbacks: parts.callbacks ?? { allowLoopback: config.WEBHOOK_ALLOW_LOOPBACK_HTTP },
    webhookSecret:
      parts.webhookSecret ??
      webhookSecretSource(config, () => tracer.captureAWSv3Client(new SSMClient({ region: config.AWS_REGION }))),
    get binaries() {
      return binaries();
    },
    ffmpegCapabilities: retryingOnce(() => capabilitiesOf(binaries().ffmpeg)),
    cmafSupport: once(() => writesCmaf(binaries().ffmpeg)),
    log: createLogFactory({
      serviceName: config.SERVICE_NAME,
      level: logLevelOf(config.LOG_LEVEL),
      sink: parts.logSink,
    }),
    metrics: createMetricsFactory({
      namespace: config.METRICS_NAMESPACE,
      serviceName: config.SERVICE_NAME,
      sink: parts.logSink,
    }),
    warm: new Set(),
    processes,
    lambdaMemoryMb: (name) => config.AWS_LAMBDA_FUNCTION_MEMORY_SIZE ?? parts.lambdaMemory?.[name],
    prices: parts.prices ?? PRICES_US_EAST_1,
  };
}

/** The runtime of a deployed function or the ECS worker: built from the environment on first use. */
export const cloudRuntime = once(() => createRuntime(parseConfig(process.env)));
