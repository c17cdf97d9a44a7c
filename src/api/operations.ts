/**
 * The four operations of the HTTP API. Each takes the request (an HTTP API v2 event) and
 * answers an HTTP API v2 result; errors are thrown as ApiError and turned into JSON answers by
 * src/api/handler.ts.
 */
import { randomBytes } from 'node:crypto';
import type { Runtime } from '../runtime.js';
import type { Logger } from '../log.js';
import { JobId, buildJobInput } from '../pipeline/job.js';
import { submitJob } from '../pipeline/submit.js';
import { cancelJob as cancel } from '../pipeline/cancel.js';
import type { MetricsRecorder } from '../metrics.js';
import type { S3Location } from '../aws/s3.js';
import { ApiError, RETRY_AFTER_SECONDS } from './errors.js';
import { jsonResult, readJsonBody, type HttpApiEvent, type HttpApiResult } from './http.js';
import {
  CreateJobRequestSchema,
  CreateUploadRequestSchema,
  DEFAULT_LIST_LIMIT,
  ListJobsQuerySchema,
  parseRequest,
  type CreateJobRequest,
} from './schemas.js';
import { checkSource } from './sourceCheck.js';
import { resolveCallbackTarget } from './callbackUrl.js';
import { toJobSummary, toJobView } from './jobView.js';
import { createUploadTicket } from './uploads.js';
import { formatTimecode } from '../pipeline/timecode.js';
import { createTemplate, deleteTemplate, getTemplate, listTemplates } from './templates.js';
import { resolveTemplate } from '../templates/resolve.js';

/** One request as an operation sees it. */
export interface ApiRequest {
  event: HttpApiEvent;
  rt: Runtime;
  log: Logger;
  requestId: string;
  metrics?: MetricsRecorder;
}

export type Operation = (req: ApiRequest) => Promise<HttpApiResult>;

/** How far a clip's end may pass the container's duration (rounding of container durations). */
export const CLIP_END_TOLERANCE_SECONDS = 0.05;

/** A new random job id, in the same alphabet and length as an upload's (`j-` + 24 hex). */
export const newJobId = () => `j-${randomBytes(12).toString('hex')}`;

/** The source of a job: an s3:// URI in the ingest bucket (the only bucket the pipeline reads). */
export function parseSource(uri: string, ingestBucket: string): S3Location {
  const m = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri);
  if (!m)
    throw new ApiError('INVALID_REQUEST', `source must be an s3:// URI such as s3://${ingestBucket}/uploads/video.mp4`);
  const [, bucket, key] = m;
  if (bucket !== ingestBucket)
    throw new ApiError(
      'SOURCE_NOT_ALLOWED',
      `source must be in the ingest bucket (s3://${ingestBucket}/...); s3://${bucket.slice(0, 63)}/ is not readable by the pipeline`,
    );
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this refuses.
  if (Buffer.byteLength(key) > 1024 || /[\u0000-\u001f\u007f]/.test(key))
    throw new ApiError('INVALID_REQUEST', 'source key must be at most 1024 bytes without control characters');
  // S3 stores such keys, but URL handling on the way (HTTP clients, ffmpeg, the local S3) may
  // resolve `.` and `..` to another key: they are never read, so asking is a caller error.
  if (key.split('/').some((seg) => seg === '.' || seg === '..'))
    throw new ApiError('INVALID_REQUEST', 'source key must not have . or .. segments');
  return { bucket, key };
}

/** The clip of a request in seconds; INVALID_CLIP when its end is not after its start. */
export function normalizeClip(clip: CreateJobRequest['clip']): { start: number; end?: number } | undefined {
  if (!clip || (clip.start === undefined && clip.end === undefined)) return undefined;
  const start = clip.start ?? 0;
  if (clip.end !== undefined && !(clip.end > start)) {
    throw new ApiError(
      'INVALID_CLIP',
      `clip end (${formatTimecode(clip.end)}) must be after clip start (${formatTimecode(start)})`,
    );
  }
  return { start, ...(clip.end !== undefined ? { end: clip.end } : {}) };
}

/** CLIP_OUT_OF_RANGE when the clip starts at or after the end of the source, or ends past it. */
export function checkClipInSource(
  clip: { start: number; end?: number } | undefined,
  durationSec: number | undefined,
): void {
  if (!clip || durationSec === undefined) return;
  const dur = formatTimecode(durationSec);
  if (clip.start >= durationSec)
    throw new ApiError(
      'CLIP_OUT_OF_RANGE',
      `clip start ${formatTimecode(clip.start)} is at or after the end of the source (${dur})`,
    );
  if (clip.end !== undefined && clip.end > durationSec + CLIP_END_TOLERANCE_SECONDS) {
    throw new ApiError(
      'CLIP_OUT_OF_RANGE',
      `clip end ${formatTimecode(clip.end)} is after the end of the source (${dur})`,
    );
  }
}

/** `POST /jobs`: validates, checks the source, records the job and starts its execution. */
export const createJob: Operation = async ({ event, rt, log, metrics }) => {
  const body = parseRequest(CreateJobRequestSchema, readJsonBody(event));
  // Before any S3 call: a template document is checked field by field, a name looked up.
  const resolved = await resolveTemplate(rt.templates, body, rt.config.DEFAULT_PRESET);
  const preset = resolved.preset;
  const clip = normalizeClip(body.clip);
  if (body.callbackUrl !== undefined) {
    // Resolved and checked now (and again before each delivery): a name that resolves to a
    // private or metadata address is refused here, not only when the job ends.
    const r = await resolveCallbackTarget(body.callbackUrl, rt.callbacks);
    if (!r.ok && r.transient)
      throw new ApiError('SERVICE_UNAVAILABLE', `${r.problem}; retry later`, {
        headers: { 'retry-after': String(RETRY_AFTER_SECONDS) },
      });
    if (!r.ok) throw new ApiError('INVALID_REQUEST', r.problem);
  }
  const source = parseSource(body.source, rt.config.INGEST_BUCKET);
  const facts = await checkSource(rt, source);
  checkClipInSource(clip, facts.durationSec);

  const jobId = newJobId();
  const job = buildJobInput(rt.config, {
    jobId,
    source,
    resolved,
    request: {
      preset,
      ...(body.segmentSeconds !== undefined ? { segmentSeconds: body.segmentSeconds } : {}),
      ...(body.engine ? { engine: body.engine } : {}),
      ...(body.outputs ? { outputs: body.outputs } : {}),
      ...(clip ? { clip } : {}),
      ...(body.correlationId ? { correlationId: body.correlationId } : {}),
      userMetadata: { ...(body.userMetadata ?? {}), ...(body.callbackUrl ? { callbackUrl: body.callbackUrl } : {}) },
    },
    submittedAt: new Date(),
  });
  await submitJob(rt, job, log.child({ jobId }), metrics);
  log.info('job created', {
    jobId,
    source: `s3://${source.bucket}/${source.key}`,
    preset,
    clip,
    durationSec: facts.durationSec,
  });
  return jsonResult(202, { jobId, status: 'SUBMITTED' }, { location: `/jobs/${jobId}` });
};

/** `GET /jobs/{id}`: the job's record, with progress while it runs. */
export const getJob: Operation = async ({ event, rt }) => {
  const id = event.pathParameters?.id ?? '';
  if (!JobId.safeParse(id).success)
    throw new ApiError(
      'INVALID_JOB_ID',
      'job ids are 1-80 letters, digits or dashes (e.g. j-0123456789abcdef01234567)',
    );
  const rec = await rt.jobs.get(id);
  if (!rec) throw new ApiError('JOB_NOT_FOUND', `no job ${id}`);
  return jsonResult(200, toJobView(rec));
};

/**
 * `GET /jobs?limit=N&status=S&nextToken=T`: one page of jobs, newest first (one indexed Query,
 * src/pipeline/jobStore.ts); `nextToken` in the answer fetches the next page.
 */
export const listJobs: Operation = async ({ event, rt }) => {
  const q = parseRequest(ListJobsQuerySchema, event.queryStringParameters ?? {});
  const limit = q.limit ?? DEFAULT_LIST_LIMIT;
  const page = await rt.jobs.list({
    limit,
    ...(q.status ? { status: q.status } : {}),
    ...(q.nextToken ? { nextToken: q.nextToken } : {}),
  });
  return jsonResult(200, {
    jobs: page.records.map(toJobSummary),
    count: page.records.length,
    limit,
    ...(q.status ? { status: q.status } : {}),
    nextToken: page.nextToken ?? null,
  });
};

/**
 * `DELETE /jobs/{id}`: cancels a job that has not ended (src/pipeline/cancel.ts) and answers
 * its record, now CANCELED (also to the DELETEs that raced it and lost: one cancel runs); 409
 * JOB_ALREADY_FINAL for a job that had ended when the request read it.
 */
export const cancelJob: Operation = async ({ event, rt, log }) => {
  const id = event.pathParameters?.id ?? '';
  if (!JobId.safeParse(id).success)
    throw new ApiError(
      'INVALID_JOB_ID',
      'job ids are 1-80 letters, digits or dashes (e.g. j-0123456789abcdef01234567)',
    );
  const r = await cancel(rt, id, log.child({ jobId: id }));
  if (r.outcome === 'missing') throw new ApiError('JOB_NOT_FOUND', `no job ${id}`);
  // A DELETE that raced the winning one: the same 200 and record; nothing is re-run or emitted.
  if (r.outcome === 'joined') return jsonResult(200, toJobView(r.record));
  if (r.outcome === 'final')
    throw new ApiError(
      'JOB_ALREADY_FINAL',
      `job ${id} has already ended (${r.record.status}); only a job that is SUBMITTED or PROGRESSING can be canceled`,
    );
  return jsonResult(200, toJobView(r.record));
};

/** `POST /uploads`: a presigned PUT URL into the ingest bucket. */
export const createUpload: Operation = async ({ event, rt, log }) => {
  const body = parseRequest(CreateUploadRequestSchema, readJsonBody(event));
  const ticket = await createUploadTicket(rt.s3, rt.config.INGEST_BUCKET, body.filename, body.contentType);
  log.info('upload URL issued', { key: ticket.key, expiresAt: ticket.expiresAt });
  return jsonResult(200, ticket);
};

/** Every operation, by operationId (the OpenAPI document's and the routes' names). */
export const OPERATIONS = {
  createJob,
  getJob,
  listJobs,
  cancelJob,
  createUpload,
  createTemplate,
  listTemplates,
  getTemplate,
  deleteTemplate,
} satisfies Record<string, Operation>;
export type OperationId = keyof typeof OPERATIONS;
