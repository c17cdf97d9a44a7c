import os from 'node:os';
import { z } from 'zod';
import { ConfigError } from './errors.js';

const num = (def: number) => z.coerce.number().positive().default(def);

/** Every setting the handlers read, with its default. Read once, at cold start. */
const flag = z.preprocess((v) => (typeof v === 'string' ? ['1', 'true', 'yes'].includes(v.toLowerCase()) : v), z.boolean()).default(false);

const ConfigSchema = z.object({
  AWS_REGION: z.string().default('us-east-1'),
  /** The `service` field of every log line and the metrics' service dimension. */
  SERVICE_NAME: z.string().min(1).default('media-transcoder'),
  /** CloudWatch namespace of the metrics (EMF). */
  METRICS_NAMESPACE: z.string().min(1).default('MediaTranscoder'),
  /** DEBUG, INFO (default), WARN or ERROR. */
  LOG_LEVEL: z.string().optional(),
  /** Local stack only: callbacks may go to http(s) on loopback. Never set in the cloud. */
  WEBHOOK_ALLOW_LOOPBACK_HTTP: flag,
  /** ffmpeg/ffprobe to use instead of the layer's, the system's or the npm-shipped ones. */
  FFMPEG_PATH: z.string().min(1).optional(),
  FFPROBE_PATH: z.string().min(1).optional(),
  /** Where the system's binaries are looked up. */
  PATH: z.string().optional(),
  /** The ECS worker: s3:// URI of its job document, and segments encoded at once. */
  JOB_URI: z.string().min(1).optional(),
  WORKER_CONCURRENCY: z.coerce.number().int().positive().optional(),
  INGEST_BUCKET: z.string().min(1),
  WORK_BUCKET: z.string().min(1),
  OUTPUT_BUCKET: z.string().min(1),
  /** The DynamoDB table of job records (serverless.yml JobsTable; the local stack makes its own). */
  JOBS_TABLE: z.string().min(3).max(255).default('media-transcoder-jobs'),
  /** Set only for the local stack (dynalite on loopback). */
  DYNAMODB_ENDPOINT: z.string().url().optional(),
  /** Set only for the local stack (s3rver) or another S3-compatible endpoint. */
  S3_ENDPOINT: z.string().url().optional(),
  EVENT_BUS_NAME: z.string().default('default'),
  EVENT_SOURCE: z.string().default('media-transcoder'),
  /** Target segment length in seconds; cuts land on the nearest clean keyframe. */
  SEGMENT_SECONDS: num(4),
  /** Map concurrency handed to the state machine (MaxConcurrencyPath). */
  MAP_MAX_CONCURRENCY: z.coerce.number().int().min(0).default(100),
  DEFAULT_PRESET: z.string().default('h264-ladder'),
  /** Upper bound for any single ffmpeg/ffprobe run. */
  FFMPEG_TIMEOUT_SECONDS: num(840),
  FFPROBE_TIMEOUT_SECONDS: num(90),
  /** Scratch space (Lambda: /tmp). */
  WORK_DIR: z.string().default(os.tmpdir()),
  STATE_MACHINE_ARN: z.string().optional(),
  /** Input limits: a source beyond any of them ends in INPUT_LIMIT_EXCEEDED. */
  MAX_INPUT_BYTES: num(50 * 1024 ** 3),
  MAX_DURATION_SECONDS: num(6 * 3600),
  MAX_WIDTH: num(8192),
  MAX_HEIGHT: num(8192),
  MAX_FRAME_RATE: num(240),
  MAX_STREAMS: num(16),
  /** Interval between sprite thumbnails, seconds. */
  THUMBNAIL_INTERVAL_SECONDS: num(10),
  /**
   * Encoder decider thresholds (docs/ECS.md): the starter copies them into the execution
   * input's `config.decider`; a source above any of them is encoded by one ECS task.
   */
  MAX_LAMBDA_SIZE_BYTES: num(5 * 1024 ** 3),
  MAX_LAMBDA_DURATION_SECONDS: num(7200),
  MAX_LAMBDA_KEYFRAME_GAP_SECONDS: num(10),
  MAX_LAMBDA_LONG_SIDE: num(4096),
  MAX_LAMBDA_SHORT_SIDE: num(2160),
  /** ECS worker (submit/status functions): where RunTask runs the task. Required only there. */
  ECS_CLUSTER: z.string().min(1).optional(),
  ECS_TASK_DEFINITION: z.string().min(1).optional(),
  /** Comma-separated subnet ids and security group ids of the task's network interface. */
  ECS_SUBNETS: z.string().min(1).optional(),
  ECS_SECURITY_GROUPS: z.string().min(1).optional(),
  ECS_ASSIGN_PUBLIC_IP: z.enum(['ENABLED', 'DISABLED']).default('DISABLED'),
  /** The worker's container name in the task definition (container overrides name it). */
  ECS_CONTAINER_NAME: z.string().min(1).default('encoder'),
  /** A capacity provider (e.g. FARGATE_SPOT) instead of launch type FARGATE. */
  ECS_CAPACITY_PROVIDER: z.string().min(1).optional(),
  /** Seconds between two DescribeTasks of the polling loop (the Wait state's SecondsPath). */
  ECS_POLL_SECONDS: z.coerce.number().int().min(1).max(300).default(30),
});

/** Validated configuration. */
export type Config = z.infer<typeof ConfigSchema>;

/** The input limits of a config. */
export const limitsOf = (c: Config) => ({
  maxInputBytes: c.MAX_INPUT_BYTES,
  maxDurationSec: c.MAX_DURATION_SECONDS,
  maxWidth: c.MAX_WIDTH,
  maxHeight: c.MAX_HEIGHT,
  maxFrameRate: c.MAX_FRAME_RATE,
  maxStreams: c.MAX_STREAMS,
});

/** Parses a config from an environment; throws ConfigError naming every bad variable. */
export function parseConfig(env: NodeJS.ProcessEnv): Config {
  const r = ConfigSchema.safeParse(env);
  if (!r.success) {
    const issues = r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new ConfigError(`invalid configuration: ${issues}`);
  }
  return r.data;
}
