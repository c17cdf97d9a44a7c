import type { Runtime } from '../../runtime.js';
import type { Logger } from '../../log.js';
import type { MetricsRecorder } from '../../metrics.js';
import { headObject } from '../../aws/s3.js';
import { isVideoKey, jobForObject, type ObjectCreatedEvent } from '../ingest.js';
import { requestFromMetadata } from '../job.js';
import { submitJob } from '../submit.js';

/** What the ingest trigger did with one object. */
export type IngestResult = { started: false; reason: string } | { started: true; jobId: string; executionArn: string; alreadyStarted: boolean };

/**
 * Handles an object created in the ingest bucket: filters, reads the job's settings from the
 * object's metadata (validated as a POST /jobs body is), and starts one execution named after
 * the job id (so a duplicate delivery starts nothing new).
 */
export async function ingestStep(rt: Runtime, event: ObjectCreatedEvent, log: Logger, metrics?: MetricsRecorder): Promise<IngestResult> {
  const { bucket, object } = event.detail;
  if (bucket.name !== rt.config.INGEST_BUCKET) return { started: false, reason: `bucket ${bucket.name} is not the ingest bucket` };
  if (!isVideoKey(object.key)) return { started: false, reason: `${object.key} does not have a video suffix` };
  const head = await headObject(rt.s3, { bucket: bucket.name, key: object.key }).catch(() => undefined);
  const request = requestFromMetadata(head?.metadata ?? {});
  const job = jobForObject(rt.config, { ...event, detail: { ...event.detail, object: { ...object, etag: object.etag ?? head?.etag } } }, request);
  const r = await submitJob(rt, job, log.child({ key: object.key, jobId: job.jobId }), metrics);
  return { started: true, jobId: job.jobId, executionArn: r.executionArn, alreadyStarted: r.alreadyStarted };
}
