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
export async function submitJob(rt: Runtime, job: JobInput, log: Logger, metrics?: MetricsRecorder): Promise<{ executionArn: string; alreadyStarted: boolean }> {
  const r = await rt.starter.start(job.jobId, job);
  if (!r.alreadyStarted) {
    await rt.jobs.create(newRecord(job, r.executionArn));
    metrics?.add(METRIC.jobsStarted, 1);
  }
  log.info(r.alreadyStarted ? 'duplicate submit: job already started' : 'job submitted', { jobId: job.jobId, executionArn: r.executionArn });
  return r;
}
