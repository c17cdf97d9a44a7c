/**
 * The shapes the HTTP API document publishes (docs/openapi.json `components.schemas`), as zod
 * schemas: the document is generated from them with zod's `z.toJSONSchema` (src/api/openapi.ts,
 * `npm run generate`), never edited by hand. Each carries its component name as `id`; the code
 * enumerations and ranges (error codes, presets, job statuses, engines, output formats, segment
 * length) come from the code that defines them.
 * Keywords zod has no builder for (uniqueItems, maxProperties, propertyNames, not) ride in `meta`.
 */
import { TemplateSchema } from '../templates/schema.js';
import { z } from 'zod';
import { API_ERRORS } from './errors.js';
import { ERROR_CODES } from '../errors.js';
import { JOB_STATUSES, SEGMENT_SECONDS_RANGE } from '../pipeline/job.js';
import { ENGINE_REQUESTS } from '../pipeline/decider.js';
import { OUTPUT_FORMATS, PRESETS } from '../media/plan/presets.js';

/** The keys of a table as a zod enum's values. */
const keysOf = <K extends string>(o: Record<K, unknown>) => Object.keys(o) as [K, ...K[]];

export const ErrorDoc = z
  .strictObject({
    code: z.enum(keysOf(API_ERRORS)),
    message: z.string().min(1),
    details: z
      .array(
        z.strictObject({
          path: z.string().meta({
            description: 'Dotted path in the document (renditions.2.crf); (template) for the whole document.',
          }),
          message: z.string(),
        }),
      )
      .meta({ description: 'TEMPLATE_INVALID: every wrong field of the template, one entry each.' })
      .optional(),
  })
  .meta({ id: 'Error' });

export const ClipTimeDoc = z
  .union([z.number().min(0), z.string().regex(/^(\d{1,7}(\.\d{1,6})?|\d{1,3}:[0-5]\d:[0-5]\d(\.\d{1,6})?)$/)])
  .meta({
    id: 'ClipTime',
    description:
      'Seconds (a number, or a decimal string) or a timecode HH:MM:SS[.ffffff] (minutes and seconds 00-59). Frame timecodes HH:MM:SS:FF are refused.',
    examples: [12.345, '00:00:12.345'],
  });

export const TemplateDoc = TemplateSchema.meta({ id: 'Template' });

export const TemplateSummaryDoc = z
  .strictObject({
    name: z.string(),
    description: z.string(),
    builtIn: z.boolean().meta({ description: 'A shipped preset: cannot be overwritten or deleted.' }),
    renditions: z.array(z.string()),
    updatedAt: z.string().meta({ format: 'date-time' }).optional(),
  })
  .meta({ id: 'TemplateSummary' });

export const TemplateListDoc = z
  .strictObject({ templates: z.array(TemplateSummaryDoc), count: z.int().min(0) })
  .meta({ id: 'TemplateList' });

export const CreateJobRequestDoc = z
  .strictObject({
    source: z
      .string()
      .max(1100)
      .regex(/^s3:\/\/[^/]+\/.+/)
      .meta({ description: 's3://<ingest bucket>/<key>; other buckets are refused (SOURCE_NOT_ALLOWED).' }),
    preset: z
      .enum(keysOf(PRESETS))
      .meta({ description: "src/media/plan/presets.ts; default: the stack's DEFAULT_PRESET (h264-ladder)." })
      .optional(),
    template: z
      .union([z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/), TemplateDoc])
      .meta({
        description:
          "A template's name (built in or stored: GET /templates) or a whole template document (docs/TEMPLATES.md); wins over preset. A document is validated field by field (400 TEMPLATE_INVALID with details); an unknown name is 400 UNKNOWN_TEMPLATE.",
      })
      .optional(),
    segmentSeconds: z
      .number()
      .min(SEGMENT_SECONDS_RANGE.min)
      .max(SEGMENT_SECONDS_RANGE.max)
      .meta({
        description:
          "Target segment length in seconds (cuts land on the nearest clean keyframe); default: the stack's SEGMENT_SECONDS (4). The same as upload metadata x-amz-meta-segment-seconds.",
      })
      .optional(),
    engine: z
      .enum(ENGINE_REQUESTS)
      .meta({
        description:
          'auto (default): the encoder decider chooses Lambda fan-out or one ECS task; lambda or ecs force one. The same as x-amz-meta-engine.',
      })
      .optional(),
    outputs: z
      .array(z.enum(OUTPUT_FORMATS))
      .min(1)
      .meta({
        description:
          'Output formats: hls, dash (both over the CMAF pieces) and mp4 (progressive downloads); default: every format of the preset. The same as x-amz-meta-outputs (comma-separated).',
        uniqueItems: true,
      })
      .optional(),
    clip: z
      .strictObject({ start: ClipTimeDoc.optional(), end: ClipTimeDoc.optional() })
      .meta({
        description:
          'Keep the frames whose time is in [start, end), frame-accurately (a start between keyframes is re-encoded from the exact frame). start defaults to 0, end to the end of the source.',
      })
      .optional(),
    correlationId: z.string().min(1).max(256).meta({ description: 'Echoed in every event of the job.' }).optional(),
    userMetadata: z
      .record(z.string(), z.string().max(256))
      .meta({
        description: 'String values, echoed in every event of the job.',
        maxProperties: 20,
        propertyNames: { pattern: '^[A-Za-z0-9_.:-]{1,64}$', not: { const: 'callbackUrl' } },
      })
      .optional(),
    callbackUrl: z
      .string()
      .max(2048)
      .meta({
        description:
          'https:// URL to a host whose every address is public (resolved and checked at creation and before each delivery; the delivery connects to the checked address; locally also http:// to a host resolving to loopback only) that receives every event of the job. Stored as userMetadata.callbackUrl.',
        format: 'uri',
      })
      .optional(),
  })
  .meta({ id: 'CreateJobRequest' });

export const CreateJobResponseDoc = z
  .strictObject({ jobId: z.string().regex(/^j-[0-9a-f]{24}$/), status: z.literal('SUBMITTED') })
  .meta({ id: 'CreateJobResponse' });

export const ClipDoc = z
  .strictObject({ start: z.number().min(0), end: z.number().gt(0).optional() })
  .meta({ id: 'Clip' });

export const OutputDoc = z
  .looseObject({
    type: z.enum(['hls', 'dash', 'video', 'cmaf', 'poster', 'sprite', 'vtt']),
    name: z.string(),
    uri: z.string().regex(/^s3:\/\/[^/]+\/.+/),
    sizeBytes: z.int().min(0),
    rendition: z.string().optional(),
    durationMs: z.int().min(0).optional(),
    width: z.int().min(1).optional(),
    height: z.int().min(1).optional(),
    frames: z.int().min(1).optional(),
    codec: z
      .string()
      .meta({ description: 'RFC 6381 codec string of the rendition (avc1.*, hvc1.*, av01.*).' })
      .optional(),
    files: z.int().min(1).meta({ description: 'Files in a cmaf folder (its init segment and fragments).' }).optional(),
  })
  .meta({ id: 'Output' });

export const JobErrorDoc = z
  .strictObject({
    code: z.enum(ERROR_CODES).meta({ description: "The pipeline's error code, as in the ERROR event (docs/API.md)." }),
    message: z.string(),
  })
  .meta({ id: 'JobError' });

export const JobStatusDoc = z.enum(JOB_STATUSES).meta({ id: 'JobStatus' });

export const ProgressDoc = z
  .strictObject({
    segmentsDone: z.int().min(0).nullable().meta({ description: 'Segments transcoded so far; null after a failure.' }),
    segmentsTotal: z
      .int()
      .min(1)
      .nullable()
      .meta({ description: 'Segments of the plan; null until the job is planned.' }),
    percent: z.int().min(0).max(100).nullable().meta({
      description:
        'From the segments (at most 99 before COMPLETE); 100 when COMPLETE; the percent reached when CANCELED; null after an ERROR.',
    }),
    phase: z.enum(['TRANSCODING', 'ASSEMBLING', 'PUBLISHING']).nullable().meta({
      description:
        'What the job is doing while PROGRESSING (TRANSCODING, then ASSEMBLING, then PUBLISHING); null otherwise.',
    }),
  })
  .meta({ id: 'Progress' });

export const JobDoc = z
  .strictObject({
    jobId: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9-]{0,79}$/),
    status: JobStatusDoc,
    source: z.string().regex(/^s3:\/\/[^/]+\/.+/),
    preset: z.string(),
    clip: ClipDoc.optional(),
    correlationId: z.string().optional(),
    userMetadata: z.record(z.string(), z.string()),
    submittedAt: z.string().meta({ format: 'date-time' }),
    updatedAt: z.string().meta({ format: 'date-time' }),
    progress: ProgressDoc,
    outputs: z.array(OutputDoc).meta({ description: 'Empty until COMPLETE.' }),
    error: z.union([JobErrorDoc, z.null()]).meta({ description: 'Set when status is ERROR.' }),
  })
  .meta({ id: 'Job' });

export const JobSummaryDoc = z
  .strictObject({
    jobId: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9-]{0,79}$/),
    status: JobStatusDoc,
    source: z.string(),
    preset: z.string(),
    clip: ClipDoc.optional(),
    correlationId: z.string().optional(),
    submittedAt: z.string().meta({ format: 'date-time' }),
    updatedAt: z.string().meta({ format: 'date-time' }),
    error: z.union([JobErrorDoc, z.null()]),
  })
  .meta({ id: 'JobSummary' });

export const JobListDoc = z
  .strictObject({
    jobs: z.array(JobSummaryDoc),
    count: z.int().min(0),
    limit: z.int().min(1).max(100),
    status: JobStatusDoc.optional(),
    nextToken: z
      .string()
      .nullable()
      .meta({ description: 'Pass as `nextToken` (with the same `status`) for the next page; null on the last page.' }),
  })
  .meta({ id: 'JobList' });

export const CreateUploadRequestDoc = z
  .strictObject({
    filename: z.string().min(1).max(255).meta({
      description:
        'Only the base name is kept, reduced to letters, digits, . _ -; it must end in a video suffix (.mp4 .mov .mkv .webm ...).',
    }),
    contentType: z
      .string()
      .max(129)
      .meta({ description: 'MIME type to send with the PUT; default from the suffix.' })
      .optional(),
  })
  .meta({ id: 'CreateUploadRequest' });

export const UploadTicketDoc = z
  .strictObject({
    uploadUrl: z.string().meta({ description: 'Presigned S3 PUT URL.', format: 'uri' }),
    method: z.literal('PUT'),
    headers: z.record(z.string(), z.string()).meta({ description: 'Headers to send with the PUT (Content-Type).' }),
    bucket: z.string(),
    key: z.string().regex(/^uploads\/[0-9a-f-]{36}\/[A-Za-z0-9][A-Za-z0-9._-]*$/),
    source: z.string().regex(/^s3:\/\/[^/]+\/uploads\//),
    expiresAt: z.string().meta({ format: 'date-time' }),
    expiresInSeconds: z.int().min(1),
  })
  .meta({ id: 'UploadTicket' });

export const JobEventDoc = z
  .looseObject({
    id: z.string(),
    'detail-type': z.literal('Transcode Job State Change'),
    detail: z.looseObject({
      status: z.enum(['PROGRESSING', 'STATUS_UPDATE', 'COMPLETE', 'ERROR', 'CANCELED']),
      jobId: z.string(),
      correlationId: z.string().optional(),
      userMetadata: z.record(z.string(), z.unknown()),
      outputs: z.array(OutputDoc).optional(),
      errorCode: z
        .enum(ERROR_CODES)
        .meta({ description: 'The pipeline error code (docs/API.md, src/errors.ts ERROR_CODES).' })
        .optional(),
      errorMessage: z.string().optional(),
    }),
  })
  .meta({ id: 'JobEvent', description: 'Full schema: docs/schemas/job-event.schema.json.' });
