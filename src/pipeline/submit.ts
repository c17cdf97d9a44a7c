import type { Runtime } from '../runtime.js';
import type { Logger } from '../log.js';
import type { ExecutionStarter } from './ingest.js';
import type { JobInput } from './job.js';
import { newRecord, putJobRecord } from './jobStore.js';

/**
 * Submits a job: records it as SUBMITTED, then starts the execution named after the job id
 * (Step Functions refuses a second execution of that name: a duplicate submit starts nothing).
 */
export async function submitJob(rt: Runtime, starter: ExecutionStarter, job: JobInput, log: Logger): Promise<{ executionArn: string; alreadyStarted: boolean }> {
  const r = await starter.start(job.jobId, job);
  if (!r.alreadyStarted) await putJobRecord(rt, newRecord(job, r.executionArn));
  log.info(r.alreadyStarted ? 'duplicate submit: job already started' : 'job submitted', { jobId: job.jobId, executionArn: r.executionArn });
  return r;
}
