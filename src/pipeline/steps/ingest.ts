import type { Runtime } from '../../runtime.js';
import type { Logger } from '../../log.js';
import { headObject } from '../../aws/s3.js';
import { isVideoKey, jobForObject, type ExecutionStarter, type ObjectCreatedEvent } from '../ingest.js';

/** What the ingest trigger did with one object. */
export type IngestResult = { started: false; reason: string } | { started: true; jobId: string; executionArn: string; alreadyStarted: boolean };

/**
 * Handles an object created in the ingest bucket: filters, reads optional settings from the
 * object's metadata, and starts one execution named after the job id (so a duplicate
 * delivery starts nothing new).
 */
export async function ingestStep(rt: Runtime, starter: ExecutionStarter, event: ObjectCreatedEvent, log: Logger): Promise<IngestResult> {
  const { bucket, object } = event.detail;
  if (bucket.name !== rt.config.INGEST_BUCKET) return { started: false, reason: `bucket ${bucket.name} is not the ingest bucket` };
  if (!isVideoKey(object.key)) return { started: false, reason: `${object.key} does not have a video suffix` };
  const head = await headObject(rt.s3, { bucket: bucket.name, key: object.key }).catch(() => undefined);
  const meta = head?.metadata ?? {};
  const job = jobForObject(rt.config, { ...event, detail: { ...event.detail, object: { ...object, etag: object.etag ?? head?.etag } } }, {
    preset: meta['preset'],
    segmentSeconds: meta['segment-seconds'] ? Number(meta['segment-seconds']) : undefined,
    correlationId: meta['correlation-id'],
  });
  const r = await starter.start(job.jobId, job);
  log.info(r.alreadyStarted ? 'duplicate delivery: job already started' : 'job started', { jobId: job.jobId, key: object.key, executionArn: r.executionArn });
  return { started: true, jobId: job.jobId, executionArn: r.executionArn, alreadyStarted: r.alreadyStarted };
}
