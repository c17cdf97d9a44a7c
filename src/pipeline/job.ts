import { z } from 'zod';
import { ValidationError } from '../errors.js';
import { DeciderThresholdsSchema, ENGINE_REQUESTS } from '../ecs/decider.js';

/** Job ids name S3 prefixes and executions: a closed alphabet, never a user's key. */
export const JobId = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9-]{0,79}$/, 'job id must be 1-80 letters, digits or dashes');

export const ClipSchema = z
  .object({ start: z.number().min(0), end: z.number().positive().optional() })
  .refine((c) => c.end === undefined || c.end > c.start, { message: 'clip end must be after clip start' });

/** Settings a user may give a job. */
export const JobSettingsSchema = z.object({
  preset: z.string().min(1).max(64),
  segmentSeconds: z.number().min(0.5).max(600),
  clip: ClipSchema.optional(),
  /** Where the encode runs: the encoder decider's choice (auto, the default), or forced. */
  engine: z.enum(ENGINE_REQUESTS).optional(),
});

/** The state machine's input: everything a step needs to find the job's data. */
export const JobInputSchema = z.object({
  jobId: JobId,
  source: z.object({ bucket: z.string().min(1), key: z.string().min(1) }),
  settings: JobSettingsSchema,
  correlationId: z.string().max(256).optional(),
  userMetadata: z.record(z.string(), z.string()).optional(),
  submittedAt: z.string(),
  config: z.object({
    mapConcurrency: z.number().int().min(0),
    /** Encoder decider thresholds (deploy parameters); absent: the Lambda path, unless forced. */
    decider: DeciderThresholdsSchema.optional(),
  }),
});
export type JobInput = z.infer<typeof JobInputSchema>;

/** Input of the event emitter: the state plus what to say. */
export const EmitInputSchema = z.object({
  status: z.enum(['PROGRESSING', 'COMPLETE', 'ERROR']),
  job: JobInputSchema.passthrough(),
  executionArn: z.string().optional(),
  startTime: z.string().optional(),
});

/** Input of one Map iteration. */
export const SegmentTaskSchema = z.object({ jobId: JobId, index: z.number().int().min(0) });
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

/** Where a job's data lives in the work and output buckets. Keys derive from the job id only. */
export const keys = {
  prefix: (jobId: string) => `jobs/${jobId}/`,
  probe: (jobId: string) => `jobs/${jobId}/probe.json`,
  manifest: (jobId: string) => `jobs/${jobId}/manifest.json`,
  split: (jobId: string, file: number) => `jobs/${jobId}/split/${String(file).padStart(5, '0')}.nut`,
  piece: (jobId: string, rendition: string, seg: number) => `jobs/${jobId}/pieces/${rendition}/${String(seg).padStart(5, '0')}.nut`,
  segmentResult: (jobId: string, seg: number) => `jobs/${jobId}/segments/${String(seg).padStart(5, '0')}.json`,
  audio: (jobId: string) => `jobs/${jobId}/audio.m4a`,
  staged: (jobId: string, name: string) => `jobs/${jobId}/out/${name}`,
  stagedPrefix: (jobId: string) => `jobs/${jobId}/out/`,
  output: (jobId: string, name: string) => `${jobId}/${name}`,
  outputPrefix: (jobId: string) => `${jobId}/`,
};
