/**
 * Request schemas of the HTTP API (zod). Objects are strict: an unknown field is a 400, so a
 * typo such as `"clipp"` is not silently ignored. docs/openapi.json describes the same shapes.
 */
import { z } from 'zod';
import { ApiError } from './errors.js';
import { parseTime } from '../pipeline/timecode.js';
import { JOB_STATUSES, JobRequestSchema } from '../pipeline/job.js';

/** A clip time: seconds (number or decimal string) or `HH:MM:SS.mmm`, parsed to seconds. */
export const TimeSchema = z.union([z.number(), z.string().max(32)]).transform((v, ctx) => {
  try {
    return parseTime(v);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message });
    return z.NEVER;
  }
});

export const MAX_USER_METADATA_ENTRIES = 20;
const MetadataKey = z
  .string()
  .regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'userMetadata keys are 1-64 letters, digits or _ . : -');

export const CreateJobRequestSchema = z.strictObject({
  /** `s3://<ingest bucket>/<key>` */
  source: z.string().min(1).max(1100),
  /** A template name (built in or stored), as `template` takes it. */
  preset: z.string().min(1).max(64).optional(),
  /** A template's name, or a whole template document (src/templates/schema.ts validates it, naming every wrong field). */
  template: JobRequestSchema.shape.template,
  /** The same fields, validated the same way, as upload metadata (src/pipeline/job.ts). */
  segmentSeconds: JobRequestSchema.shape.segmentSeconds,
  engine: JobRequestSchema.shape.engine,
  outputs: JobRequestSchema.shape.outputs,
  clip: z.strictObject({ start: TimeSchema.optional(), end: TimeSchema.optional() }).optional(),
  correlationId: z.string().min(1).max(256).optional(),
  userMetadata: z
    .record(MetadataKey, z.string().max(256, 'userMetadata values are at most 256 characters'))
    .refine(
      (m) => Object.keys(m).length <= MAX_USER_METADATA_ENTRIES,
      `at most ${MAX_USER_METADATA_ENTRIES} userMetadata entries`,
    )
    .refine((m) => !('callbackUrl' in m), 'userMetadata.callbackUrl is set from the callbackUrl field; give it there')
    .optional(),
  callbackUrl: z.string().min(1).max(2048).optional(),
});
export type CreateJobRequest = z.infer<typeof CreateJobRequestSchema>;

const MIME = /^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,63}\/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,63}$/;

export const CreateUploadRequestSchema = z.strictObject({
  filename: z.string().min(1).max(255),
  contentType: z.string().regex(MIME, 'contentType must be a MIME type such as video/mp4').optional(),
});
export type CreateUploadRequest = z.infer<typeof CreateUploadRequestSchema>;

export const DEFAULT_LIST_LIMIT = 20;
export const MAX_LIST_LIMIT = 100;

/** Query of `GET /jobs`; other parameters are ignored. */
export const ListJobsQuerySchema = z.object({
  limit: z
    .string()
    .regex(/^\d{1,4}$/, 'limit must be a whole number')
    .transform(Number)
    .pipe(z.number().int().min(1).max(MAX_LIST_LIMIT, `limit is at most ${MAX_LIST_LIMIT}`))
    .optional(),
  /** Only jobs of this status (the byStatus index). */
  status: z.enum(JOB_STATUSES, { message: `status is one of ${JOB_STATUSES.join(', ')}` }).optional(),
  /** The `nextToken` of the previous page. */
  nextToken: z.string().min(1).max(1024).optional(),
});

/** Issues as one readable line: `clip.start: must not be negative; preset: ...`. */
function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 10)
    .map((i) => `${i.path.map(String).join('.') || '(body)'}: ${i.message}`)
    .join('; ');
}

/**
 * Parses a request part against a schema. Failures are 400: INVALID_CLIP when every issue is
 * inside `clip`, INVALID_REQUEST otherwise.
 */
export function parseRequest<S extends z.ZodTypeAny>(schema: S, value: unknown): z.infer<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const onlyClip = r.error.issues.every((i) => i.path[0] === 'clip');
  throw new ApiError(onlyClip ? 'INVALID_CLIP' : 'INVALID_REQUEST', describeIssues(r.error));
}
