/**
 * The job contract: what a user may ask for (JobRequest), the state machine's input built from
 * it (JobInput, one builder for every starter), the envelope every Task receives, the job's
 * status, and (re-exported from layout.ts) where its data lives in S3 (`keys`).
 */
import { z } from 'zod';
import { ValidationError } from '../errors.js';
import type { Config } from '../config.js';
import { DeciderThresholdsSchema, ENGINE_REQUESTS, thresholdsFromConfig } from './decider.js';
import { parseTime } from './timecode.js';

/** Job ids name S3 prefixes and executions: a closed alphabet, never a user's key. */
export const JobId = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9-]{0,79}$/, 'job id must be 1-80 letters, digits or dashes');

export const ClipSchema = z
  .object({ start: z.number().min(0), end: z.number().positive().optional() })
  .refine((c) => c.end === undefined || c.end > c.start, { message: 'clip end must be after clip start' });
export type Clip = z.infer<typeof ClipSchema>;

export { OUTPUT_FORMATS, type OutputFormat } from '../media/plan/presets.js';
import { OUTPUT_FORMATS, PRESETS } from '../media/plan/presets.js';
import { TemplateSchema, type Template } from '../templates/schema.js';
import type { ResolvedTemplate } from '../templates/resolve.js';

/** Bounds of the target segment length (seconds). */
export const SEGMENT_SECONDS_RANGE = { min: 0.5, max: 600 } as const;

const SegmentSeconds = z.number().min(SEGMENT_SECONDS_RANGE.min).max(SEGMENT_SECONDS_RANGE.max);
const Outputs = z
  .array(z.enum(OUTPUT_FORMATS))
  .min(1)
  .max(OUTPUT_FORMATS.length)
  .refine((o) => new Set(o).size === o.length, 'outputs must not repeat a format');

/** Settings of a job as the state machine sees them (every default filled in). */
export const JobSettingsSchema = z.object({
  preset: z.string().min(1).max(64),
  segmentSeconds: SegmentSeconds,
  clip: ClipSchema.optional(),
  /** Where the encode runs: the encoder decider's choice (auto, the default), or forced. */
  engine: z.enum(ENGINE_REQUESTS).default('auto'),
  /** What the job publishes; the preset's outputs when the request names none. */
  outputs: Outputs,
  /**
   * The job's template when it is not a built-in (`preset` then names it): resolved when the
   * job was submitted (src/templates/resolve.ts), so the Plan runs exactly this document.
   */
  template: TemplateSchema.optional(),
});
export type JobSettings = z.infer<typeof JobSettingsSchema>;

export const CORRELATION_ID_MAX = 256;

/** The state machine's input: everything a step needs to find the job's data. */
export const JobInputSchema = z.object({
  jobId: JobId,
  source: z.object({ bucket: z.string().min(1), key: z.string().min(1) }),
  settings: JobSettingsSchema,
  correlationId: z.string().max(CORRELATION_ID_MAX).optional(),
  userMetadata: z.record(z.string(), z.string()).optional(),
  submittedAt: z.string(),
  config: z.object({
    mapConcurrency: z.number().int().min(0),
    /** Encoder decider thresholds (deploy parameters); absent: the Lambda path, unless forced. */
    decider: DeciderThresholdsSchema.optional(),
  }),
});
export type JobInput = z.infer<typeof JobInputSchema>;

/**
 * What a user may set on a job, the same for every way in (POST /jobs, upload metadata, the
 * CLI): anything left out takes the deployment's default.
 */
export const JobRequestSchema = z.object({
  preset: z.string().min(1).max(64).optional(),
  /** A template's name, or a template document (validated by src/templates/schema.ts when resolved). */
  template: z.union([z.string().min(1).max(64), z.record(z.string(), z.unknown())]).optional(),
  segmentSeconds: SegmentSeconds.optional(),
  engine: z.enum(ENGINE_REQUESTS).optional(),
  outputs: Outputs.optional(),
  clip: z.object({ start: z.number().min(0).optional(), end: z.number().positive().optional() }).optional(),
  correlationId: z.string().min(1).max(CORRELATION_ID_MAX).optional(),
  userMetadata: z.record(z.string(), z.string()).optional(),
});
export type JobRequest = z.infer<typeof JobRequestSchema>;

/**
 * Builds the execution input of a job: the request validated, the deployment's defaults and
 * decider thresholds filled in. The one builder both starters (API and ingest) use, so what
 * one can set the other can.
 */
export function buildJobInput(
  config: Config,
  p: {
    jobId: string;
    source: { bucket: string; key: string };
    request: JobRequest;
    submittedAt: Date;
    resolved?: ResolvedTemplate;
  },
): JobInput {
  const r = parseInput(JobRequestSchema, p.request, 'job request');
  const clip =
    r.clip && (r.clip.start !== undefined || r.clip.end !== undefined)
      ? { start: r.clip.start ?? 0, ...(r.clip.end !== undefined ? { end: r.clip.end } : {}) }
      : undefined;
  if (r.template !== undefined && !p.resolved)
    throw new ValidationError('job request: template: not resolved (src/templates/resolve.ts)');
  const preset = p.resolved?.preset ?? r.preset ?? config.DEFAULT_PRESET;
  const template: Template | undefined = p.resolved?.template;
  return parseInput(
    JobInputSchema,
    {
      jobId: p.jobId,
      source: p.source,
      settings: {
        preset,
        segmentSeconds: r.segmentSeconds ?? template?.segmentSeconds ?? config.SEGMENT_SECONDS,
        engine: r.engine ?? 'auto',
        outputs:
          r.outputs ??
          template?.outputs ??
          (Object.hasOwn(PRESETS, preset) ? PRESETS[preset].outputs : [...OUTPUT_FORMATS]),
        ...(clip ? { clip } : {}),
        ...(template ? { template } : {}),
      },
      ...(r.correlationId ? { correlationId: r.correlationId } : {}),
      userMetadata: r.userMetadata ?? {},
      submittedAt: p.submittedAt.toISOString(),
      config: { mapConcurrency: config.MAP_MAX_CONCURRENCY, decider: thresholdsFromConfig(config) },
    },
    'job',
  );
}

/** The S3 user metadata (x-amz-meta-*) an upload may carry, and the request field each sets. */
export const UPLOAD_METADATA = {
  preset: 'preset',
  /** A template's name (built in or stored); a document does not fit S3's 2 KB of user metadata. */
  template: 'template',
  'segment-seconds': 'segmentSeconds',
  engine: 'engine',
  outputs: 'outputs',
  'clip-start': 'clip.start',
  'clip-end': 'clip.end',
  'correlation-id': 'correlationId',
} as const;

/**
 * The job request an upload's metadata asks for. Strings are converted (numbers, timecodes,
 * comma lists); the result is validated by buildJobInput like any other request, so a value
 * the API would refuse is refused here too.
 */
export function requestFromMetadata(meta: Record<string, string>): JobRequest {
  const req: Record<string, unknown> = {};
  const problems: string[] = [];
  const time = (name: string, v: string) => {
    try {
      return parseTime(v);
    } catch (err) {
      problems.push(`${name}: ${(err as Error).message}`);
      return undefined;
    }
  };
  if (meta.preset !== undefined) req.preset = meta.preset;
  if (meta.template !== undefined) req.template = meta.template;
  if (meta['segment-seconds'] !== undefined) {
    const n = /^\s*\d+(\.\d+)?\s*$/.test(meta['segment-seconds']) ? Number(meta['segment-seconds']) : NaN;
    if (Number.isNaN(n))
      problems.push(`segment-seconds: "${meta['segment-seconds'].slice(0, 32)}" is not a number of seconds`);
    else req.segmentSeconds = n;
  }
  if (meta.engine !== undefined) req.engine = meta.engine;
  if (meta.outputs !== undefined)
    req.outputs = meta.outputs
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  if (meta['clip-start'] !== undefined || meta['clip-end'] !== undefined) {
    const start = meta['clip-start'] !== undefined ? time('clip-start', meta['clip-start']) : undefined;
    const end = meta['clip-end'] !== undefined ? time('clip-end', meta['clip-end']) : undefined;
    req.clip = { ...(start !== undefined ? { start } : {}), ...(end !== undefined ? { end } : {}) };
  }
  if (meta['correlation-id'] !== undefined) req.correlationId = meta['correlation-id'];
  // Validated here too (buildJobInput validates again), so a refusal names the metadata the
  // uploader set (`segment-seconds`), not the request field it maps to (`segmentSeconds`).
  const checked = JobRequestSchema.safeParse(req);
  if (!checked.success) {
    for (const i of checked.error.issues) {
      const field = i.path[0] === 'clip' ? `clip.${String(i.path[1] ?? 'start')}` : String(i.path[0] ?? '');
      const name = Object.entries(UPLOAD_METADATA).find(([, f]) => f === field)?.[0] ?? field;
      // An over-long correlation id is never echoed (not even cut: a cut id could name another job).
      const why =
        name === 'correlation-id' && meta[name].length > CORRELATION_ID_MAX
          ? `${meta[name].length} characters, at most ${CORRELATION_ID_MAX} (not echoed)`
          : i.message;
      problems.push(`${name}: ${why}`);
    }
  }
  if (problems.length) throw new ValidationError(`upload metadata (x-amz-meta-*): ${problems.join('; ')}`);
  return req as JobRequest;
}

/** The correlation id of an upload's metadata when it is one a job may carry; undefined otherwise. */
export function usableCorrelationId(meta: Record<string, string>): string | undefined {
  const v = meta['correlation-id'];
  return JobRequestSchema.shape.correlationId.safeParse(v).success ? v : undefined;
}

/**
 * A job's status: SUBMITTED until its execution emits PROGRESSING, then one final status
 * (COMPLETE, ERROR, or CANCELED by `DELETE /jobs/{id}`).
 */
export const JOB_STATUSES = ['SUBMITTED', 'PROGRESSING', 'COMPLETE', 'ERROR', 'CANCELED'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];
/** The statuses a job event can carry (SUBMITTED is never an event; STATUS_UPDATE reports progress). */
export type EventStatus = Exclude<JobStatus, 'SUBMITTED'> | 'STATUS_UPDATE';
/** Statuses after which nothing changes. */
export const FINAL_STATUSES: readonly JobStatus[] = ['COMPLETE', 'ERROR', 'CANCELED'];

/** `{Error, Cause}` as a Catch puts it in `$.error`. */
export const StateErrorSchema = z.object({ Error: z.string(), Cause: z.string() });
export type StateError = z.infer<typeof StateErrorSchema>;

/**
 * The envelope every Task receives: the job (the execution input, `$$.Execution.Input`) plus
 * what that Task needs of the state, by name (statemachines/transcode.asl.json `Parameters`).
 */
export const taskInput = <T extends z.ZodRawShape>(extra: T) => z.object({ job: JobInputSchema, ...extra });
export type TaskInput<T = object> = { job: JobInput } & T;

/** Input of one Map iteration. */
export const SegmentTaskSchema = taskInput({ index: z.number().int().min(0) });
export type SegmentTask = z.infer<typeof SegmentTaskSchema>;

/** Parses a handler's input against a schema; a ValidationError (never retried) otherwise. */
export function parseInput<T extends z.ZodTypeAny>(schema: T, input: unknown, what: string): z.infer<T> {
  const r = schema.safeParse(input);
  if (!r.success) {
    const issues = r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new ValidationError(`${what}: ${issues}`);
  }
  return r.data;
}

/** Every S3 key of a job: the layout module's (src/pipeline/layout.ts), re-exported where steps import it. */
export { keys } from './layout.js';
