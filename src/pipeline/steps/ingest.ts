import type { Runtime } from '../../runtime.js';
import type { Logger } from '../../log.js';
import type { MetricsRecorder } from '../../metrics.js';
import { METRIC } from '../../metrics.js';
import { headObject } from '../../aws/s3.js';
import { InputError, PipelineError, ValidationError } from '../../errors.js';
import { resolveTemplate } from '../../templates/resolve.js';
import { isIngestKey, jobForObject, jobIdForObject, type ObjectCreatedEvent } from '../ingest.js';
import { requestFromMetadata, usableCorrelationId } from '../job.js';
import { buildJobEvent } from '../events.js';
import type { JobRecord } from '../jobStore.js';
import { submitJob } from '../submit.js';

/** Codes of settings an upload names that cannot make a job (besides a ValidationError's INVALID_REQUEST). */
const REFUSED_CODES: readonly string[] = ['UNKNOWN_PRESET', 'UNKNOWN_TEMPLATE', 'TEMPLATE_INVALID'];

/** What the ingest trigger did with one object. */
export type IngestResult =
  | { started: false; reason: string }
  /** The upload's settings are unusable: the job was recorded in ERROR and its ERROR event put; nothing ran. */
  | { started: false; reason: string; jobId: string; errorCode: string }
  | { started: true; jobId: string; executionArn: string; alreadyStarted: boolean };

/**
 * Handles an object created in the ingest bucket: filters, reads the job's settings from the
 * object's metadata (validated as a POST /jobs body is), and starts one execution named after
 * the job id (so a duplicate delivery starts nothing new). An upload whose settings are
 * unusable becomes a job that ends at once in ERROR (see refuseUpload).
 */
export async function ingestStep(
  rt: Runtime,
  event: ObjectCreatedEvent,
  log: Logger,
  metrics?: MetricsRecorder,
): Promise<IngestResult> {
  const { bucket, object } = event.detail;
  if (bucket.name !== rt.config.INGEST_BUCKET)
    return { started: false, reason: `bucket ${bucket.name} is not the ingest bucket` };
  if (!isIngestKey(object.key))
    return { started: false, reason: `${object.key} does not have a video or audio suffix` };
  const head = await headObject(rt.s3, { bucket: bucket.name, key: object.key }).catch(() => undefined);
  const versioned: ObjectCreatedEvent = {
    ...event,
    detail: { ...event.detail, object: { ...object, etag: object.etag ?? head?.etag } },
  };
  const meta = head?.metadata ?? {};
  let job: ReturnType<typeof jobForObject>;
  try {
    const request = requestFromMetadata(meta);
    const resolved = await resolveTemplate(rt.templates, request, rt.config.DEFAULT_PRESET).catch((err: unknown) => {
      // Named after the metadata the uploader set (`x-amz-meta-template`), as every other refusal.
      if (err instanceof PipelineError && REFUSED_CODES.includes(err.code)) {
        throw new InputError(
          err.code,
          `upload metadata (x-amz-meta-*): ${request.template !== undefined ? 'template' : 'preset'}: ${err.message.replace(/^[A-Z_]+: /, '')}`,
          { cause: err },
        );
      }
      throw err;
    });
    job = jobForObject(rt.config, versioned, request, resolved);
  } catch (err) {
    if (!(err instanceof ValidationError || (err instanceof PipelineError && REFUSED_CODES.includes(err.code))))
      throw err;
    return refuseUpload(rt, versioned, meta, err, log, metrics);
  }
  const r = await submitJob(rt, job, log.child({ key: object.key, jobId: job.jobId }), metrics);
  return { started: true, jobId: job.jobId, executionArn: r.executionArn, alreadyStarted: r.alreadyStarted };
}

/**
 * An upload whose x-amz-meta settings cannot make a job (a segment length out of bounds or not
 * a number, an unknown engine or preset, a correlation id too long) must not vanish: it becomes
 * a job, with the id its upload maps to, recorded in ERROR with one ERROR event naming the bad
 * setting (INVALID_REQUEST or UNKNOWN_PRESET). No execution is started: there is nothing to run,
 * and an invalid job input would fail the schema of every Task, EmitError's included, so an
 * execution could not even announce its own failure. Nothing is written but the record and the
 * event; the source is not touched. The correlation id is echoed only if it is itself valid (a
 * cut-down id could name another job). A duplicate delivery finds the record and emits nothing.
 */
async function refuseUpload(
  rt: Runtime,
  event: ObjectCreatedEvent,
  meta: Record<string, string>,
  err: PipelineError,
  log: Logger,
  metrics?: MetricsRecorder,
): Promise<IngestResult> {
  const jobId = jobIdForObject(event);
  const { bucket, object } = event.detail;
  const jlog = log.child({ key: object.key, jobId });
  const error = { code: err.code, message: err.message.replace(/^[A-Z_]+: /, '') };
  const reason = `${error.code}: ${error.message}`;
  const now = new Date();
  const correlationId = usableCorrelationId(meta);
  const job = {
    jobId,
    source: { bucket: bucket.name, key: object.key },
    ...(correlationId ? { correlationId } : {}),
    userMetadata: {},
    submittedAt: now.toISOString(),
  };
  const rec: JobRecord = {
    jobId,
    status: 'ERROR',
    source: `s3://${bucket.name}/${object.key}`,
    preset: (meta.template ?? meta.preset ?? rt.config.DEFAULT_PRESET).slice(0, 64),
    ...(correlationId ? { correlationId } : {}),
    userMetadata: {},
    submittedAt: job.submittedAt,
    updatedAt: job.submittedAt,
    error,
  };
  // The record first, as the emitter does: a consumer reacting to the event reads the same state.
  // A conditional put: a duplicate delivery finds the record and emits nothing.
  if (!(await rt.jobs.createFinal(rec))) {
    jlog.info('duplicate delivery of a refused upload: nothing emitted', { errorCode: error.code });
    return { started: false, reason, jobId, errorCode: error.code };
  }
  await rt.events.put(
    buildJobEvent({
      status: 'ERROR',
      job,
      source: rt.config.EVENT_SOURCE,
      busName: rt.config.EVENT_BUS_NAME,
      now,
      error: { Error: err.name, Cause: err.message },
    }),
  );
  metrics?.add(METRIC.jobsFailed, 1);
  jlog.warn('upload refused: its settings are unusable', { errorCode: error.code, problem: error.message });
  return { started: false, reason, jobId, errorCode: error.code };
}
