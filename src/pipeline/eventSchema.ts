/**
 * The `Transcode Job State Change` event as delivered to a rule target, as zod schemas:
 * docs/schemas/job-event.schema.json is generated from them with zod's `z.toJSONSchema`
 * (`npm run generate`; the wiring test fails when the file is stale). The conditional rules per
 * status (what COMPLETE, ERROR, PROGRESSING and STATUS_UPDATE must and must not carry) are JSON
 * Schema `allOf`/`if`/`then`, which zod has no builder for: they ride in `meta`.
 */
import { z } from 'zod';
import { ERROR_CODES } from '../errors.js';
import { VerificationSchema } from './verificationSchema.js';
import { JobCostSchema } from '../cost/schema.js';

export const S3UriSchema = z
  .string()
  .regex(/^s3:\/\/[^/]+\/.+/)
  .meta({ id: 's3uri' });

export const EventOutputSchema = z
  .strictObject({
    type: z.enum(['hls', 'dash', 'video', 'cmaf', 'subtitles', 'poster', 'sprite', 'vtt']),
    name: z.string(),
    uri: S3UriSchema,
    sizeBytes: z.int().min(0),
    rendition: z.string().optional(),
    durationMs: z.int().min(0).optional(),
    width: z.int().min(1).optional(),
    height: z.int().min(1).optional(),
    frames: z.int().min(1).optional(),
    codec: z
      .string()
      .meta({ description: 'RFC 6381 codec string of the rendition (avc1.*, hvc1.*, av01.*)' })
      .optional(),
    files: z.int().min(1).meta({ description: 'Files in a cmaf folder (init segment and fragments)' }).optional(),
  })
  .meta({ id: 'output' });

export const EventDetailSchema = z
  .strictObject({
    status: z.enum(['PROGRESSING', 'STATUS_UPDATE', 'COMPLETE', 'ERROR', 'CANCELED']),
    jobId: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9-]{0,79}$/),
    timestamp: z.int().min(0),
    queue: z.string(),
    source: S3UriSchema,
    correlationId: z.string().optional(),
    userMetadata: z.record(z.string(), z.string()),
    timing: z.strictObject({
      submitTime: z.string().meta({ format: 'date-time' }),
      startTime: z.string().meta({ format: 'date-time' }).optional(),
      finishTime: z.string().meta({ format: 'date-time' }).optional(),
    }),
    outputGroupDetails: z
      .array(
        z.looseObject({
          type: z.enum(['HLS_GROUP', 'DASH_ISO_GROUP', 'FILE_GROUP']),
          outputDetails: z.array(
            z.looseObject({
              outputFilePaths: z.array(S3UriSchema).min(1),
              durationInMs: z.int().min(0).optional(),
              videoDetails: z.looseObject({ widthInPx: z.int(), heightInPx: z.int() }).optional(),
            }),
          ),
          playlistFilePaths: z
            .array(S3UriSchema)
            .min(1)
            .meta({ description: 'HLS master playlist or DASH MPD (HLS_GROUP, DASH_ISO_GROUP)' })
            .optional(),
        }),
      )
      .optional(),
    outputs: z.array(EventOutputSchema).optional(),
    errorCode: z
      .enum(ERROR_CODES)
      .meta({ description: 'The pipeline error code (docs/API.md, src/errors.ts ERROR_CODES).' })
      .optional(),
    errorMessage: z.string().min(1).optional(),
    encoder: z
      .strictObject({ ffmpegVersion: z.string().min(1) })
      .meta({
        description:
          "The ffmpeg build that produced the outputs (COMPLETE), or the deployment's (ERROR, once the plan has run): `ffmpeg -version`'s version token.",
      })
      .optional(),
    progress: z
      .looseObject({
        step: z.string(),
        segmentsDone: z.int().optional(),
        segmentsTotal: z.int().optional(),
        engine: z
          .enum(['lambda', 'ecs'])
          .meta({ description: 'Which engine did the segments reported here.' })
          .optional(),
      })
      .optional(),
    jobPercentComplete: z
      .int()
      .min(0)
      .max(100)
      .meta({ description: 'STATUS_UPDATE: percent of the job done (from the segments; at most 99 before COMPLETE).' })
      .optional(),
    currentPhase: z
      .enum(['PROBING', 'TRANSCODING', 'UPLOADING'])
      .meta({ description: "STATUS_UPDATE: what the job is doing (MediaConvert's phases)." })
      .optional(),
    engine: z
      .strictObject({
        segments: z.enum(['lambda', 'ecs']),
        fallbackFrom: z.literal('lambda').optional(),
        reason: z
          .string()
          .meta({
            description:
              'The error that sent the job to ECS (Sandbox.Timedout, States.Timeout, Runtime.ExitError, Runtime.OutOfMemory, ...).',
          })
          .optional(),
      })
      .meta({
        description:
          'COMPLETE: which engine encoded the segments; after a fallback from the Lambda fan-out to the ECS worker, from what and why.',
      })
      .optional(),
    tracks: z
      .strictObject({
        audio: z.array(
          z.strictObject({
            id: z.string(),
            sourceIndex: z.int().min(0),
            language: z
              .string()
              .regex(/^[a-z]{3}$/)
              .meta({ description: 'ISO 639-2 code from the source container' })
              .optional(),
            title: z.string().optional(),
            channels: z.int().min(1),
            default: z.boolean().optional(),
          }),
        ),
        subtitles: z.array(
          z.strictObject({
            id: z.string(),
            sourceIndex: z.int().min(0),
            codec: z.string().meta({ description: "the source's subtitle codec" }),
            format: z.literal('webvtt'),
            language: z
              .string()
              .regex(/^[a-z]{3}$/)
              .meta({ description: 'ISO 639-2 code from the source container' })
              .optional(),
            title: z.string().optional(),
            cues: z.int().min(0),
            default: z.boolean().optional(),
            forced: z.boolean().optional(),
          }),
        ),
        skipped: z.array(
          z.strictObject({
            sourceIndex: z.int().min(0),
            type: z.enum(['audio', 'subtitle']),
            codec: z.string(),
            language: z.string().optional(),
            reason: z.string(),
          }),
        ),
      })
      .meta({
        description:
          "COMPLETE: the source's audio and subtitle tracks, the ones every output carries and the ones left out with the reason.",
      })
      .optional(),
    verification: VerificationSchema.optional(),
    cost: JobCostSchema.meta({
      id: 'cost',
      description:
        'COMPLETE: what the job cost, per step and in total, with a USD estimate from the price table (docs/COST.md).',
    }).optional(),
  })
  .meta({
    id: 'detail',
    allOf: [
      {
        if: { properties: { status: { const: 'COMPLETE' } } },
        then: {
          required: ['outputGroupDetails', 'outputs', 'timing', 'encoder', 'verification', 'cost'],
          not: { anyOf: [{ required: ['errorCode'] }, { required: ['errorMessage'] }] },
        },
      },
      {
        if: { properties: { status: { const: 'ERROR' } } },
        then: {
          required: ['errorCode', 'errorMessage'],
          not: {
            anyOf: [
              { required: ['outputs'] },
              { required: ['outputGroupDetails'] },
              { required: ['verification'] },
              { required: ['cost'] },
            ],
          },
        },
      },
      {
        if: { properties: { status: { const: 'PROGRESSING' } } },
        then: { required: ['progress'], not: { required: ['encoder'] } },
      },
      {
        if: { properties: { status: { const: 'STATUS_UPDATE' } } },
        then: { required: ['jobPercentComplete', 'currentPhase', 'progress'] },
      },
    ],
  });

export const JobEventSchema = z.looseObject({
  version: z.literal('0'),
  id: z.string().min(1),
  'detail-type': z.literal('Transcode Job State Change'),
  source: z.string().min(1),
  account: z.string().regex(/^[0-9]{12}$/),
  time: z.string().meta({ format: 'date-time' }),
  region: z.string().min(1),
  resources: z.array(z.string()),
  detail: EventDetailSchema,
});

/** Where the generated schema says it lives, its title and description. */
const DOCUMENT = {
  $id: 'https://media-transcoder.local/schemas/job-event.schema.json',
  title: 'Transcode Job State Change',
  description:
    "An EventBridge event as delivered to a rule target. One PROGRESSING event when segments are planned, STATUS_UPDATE events while segments finish (at most one per 10 % step or per 60 s), then exactly one COMPLETE, ERROR or CANCELED per job. The detail follows MediaConvert's Job State Change shape (status, jobId, timestamp, userMetadata, outputGroupDetails (HLS_GROUP, DASH_ISO_GROUP, FILE_GROUP), errorCode, errorMessage, jobPercentComplete, currentPhase) with a few additions (source, correlationId, timing, outputs, progress).",
} as const;

/** docs/schemas/job-event.schema.json: JSON Schema draft-07, the shared parts under `definitions`. */
export function jobEventJsonSchema(): Record<string, unknown> {
  const { $schema, ...schema } = z.toJSONSchema(JobEventSchema, { target: 'draft-7' }) as Record<string, unknown>;
  return { $schema, ...DOCUMENT, ...schema };
}
