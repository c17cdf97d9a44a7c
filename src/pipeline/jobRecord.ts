/**
 * The job record: its schema, its type, how a new one starts, the rank that lets a status only
 * move forward, and how a stored item is read back (split from jobStore.ts, which stores it).
 */
import { z } from 'zod';
import type { PublishedOutput } from './outputs.js';
import { JOB_STATUSES, type JobInput, type JobStatus } from './job.js';

/** One published output as stored on the record (src/pipeline/outputs.ts). */
const PublishedOutputSchema = z.looseObject({
  type: z.enum(['hls', 'dash', 'video', 'cmaf', 'subtitles', 'poster', 'sprite', 'vtt']),
  name: z.string(),
  uri: z.string(),
  sizeBytes: z.number(),
  rendition: z.string().optional(),
  durationMs: z.number().optional(),
  width: z.number().optional(),
  height: z.number().optional(),
  frames: z.number().optional(),
  codec: z.string().optional(),
  files: z.number().optional(),
});

const count = z.number().int().nonnegative();

/**
 * The one schema of a job record: every record read back (get, list) is checked against it, so
 * a record that does not match (a status outside the enum, a source that is not a string) is
 * reported as JobRecordInvalid instead of being served or acted on. Attributes it does not
 * name are kept (passthrough): a newer writer's fields are not dropped by an older reader.
 */
export const JobRecordSchema = z.looseObject({
  jobId: z.string().min(1),
  status: z.enum(JOB_STATUSES),
  source: z.string(),
  preset: z.string(),
  clip: z.object({ start: z.number(), end: z.number().optional() }).optional(),
  correlationId: z.string().optional(),
  userMetadata: z.record(z.string(), z.string()),
  submittedAt: z.string(),
  updatedAt: z.string(),
  executionArn: z.string().optional(),
  segmentsTotal: count.optional(),
  /** Segments whose result is written (each index counted once, however often retried). */
  segmentsDone: count.optional(),
  /** 0-100, as last announced by a STATUS_UPDATE event. */
  percent: z.number().min(0).max(100).optional(),
  /** The phase last announced (TRANSCODING, ASSEMBLING, PUBLISHING). */
  phase: z.string().optional(),
  /** The running ECS task of the job, while one runs (cancel stops it). */
  taskArn: z.string().optional(),
  outputs: z.array(PublishedOutputSchema).optional(),
  error: z.object({ code: z.string(), message: z.string() }).optional(),
});

/** The stored record of a job, as the API and the pipeline read it (what JobRecordSchema accepts). */
export interface JobRecord {
  jobId: string;
  status: JobStatus;
  source: string;
  preset: string;
  clip?: { start: number; end?: number };
  correlationId?: string;
  userMetadata: Record<string, string>;
  submittedAt: string;
  updatedAt: string;
  executionArn?: string;
  segmentsTotal?: number;
  /**
   * Segments whose result was written, as counted at the last progress announcement (each
   * index once, however often retried; src/pipeline/progress.ts).
   */
  segmentsDone?: number;
  percent?: number;
  phase?: string;
  taskArn?: string;
  outputs?: PublishedOutput[];
  error?: { code: string; message: string };
}

/** Compile-time check that what the schema accepts is a JobRecord. */
const schemaGivesRecord = (r: z.infer<typeof JobRecordSchema>): JobRecord => r;
void schemaGivesRecord;

/** A stored record that does not match JobRecordSchema: never served or acted on (a 500 of its own in the API). */
export class JobRecordInvalidError extends Error {
  override name = 'JobRecordInvalid';
  constructor(
    readonly jobId: string,
    readonly problems: string,
    options?: { cause?: unknown },
  ) {
    super(`the stored record of job ${jobId} does not match the job record schema: ${problems}`, options);
  }
}

/** The order of statuses: a write is applied only when it moves the job forward. */
export const STATUS_RANK: Record<JobStatus, number> = {
  SUBMITTED: 0,
  PROGRESSING: 1,
  COMPLETE: 2,
  ERROR: 2,
  CANCELED: 2,
};

/** The initial record of a job. */
export function newRecord(job: JobInput, executionArn?: string): JobRecord {
  return {
    jobId: job.jobId,
    status: 'SUBMITTED',
    source: `s3://${job.source.bucket}/${job.source.key}`,
    preset: job.settings.preset,
    ...(job.settings.clip ? { clip: job.settings.clip } : {}),
    ...(job.correlationId ? { correlationId: job.correlationId } : {}),
    userMetadata: job.userMetadata ?? {},
    submittedAt: job.submittedAt,
    updatedAt: new Date().toISOString(),
    ...(executionArn ? { executionArn } : {}),
  };
}

/** Fields a status change may set besides the status. */
export type RecordChange = Partial<
  Pick<JobRecord, 'segmentsTotal' | 'outputs' | 'error' | 'executionArn' | 'percent' | 'phase'>
>;

/** The fields that make a record when the emitter runs before the submitter. */
export const IDENTITY = [
  'source',
  'preset',
  'clip',
  'correlationId',
  'userMetadata',
  'submittedAt',
  'executionArn',
] as const;

/** Item attributes that are storage, not record. */
export const INTERNAL = ['listPk', 'listKey', 'rank', 'progressStep', 'progressAt'] as const;

/** An item as read from the table back to its record; JobRecordInvalidError when it is not one. */
export function toRecord(item: Record<string, unknown>): JobRecord {
  const rec: Record<string, unknown> = { ...item };
  for (const k of INTERNAL) delete rec[k];
  const r = JobRecordSchema.safeParse(rec);
  if (!r.success) {
    const id = typeof item.jobId === 'string' ? item.jobId.slice(0, 80) : '(no job id)';
    const problems = r.error.issues
      .slice(0, 3)
      .map((i) => `${i.path.join('.') || 'record'}: ${i.message}`)
      .join('; ');
    throw new JobRecordInvalidError(id, problems, { cause: r.error });
  }
  return r.data;
}

/** A job's progress fields, as a finished segment reads them. */
export interface ProgressState {
  status: JobStatus;
  updatedAt: string;
  segmentsTotal?: number;
  /** The last step announced (a tenth), and when (ms since the epoch). */
  progressStep?: number;
  progressAt?: number;
  executionArn?: string;
}
