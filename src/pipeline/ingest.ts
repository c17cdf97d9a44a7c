import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { Config } from '../config.js';
import type { JobInput } from './job.js';
import { JobInputSchema, parseInput } from './job.js';
import { thresholdsFromConfig, type EngineRequest } from '../ecs/decider.js';

/** Starts state machine executions: Step Functions in the cloud, the local runner here. */
export interface ExecutionStarter {
  /** Starts `name` unless an execution of that name exists; names make starts idempotent. */
  start(name: string, input: JobInput): Promise<{ executionArn: string; alreadyStarted: boolean }>;
}

/** Suffixes the ingest rule accepts as video. */
export const VIDEO_SUFFIXES = ['.mp4', '.m4v', '.mov', '.mkv', '.webm', '.avi', '.mpg', '.mpeg', '.ts', '.mts', '.m2ts', '.mxf', '.flv', '.3gp', '.wmv', '.ogv', '.vob'];

/** The EventBridge "Object Created" event of S3 (only the fields used). */
export const ObjectCreatedSchema = z.object({
  'detail-type': z.literal('Object Created'),
  detail: z.object({
    bucket: z.object({ name: z.string() }),
    object: z.object({ key: z.string(), size: z.number().optional(), etag: z.string().optional(), 'version-id': z.string().optional(), sequencer: z.string().optional() }),
  }),
});
export type ObjectCreatedEvent = z.infer<typeof ObjectCreatedSchema>;

/**
 * A job id derived from the object version, so the same upload delivered twice maps to one
 * job (and one execution name).
 */
export function jobIdFor(bucket: string, key: string, version: string): string {
  return 'j-' + createHash('sha256').update(`${bucket}\n${key}\n${version}`).digest('hex').slice(0, 24);
}

/** Whether a key looks like a video the pipeline should pick up. */
export const isVideoKey = (key: string) => VIDEO_SUFFIXES.some((s) => key.toLowerCase().endsWith(s));

/** Optional per-object settings, from S3 user metadata (x-amz-meta-*). */
export interface ObjectSettings {
  preset?: string;
  segmentSeconds?: number;
  correlationId?: string;
  /** `auto` (default: the encoder decider chooses), `lambda` or `ecs`. */
  engine?: EngineRequest;
}

/** Builds the execution input of a job for an uploaded object. */
export function jobForObject(config: Config, event: ObjectCreatedEvent, settings: ObjectSettings, now = new Date()): JobInput {
  const { bucket, object } = event.detail;
  const version = object['version-id'] ?? object.etag ?? object.sequencer ?? String(object.size ?? '');
  return parseInput(
    JobInputSchema,
    {
      jobId: jobIdFor(bucket.name, object.key, version),
      source: { bucket: bucket.name, key: object.key },
      settings: {
        preset: settings.preset ?? config.DEFAULT_PRESET,
        segmentSeconds: settings.segmentSeconds ?? config.SEGMENT_SECONDS,
        engine: settings.engine ?? 'auto',
      },
      ...(settings.correlationId ? { correlationId: settings.correlationId } : {}),
      userMetadata: {},
      submittedAt: now.toISOString(),
      config: { mapConcurrency: config.MAP_MAX_CONCURRENCY, decider: thresholdsFromConfig(config) },
    },
    'job',
  );
}
