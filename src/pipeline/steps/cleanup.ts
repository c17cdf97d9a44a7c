import type { Runtime } from '../../runtime.js';
import type { Logger } from '../../log.js';
import { deletePrefix } from '../../aws/s3.js';
import { keys } from '../job.js';

/**
 * Removes the job's work prefix; after a failure also anything already copied to the output
 * prefix, so a failed job leaves no half-published outputs. The source is never touched.
 */
export async function cleanupStep(rt: Runtime, job: { jobId: string }, failed: boolean, log: Logger): Promise<{ deleted: number }> {
  let deleted = await deletePrefix(rt.s3, rt.config.WORK_BUCKET, keys.prefix(job.jobId));
  if (failed) deleted += await deletePrefix(rt.s3, rt.config.OUTPUT_BUCKET, keys.outputPrefix(job.jobId));
  log.info('cleaned up', { deleted, failed });
  return { deleted };
}
