/**
 * The ECS fallback of the fan-out, decided from data rather than from the Map's error name. A
 * segment function that still times out or runs out of memory after its retries is caught by
 * its Map item, which calls the Assemble function (phase `fallback`): it records that here and
 * the item ends, so the Map succeeds. Assemble finds the records and raises
 * SegmentFallbackError, which the state machine sends to the ECS worker. Every other failure
 * of an item (Lambda throttling after its retries, bad input) fails the Map and the job: in
 * AWS a failed Distributed Map reports States.ExceedToleratedFailureThreshold whatever its
 * items failed with, so that name cannot choose the fallback.
 */
import type { Runtime } from '../../runtime.js';
import type { Logger } from '../../log.js';
import { deletePrefix, getJson, listKeys, putJson } from '../../aws/s3.js';
import { PipelineError } from '../../errors.js';
import { mapLimit } from '../../util/mapLimit.js';
import { SEGMENT_FALLBACK_ERROR } from '../retryPolicy.js';
import { keys, type StateError } from '../job.js';

/** Segments of the Map whose function timed out after its retries: the job goes to ECS. Not retried. */
export class SegmentFallbackError extends PipelineError {
  override name = SEGMENT_FALLBACK_ERROR;
}

/** One segment's record: its index and the error its Map item caught. */
interface FallbackRecord {
  index: number;
  error: StateError;
}

/** Records that segment `index` needs the ECS worker (the Map item's Catch). */
export async function recordSegmentFallback(
  rt: Runtime,
  jobId: string,
  index: number,
  error: StateError,
  log: Logger,
): Promise<{ index: number; fallback: string }> {
  await putJson(rt.s3, { bucket: rt.config.WORK_BUCKET, key: keys.segmentFallback(jobId, index) }, {
    index,
    error,
  } satisfies FallbackRecord);
  log.warn('segment sent to the ECS worker', { index, error: error.Error, cause: error.Cause.slice(0, 500) });
  return { index, fallback: error.Error };
}

/** Throws SegmentFallbackError when a segment of the Map recorded a fallback (Assemble's first check). */
export async function checkSegmentFallbacks(rt: Runtime, jobId: string): Promise<void> {
  const bucket = rt.config.WORK_BUCKET;
  const found = await listKeys(rt.s3, bucket, keys.segmentFallbacksPrefix(jobId));
  if (!found.length) return;
  const records = await mapLimit(found.slice(0, 10), 10, (k) => getJson<FallbackRecord>(rt.s3, { bucket, key: k.key }));
  const shown = records.map((r) => `segment ${r.index}: ${r.error.Error}`).join('; ');
  throw new SegmentFallbackError(
    'TIMEOUT',
    `${found.length} segment(s) timed out or ran out of memory after their retries (${shown}); the job goes to the ECS worker`,
  );
}

/** Forgets the records (the ECS worker, before it encodes every segment and assembles). */
export async function clearSegmentFallbacks(rt: Runtime, jobId: string): Promise<number> {
  return deletePrefix(rt.s3, rt.config.WORK_BUCKET, keys.segmentFallbacksPrefix(jobId));
}
