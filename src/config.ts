import os from 'node:os';
import { z } from 'zod';
import { ConfigError } from './errors.js';

const num = (def: number) => z.coerce.number().positive().default(def);

/** Every setting the handlers read, with its default. Read once, at cold start. */
const ConfigSchema = z.object({
  AWS_REGION: z.string().default('us-east-1'),
  INGEST_BUCKET: z.string().min(1),
  WORK_BUCKET: z.string().min(1),
  OUTPUT_BUCKET: z.string().min(1),
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
  FFPROBE_TIMEOUT_SECONDS: num(120),
  /** Scratch space (Lambda: /tmp). */
  WORK_DIR: z.string().default(os.tmpdir()),
  STATE_MACHINE_ARN: z.string().optional(),
  /** Interval between sprite thumbnails, seconds. */
  THUMBNAIL_INTERVAL_SECONDS: num(10),
});

/** Validated configuration. */
export type Config = z.infer<typeof ConfigSchema>;

/** Parses a config from an environment; throws ConfigError naming every bad variable. */
export function parseConfig(env: NodeJS.ProcessEnv): Config {
  const r = ConfigSchema.safeParse(env);
  if (!r.success) {
    const issues = r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new ConfigError(`invalid configuration: ${issues}`);
  }
  return r.data;
}
