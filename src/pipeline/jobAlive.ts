/**
 * The segment function's own check that its job still runs. StopExecution does not stop a Task
 * that is already running: in AWS the Lambda invocation runs to completion (Step Functions only
 * drops its result), and a Map iteration queued before the stop may still have started. So a
 * segment function reads its job's record before it encodes and again before its first write,
 * and stops with JobStopped when the job has ended (CANCELED, or ERROR after another segment
 * failed): no encode is paid for and nothing is written under a job that has been cleaned up.
 */
import type { Runtime } from '../runtime.js';
import { currentJobScope, JobStoppedError } from '../media/ffmpeg/jobProcesses.js';
import { FINAL_STATUSES } from './job.js';
import { TransientError } from '../errors.js';

/**
 * Throws JobStopped when the job's record says it has ended (a missing record is left to the
 * step). Only inside a function invocation of that job (src/pipeline/handler.ts opens its
 * scope): the ECS worker runs the same step outside one, without access to the job table.
 */
export async function assertJobAlive(rt: Runtime, jobId: string, when: string): Promise<void> {
  const scope = currentJobScope();
  if (scope?.jobId !== jobId) return;
  if (scope.signal.aborted && scope.signal.reason instanceof JobStoppedError) throw scope.signal.reason;
  // The status alone, eventually consistent (half a read unit): up to ~1,000 segment functions
  // read this one item within seconds, twice each, and a partition serves ~3,000 units/s; a
  // cancel is seen a moment later at worst (the next check, or the process kill locally).
  let status: string | undefined;
  try {
    status = (await rt.jobs.progressState(jobId))?.status;
  } catch (err) {
    const name = (err as { name?: string })?.name ?? '';
    if (/Throughput|Throttl|RequestLimit/.test(name))
      throw new TransientError('INTERNAL', `job ${jobId}: its record could not be read ${when} (${name})`, {
        cause: err,
      });
    throw err;
  }
  if (status && (FINAL_STATUSES as readonly string[]).includes(status))
    throw new JobStoppedError(jobId, `it is ${status}; checked ${when}`);
}
