import type { Runtime } from '../../runtime.js';
import type { Logger } from '../../log.js';
import { deletePrefix, getJson, listKeys } from '../../aws/s3.js';
import { abortMultipart, type OpenUpload } from '../../aws/multipart.js';
import { mapLimit } from '../../util/mapLimit.js';
import { keys } from '../job.js';

/**
 * Removes the job's work prefix. It first aborts every multipart upload the job started and did
 * not complete (their parts are stored and billed until aborted, and are invisible to a LIST),
 * and after a failure or a cancel removes everything the job wrote under its output prefix: the pieces, pictures
 * and MP4s are written there in place while the job runs, and only a successful Publish writes
 * the manifests that make them reachable. The upload records are in the work prefix, so they
 * are read before it is deleted. The source is never touched.
 */
export async function cleanupStep(
  rt: Runtime,
  job: { jobId: string },
  failed: boolean,
  log: Logger,
): Promise<{ deleted: number; aborted: number }> {
  const work = rt.config.WORK_BUCKET;
  let aborted = 0;
  let deleted = 0;
  // Every recorded upload, after a success too: a retried Assemble layout or a re-run ECS
  // attempt starts new uploads and leaves the earlier ones open. A completed upload answers
  // NoSuchUpload (nothing to do).
  const records = await listKeys(rt.s3, work, keys.multipartUploadsPrefix(job.jobId));
  const uploads = await mapLimit(records, 16, (r) => getJson<OpenUpload>(rt.s3, { bucket: work, key: r.key }));
  aborted = (await mapLimit(uploads, 16, (u) => abortMultipart(rt.s3, u))).filter(Boolean).length;
  if (failed) deleted += await deletePrefix(rt.s3, rt.config.OUTPUT_BUCKET, keys.outputPrefix(job.jobId));
  deleted += await deletePrefix(rt.s3, work, keys.prefix(job.jobId));
  log.info('cleaned up', { deleted, aborted, failed });
  return { deleted, aborted };
}
