/**
 * Cancelling a job (`DELETE /jobs/{id}`). The conditional write of CANCELED decides: it
 * succeeds only while the job is not final, so a job that completes, fails and is cancelled at
 * once still ends in exactly one final status, and only the winner's event goes out (the
 * emitter announces nothing the table refused, src/pipeline/steps/emit.ts). Then the execution
 * is stopped (no Catch runs after StopExecution), a running ECS task is stopped, the work prefix
 * and anything already published are deleted, and the one CANCELED event is put.
 */
import type { Runtime } from '../runtime.js';
import type { Logger } from '../log.js';
import { buildJobEvent } from './events.js';
import { cleanupStep } from './steps/cleanup.js';
import { FINAL_STATUSES } from './job.js';
import type { JobRecord } from './jobStore.js';

/**
 * `canceled`: this call won and stopped, cleaned and announced the job; `joined`: this call found
 * the job running but a racing cancel won (the same record, nothing done again); `final`: the
 * job had already ended when this call read it (COMPLETE, ERROR or CANCELED).
 */
export type CancelOutcome =
  | { outcome: 'canceled'; record: JobRecord }
  | { outcome: 'joined'; record: JobRecord }
  | { outcome: 'final'; record: JobRecord }
  | { outcome: 'missing' };

/** The fields an event needs, from a record (the source is stored as its s3:// URI). */
export function eventJobOf(rec: JobRecord) {
  const m = /^s3:\/\/([^/]+)\/(.*)$/s.exec(rec.source);
  return {
    jobId: rec.jobId,
    source: { bucket: m?.[1] ?? '', key: m?.[2] ?? rec.source },
    ...(rec.correlationId ? { correlationId: rec.correlationId } : {}),
    userMetadata: rec.userMetadata ?? {},
    submittedAt: rec.submittedAt,
  };
}

/** Cancels a job unless it has ended. */
export async function cancelJob(
  rt: Runtime,
  jobId: string,
  log: Logger,
  reason = 'canceled by DELETE /jobs/{id}',
): Promise<CancelOutcome> {
  const rec = await rt.jobs.get(jobId);
  if (!rec) return { outcome: 'missing' };
  if (FINAL_STATUSES.includes(rec.status)) return { outcome: 'final', record: rec };
  // Only a write that moves the job forward: of racing cancels exactly one wins (CANCELED over
  // CANCELED is refused), and only the winner stops, cleans up and emits.
  const canceled = await rt.jobs.advance(rec, 'CANCELED', {}, { onlyForward: true });
  if (canceled?.status !== 'CANCELED') {
    const now = await rt.jobs.get(jobId);
    if (!now) return { outcome: 'missing' };
    // Lost to a racing cancel: the caller asked for what happened, so it gets the same answer.
    return now.status === 'CANCELED' ? { outcome: 'joined', record: now } : { outcome: 'final', record: now };
  }
  // From here the job is CANCELED for every reader; what follows stops and removes its work.
  // Its running encoders first (this process's; in AWS a running Lambda runs to completion and
  // checks its job before writing, src/pipeline/jobAlive.ts), so the stop below does not wait
  // for them to finish.
  const killed = rt.processes.stop(jobId, 'canceled');
  if (killed.length) log.info('ended the running processes of the canceled job', { pids: killed });
  if (rec.executionArn) await rt.stopper.stop(rec.executionArn, reason);
  if (rec.taskArn) {
    await rt.tasks
      .stopTask(rec.taskArn, reason)
      .catch((err: unknown) => log.warn('could not stop the ECS task', { taskArn: rec.taskArn, error: err }));
  }
  await cleanupStep(rt, { jobId }, true, log);
  await rt.events.put(
    buildJobEvent({
      status: 'CANCELED',
      job: eventJobOf(canceled),
      source: rt.config.EVENT_SOURCE,
      busName: rt.config.EVENT_BUS_NAME,
      executionArn: rec.executionArn,
    }),
  );
  log.info('job canceled', { jobId, executionArn: rec.executionArn, taskArn: rec.taskArn });
  return { outcome: 'canceled', record: canceled };
}
