import type { Runtime } from '../runtime.js';
import { getJson, listKeys, putJson } from '../aws/s3.js';
import type { PublishedOutput } from './outputs.js';
import { keys, type JobInput, type JobStatus } from './job.js';

/** The stored record of a job (one small JSON object per job in the work bucket). */
export interface JobRecord {
  jobId: string;
  status: JobStatus;
  source: string;
  preset: string;
  clip?: { start: number; end?: number };
  correlationId?: string;
  userMetadata: Record<string, string>;
  submittedAt: string;
  updatedAt: string;
  executionArn?: string;
  segmentsTotal?: number;
  outputs?: PublishedOutput[];
  error?: { code: string; message: string };
}

/**
 * Job records live under `status/` in the work bucket, outside the job's work prefix (which
 * is deleted when the job ends) and expired by the bucket's lifecycle rule. The submitter
 * writes SUBMITTED; the event emitter, the one place every state change passes, writes the rest.
 */
const recordKey = keys.record;

/** The initial record of a job. */
export function newRecord(job: JobInput, executionArn?: string): JobRecord {
  return {
    jobId: job.jobId,
    status: 'SUBMITTED',
    source: `s3://${job.source.bucket}/${job.source.key}`,
    preset: job.settings.preset,
    ...(job.settings.clip ? { clip: job.settings.clip } : {}),
    ...(job.correlationId ? { correlationId: job.correlationId } : {}),
    userMetadata: job.userMetadata ?? {},
    submittedAt: job.submittedAt,
    updatedAt: new Date().toISOString(),
    ...(executionArn ? { executionArn } : {}),
  };
}

/** Writes a job record. */
export const putJobRecord = (rt: Runtime, rec: JobRecord) => putJson(rt.s3, { bucket: rt.config.WORK_BUCKET, key: recordKey(rec.jobId) }, rec);

/** Reads a job record; undefined when there is none. */
export async function getJobRecord(rt: Runtime, jobId: string): Promise<JobRecord | undefined> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await getJson<JobRecord>(rt.s3, { bucket: rt.config.WORK_BUCKET, key: recordKey(jobId) });
    } catch (err) {
      const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
      if (e?.name === 'NoSuchKey' || e?.$metadata?.httpStatusCode === 404) return undefined;
      // S3 replaces an object atomically; s3rver (the local stack) rewrites its file in place,
      // so a read racing the emitter's write can see half a record or a short body: read again.
      if (attempt < 5) {
        await new Promise((r) => setTimeout(r, 20 * attempt));
        continue;
      }
      throw err;
    }
  }
}

/** Segments finished so far (each writes its result file). */
export async function segmentsDone(rt: Runtime, jobId: string): Promise<number> {
  return (await listKeys(rt.s3, rt.config.WORK_BUCKET, keys.segmentResultsPrefix(jobId))).length;
}

/** The most recent job records, newest first. */
export async function listJobRecords(rt: Runtime, limit: number): Promise<JobRecord[]> {
  const found = await listKeys(rt.s3, rt.config.WORK_BUCKET, keys.recordsPrefix());
  const recs = await Promise.all(found.map((k) => getJson<JobRecord>(rt.s3, { bucket: rt.config.WORK_BUCKET, key: k.key })));
  return recs.sort((a, b) => b.submittedAt.localeCompare(a.submittedAt)).slice(0, limit);
}
