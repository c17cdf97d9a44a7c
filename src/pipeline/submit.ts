import type { Runtime } from '../runtime.js';
import type { Logger } from '../log.js';
import type { MetricsRecorder } from '../metrics.js';
import { METRIC } from '../metrics.js';
import type { JobInput } from './job.js';
import { newRecord } from './jobStore.js';

/**
 * Submits a job: starts the execution named after the job id (Step Functions refuses a second
 * execution of that name: a duplicate submit starts nothing), then records it as SUBMITTED.
 */
export async function submitJob(
  rt: Runtime,
  job: JobInput,
  log: Logger,
  metrics?: MetricsRecorder,
): Promise<{ executionArn: string; alreadyStarted: boolean }> {
  // A job that went past SUBMITTED was started already: the same upload delivered again (or
  // uploaded again after a crash, whose job recovery ended as INTERRUPTED) starts nothing.
  // Step Functions refuses a second execution name too; the local runner forgets on restart.
  const existing = await rt.jobs.get(job.jobId);
  if (existing && existing.status !== 'SUBMITTED') {
    log.info('duplicate submit: job already started', { jobId: job.jobId, status: existing.status });
    return { executionArn: existing.executionArn ?? '', alreadyStarted: true };
  }
  const r = await rt.starter.start(job.jobId, job);
  if (!r.alreadyStarted) {
    await rt.jobs.create(newRecord(job, r.executionArn));
    metrics?.add(METRIC.jobsStarted, 1);
  }
  log.info(r.alreadyStarted ? 'duplicate submit: job already started' : 'job submitted', {
    jobId: job.jobId,
    executionArn: r.executionArn,
  });
  return r;
}
