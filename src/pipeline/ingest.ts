import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { Config } from '../config.js';
import { buildJobInput, type JobInput, type JobRequest } from './job.js';
import type { ResolvedTemplate } from '../templates/resolve.js';

export type { ExecutionStarter } from '../ports.js';

/** Suffixes the ingest rule accepts as video. */
export const VIDEO_SUFFIXES = [
  '.mp4',
  '.m4v',
  '.mov',
  '.mkv',
  '.webm',
  '.avi',
  '.mpg',
  '.mpeg',
  '.ts',
  '.mts',
  '.m2ts',
  '.mxf',
  '.flv',
  '.3gp',
  '.wmv',
  '.ogv',
  '.vob',
];

/** The EventBridge "Object Created" event of S3 (only the fields used). */
export const ObjectCreatedSchema = z.object({
  'detail-type': z.literal('Object Created'),
  detail: z.object({
    bucket: z.object({ name: z.string() }),
    object: z.object({
      key: z.string(),
      size: z.number().optional(),
      etag: z.string().optional(),
      'version-id': z.string().optional(),
      sequencer: z.string().optional(),
    }),
  }),
});
export type ObjectCreatedEvent = z.infer<typeof ObjectCreatedSchema>;

/**
 * A job id derived from the object version, so the same upload delivered twice maps to one
 * job (and one execution name).
 */
export function jobIdFor(bucket: string, key: string, version: string): string {
  return `j-${createHash('sha256').update(`${bucket}\n${key}\n${version}`).digest('hex').slice(0, 24)}`;
}

/**
 * Audio-only suffixes: the pipeline makes video renditions, but an audio file dropped into the
 * ingest bucket gets a job that the probe refuses with the cause (INPUT_NO_VIDEO, or
 * INPUT_UNSUPPORTED for raw audio formats) and an ERROR event, never silence.
 */
export const AUDIO_SUFFIXES = ['.m4a', '.mp3', '.aac', '.flac', '.wav', '.opus', '.ogg', '.oga', '.wma', '.weba'];

/** Whether a key looks like a video the pipeline should pick up. */
export const isVideoKey = (key: string) => VIDEO_SUFFIXES.some((s) => key.toLowerCase().endsWith(s));

/** Whether an upload to the ingest bucket starts a job: a video, or an audio file to refuse with its cause. */
export const isIngestKey = (key: string) =>
  isVideoKey(key) || AUDIO_SUFFIXES.some((s) => key.toLowerCase().endsWith(s));

/** Builds the execution input of a job for an uploaded object and the settings its metadata asks for. */
export function jobForObject(
  config: Config,
  event: ObjectCreatedEvent,
  request: JobRequest,
  resolved?: ResolvedTemplate,
  now = new Date(),
): JobInput {
  const { bucket, object } = event.detail;
  return buildJobInput(config, {
    jobId: jobIdForObject(event),
    source: { bucket: bucket.name, key: object.key },
    request,
    submittedAt: now,
    ...(resolved ? { resolved } : {}),
  });
}

/** The job id of an uploaded object version (the same whether its settings are usable or not). */
export function jobIdForObject(event: ObjectCreatedEvent): string {
  const { bucket, object } = event.detail;
  const version = object['version-id'] ?? object.etag ?? object.sequencer ?? String(object.size ?? '');
  return jobIdFor(bucket.name, object.key, version);
}
