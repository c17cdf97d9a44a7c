import type { Runtime } from '../../runtime.js';
import type { Logger } from '../../log.js';
import { headObject } from '../../aws/s3.js';
import { isVideoKey, jobForObject, type ExecutionStarter, type ObjectCreatedEvent } from '../ingest.js';
import { submitJob } from '../submit.js';
import { ENGINE_REQUESTS, type EngineRequest } from '../../ecs/decider.js';

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
  // An unknown engine is ignored (the decider chooses) rather than dropping the upload.
  const engine = (ENGINE_REQUESTS as readonly string[]).includes(meta['engine'] ?? '') ? (meta['engine'] as EngineRequest) : undefined;
  if (meta['engine'] && !engine) log.warn('unknown engine in metadata: the encoder decider chooses', { engine: meta['engine'], key: object.key });
  const job = jobForObject(rt.config, { ...event, detail: { ...event.detail, object: { ...object, etag: object.etag ?? head?.etag } } }, {
    preset: meta['preset'],
    segmentSeconds: meta['segment-seconds'] ? Number(meta['segment-seconds']) : undefined,
    correlationId: meta['correlation-id'],
    engine,
  });
  const r = await submitJob(rt, starter, job, log.child({ key: object.key }));
  return { started: true, jobId: job.jobId, executionArn: r.executionArn, alreadyStarted: r.alreadyStarted };
}
