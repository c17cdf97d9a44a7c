/**
 * The segment function's own check that its job still runs. StopExecution does not stop a Task
 * that is already running: in AWS the Lambda invocation runs to completion (Step Functions only
 * drops its result), and a Map iteration queued before the stop may still have started. So a
 * segment function reads its job's record before it encodes and again before its first write,
 * and stops with JobStopped when the job has ended (CANCELED, or ERROR after another segment
 * failed): no encode is paid for and nothing is written under a job that has been cleaned up.
 */
import type { Runtime } from '../runtime.js';
import { currentJobScope, JobStoppedError } from '../media/jobProcesses.js';
import { FINAL_STATUSES } from './job.js';

/**
 * Throws JobStopped when the job's record says it has ended (a missing record is left to the
 * step). Only inside a function invocation of that job (src/pipeline/handler.ts opens its
 * scope): the ECS worker runs the same step outside one, without access to the job table.
 */
export async function assertJobAlive(rt: Runtime, jobId: string, when: string): Promise<void> {
  const scope = currentJobScope();
  if (scope?.jobId !== jobId) return;
  if (scope.signal.aborted && scope.signal.reason instanceof JobStoppedError) throw scope.signal.reason;
  const rec = await rt.jobs.get(jobId);
  if (rec && FINAL_STATUSES.includes(rec.status)) throw new JobStoppedError(jobId, `it is ${rec.status}; checked ${when}`);
}
