import { z } from 'zod';
import { JobId, JobInputSchema, StateErrorSchema, keys, taskInput } from '../pipeline/job.js';

/**
 * The ECS path's data: `$.ecs` in the state (returned by the submit and status handlers, read
 * by the state machine's Choice), the job document the worker reads, and the result document
 * it writes. Every key lives under the job's work prefix, so Cleanup removes them.
 */

/** Per-attempt limit of the polling loop, in seconds (the ASL's `EcsCheck` has the same literal). */
export const ECS_ATTEMPT_MAX_SECONDS = 6000;
/** Per-attempt limit of status checks (the ASL's `EcsCheck` has the same literal). */
export const ECS_ATTEMPT_MAX_POLLS = 1000;
/** Tasks run per job at most, first run included (the ASL's `EcsCheck` has the same literal). */
export const ECS_MAX_ATTEMPTS = 3;

/** The ECS path's keys (in the one table, src/pipeline/job.ts). */
export const ecsKeys = { job: keys.ecsJob, result: keys.ecsResult };

/** `$.ecs`: one attempt's task and the counters the loop's Choice compares. */
export const EcsStateSchema = z.object({
  taskArn: z.string().min(1),
  /** 1 for the first run; the Choice re-runs a failed task while attempt < ECS_MAX_ATTEMPTS. */
  attempt: z.number().int().min(1),
  jobUri: z.string().min(1),
  /** When this attempt was submitted (ISO 8601). */
  startedAt: z.string(),
  /** Status checks of this attempt so far. */
  polls: z.number().int().min(0),
  /** Seconds since this attempt was submitted, at the last check. */
  elapsedSec: z.number().min(0),
  /** The Wait state's SecondsPath. */
  waitSeconds: z.number().int().min(1),
  status: z.enum(['RUNNING', 'SUCCEEDED', 'FAILED']),
  /** For FAILED: whether running the job again may help. */
  retryable: z.boolean(),
  lastStatus: z.string().optional(),
  exitCode: z.number().int().optional(),
  stopCode: z.string().optional(),
  reason: z.string().optional(),
  /** For FAILED: what the ERROR event says once the loop gives up. */
  error: StateErrorSchema.optional(),
  /** One line per earlier failed attempt. */
  history: z.array(z.string()).max(20).default([]),
});
export type EcsState = z.infer<typeof EcsStateSchema>;

/**
 * Input of the submit handler: the job and `$.ecs` (`EcsStart` sets attempt 0 before the first
 * run; a re-run carries the failed attempt's state).
 */
export const EcsSubmitInputSchema = taskInput({
  ecs: z.object({ attempt: z.number().int().min(0), history: z.array(z.string()).max(20).default([]) }).passthrough(),
});

/** Input of the status handler; `stop: true` stops the task (the loop gave up on it). */
export const EcsStatusInputSchema = taskInput({ ecs: EcsStateSchema, stop: z.boolean().optional() });

/** The job document the submit handler writes and the worker reads (JOB_URI points at it). */
export const JobDocumentSchema = z.object({
  version: z.literal(1),
  jobId: JobId,
  attempt: z.number().int().min(1),
  job: JobInputSchema,
  /** s3:// URI where the worker writes its ResultDocument. */
  resultUri: z.string().min(1),
  /** The worker stops itself after this long (exit code DEADLINE). */
  maxSeconds: z.number().positive(),
});
export type JobDocument = z.infer<typeof JobDocumentSchema>;

/** What the worker reports besides its exit code. */
export interface ResultDocument {
  version: 1;
  jobId: string;
  attempt: number;
  ok: boolean;
  exitCode: number;
  error?: { name: string; code: string; message: string };
  timings: Record<string, number>;
  finishedAt: string;
}
