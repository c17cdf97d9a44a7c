import { createHash } from 'node:crypto';
import type { z } from 'zod';
import type { Runtime } from '../runtime.js';
import type { Logger } from '../log.js';
import { putJson, s3Uri } from '../aws/s3.js';
import { ValidationError } from '../errors.js';
import type { TaskRunner } from './port.js';
import {
  ECS_ATTEMPT_MAX_SECONDS,
  ecsKeys,
  type EcsState,
  type EcsSubmitInputSchema,
  type JobDocument,
} from './state.js';

/** A guard far above the state machine's own attempt limit: never an unbounded loop. */
const HARD_ATTEMPT_LIMIT = 10;

/** The RunTask idempotency token of one attempt of one job (64 characters). */
export function clientTokenFor(jobId: string, submittedAt: string, attempt: number): string {
  return createHash('sha256').update(`${jobId}\n${submittedAt}\n${attempt}`).digest('hex');
}

/**
 * Starts one worker task for the job: writes the job document to the work bucket (container
 * overrides are capped at 8 KiB, so the task gets only its S3 URI) and runs the task. A
 * re-run (`$.ecs` present) is the next attempt; the counters start again.
 */
export async function ecsSubmitStep(
  rt: Runtime,
  runner: TaskRunner,
  input: z.infer<typeof EcsSubmitInputSchema>,
  log: Logger,
  now = new Date(),
): Promise<EcsState> {
  const prev = input.ecs;
  const job = input.job;
  const attempt = prev.attempt + 1;
  if (attempt > HARD_ATTEMPT_LIMIT)
    throw new ValidationError(`ECS attempt ${attempt} exceeds the hard limit of ${HARD_ATTEMPT_LIMIT}`);
  const bucket = rt.config.WORK_BUCKET;
  const jobLoc = { bucket, key: ecsKeys.job(job.jobId, attempt) };
  const doc: JobDocument = {
    version: 1,
    jobId: job.jobId,
    attempt,
    job,
    resultUri: s3Uri({ bucket, key: ecsKeys.result(job.jobId, attempt) }),
    maxSeconds: ECS_ATTEMPT_MAX_SECONDS,
  };
  await putJson(rt.s3, jobLoc, doc);
  const jobUri = s3Uri(jobLoc);
  const { taskArn } = await runner.runTask({
    jobId: job.jobId,
    attempt,
    jobUri,
    clientToken: clientTokenFor(job.jobId, job.submittedAt, attempt),
  });
  log.info('ecs task started', { taskArn, attempt, jobUri });
  // Cancel (DELETE /jobs/{id}) stops the job's running task: it finds it on the record.
  await rt.jobs
    .setTask(job.jobId, taskArn)
    .catch((err: unknown) => log.warn('could not record the task on the job record', { taskArn, error: err }));
  return {
    taskArn,
    attempt,
    jobUri,
    startedAt: now.toISOString(),
    polls: 0,
    elapsedSec: 0,
    waitSeconds: rt.config.ECS_POLL_SECONDS,
    status: 'RUNNING',
    retryable: true,
    history: prev.history ?? [],
  };
}
