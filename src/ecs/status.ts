import type { z } from 'zod';
import type { Runtime } from '../runtime.js';
import type { Logger } from '../log.js';
import { getJson } from '../aws/s3.js';
import type { TaskRunner } from './port.js';
import { taskOutcome } from './outcome.js';
import { ecsKeys, type EcsState, type EcsStatusInputSchema, type ResultDocument } from './state.js';

/** The worker's own report of a failed attempt, when it got to write one. */
async function readResult(rt: Runtime, jobId: string, attempt: number): Promise<ResultDocument | undefined> {
  try {
    return await getJson<ResultDocument>(rt.s3, { bucket: rt.config.WORK_BUCKET, key: ecsKeys.result(jobId, attempt) });
  } catch {
    return undefined;
  }
}

/**
 * One check of the polling loop: DescribeTasks mapped to RUNNING, SUCCEEDED or FAILED, with the
 * counters the Choice compares (polls, elapsed seconds) and, for FAILED, the error the ERROR
 * event carries: the worker's own error (e.g. INPUT_TRUNCATED) when it wrote one, otherwise
 * the task's stop reason. With `stop`, the loop gave up: the task is stopped and the attempt
 * reported as a timeout.
 */
export async function ecsStatusStep(
  rt: Runtime,
  runner: TaskRunner,
  input: z.infer<typeof EcsStatusInputSchema>,
  log: Logger,
  now = new Date(),
): Promise<EcsState> {
  const { jobId } = input.job;
  const { ecs } = input;
  const elapsedSec = Math.max(0, Math.round((now.getTime() - Date.parse(ecs.startedAt)) / 1000));
  if (input.stop) {
    const reason = `attempt ${ecs.attempt} still running after ${elapsedSec} s and ${ecs.polls} checks`;
    await runner.stopTask(ecs.taskArn, `media-transcoder: ${reason}`);
    log.warn('ecs task stopped: the polling loop gave up', {
      taskArn: ecs.taskArn,
      attempt: ecs.attempt,
      elapsedSec,
      polls: ecs.polls,
    });
    return {
      ...ecs,
      elapsedSec,
      status: 'FAILED',
      retryable: false,
      reason,
      error: { Error: 'EcsTimeout', Cause: `TIMEOUT: the ECS worker was stopped: ${reason}` },
    };
  }
  const o = taskOutcome(await runner.describeTask(ecs.taskArn), rt.config.ECS_CONTAINER_NAME);
  const next: EcsState = {
    taskArn: ecs.taskArn,
    attempt: ecs.attempt,
    jobUri: ecs.jobUri,
    startedAt: ecs.startedAt,
    polls: ecs.polls + 1,
    elapsedSec,
    waitSeconds: rt.config.ECS_POLL_SECONDS,
    status: o.status,
    retryable: o.retryable,
    history: ecs.history,
    ...(o.lastStatus ? { lastStatus: o.lastStatus } : {}),
    ...(o.exitCode !== undefined ? { exitCode: o.exitCode } : {}),
    ...(o.stopCode ? { stopCode: o.stopCode } : {}),
    ...(o.reason ? { reason: o.reason } : {}),
  };
  if (o.status !== 'FAILED') {
    if (o.status === 'SUCCEEDED')
      log.info('ecs task succeeded', { taskArn: ecs.taskArn, attempt: ecs.attempt, elapsedSec, polls: next.polls });
    return next;
  }
  const result = await readResult(rt, jobId, ecs.attempt);
  const line = `attempt ${ecs.attempt}: ${result?.error ? `${result.error.code}: ${result.error.message}` : o.reason}`;
  next.history = [...ecs.history, line].slice(-20);
  const earlier = ecs.history.length ? ` (earlier: ${ecs.history.join('; ')})` : '';
  next.error = result?.error
    ? { Error: result.error.name, Cause: `${result.error.code}: ${result.error.message}${earlier}` }
    : { Error: 'EcsTaskFailed', Cause: `ENCODER_FAILED: the ECS worker failed: ${next.history.join('; ')}` };
  log.warn('ecs task failed', {
    taskArn: ecs.taskArn,
    attempt: ecs.attempt,
    retryable: o.retryable,
    reason: o.reason,
    workerError: result?.error,
  });
  return next;
}
