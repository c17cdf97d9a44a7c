/**
 * What `GET /jobs/{id}` and `GET /jobs` answer, built from the stored job record
 * (src/pipeline/jobStore.ts). The record is written SUBMITTED by the submitter and updated by
 * the event emitter on every state change; while a job is PROGRESSING the segment function
 * that crosses a 10 % step (or finds the last announcement 60 s old) records the segments
 * done as it counted them from S3 (src/pipeline/progress.ts: no write per segment).
 */
import type { JobRecord } from '../pipeline/jobStore.js';
import type { PublishedOutput } from '../pipeline/outputs.js';
import { percentOf } from '../pipeline/progress.js';

export interface JobProgress {
  /** Segments transcoded so far; null when not known (after a failure). */
  segmentsDone: number | null;
  /** Segments of the plan; null until the job is planned. */
  segmentsTotal: number | null;
  /** 0-100 from the segments; 100 once COMPLETE; null when not known. */
  percent: number | null;
  /** What the job is doing (TRANSCODING while segments run); null when not running. */
  phase: string | null;
}

/** The record's public fields (not its execution ARN), plus progress, outputs and the error. */
export type JobView = Pick<JobRecord, 'jobId' | 'status' | 'source' | 'preset' | 'clip' | 'correlationId' | 'userMetadata' | 'submittedAt' | 'updatedAt'> & {
  progress: JobProgress;
  outputs: PublishedOutput[];
  error: { code: string; message: string } | null;
};

export type JobSummary = Omit<JobView, 'progress' | 'outputs' | 'userMetadata'>;

/** Error messages may quote a presigned URL (ffmpeg names its input): never hand one out. */
function redact(e: { code: string; message: string }): { code: string; message: string } {
  return { code: e.code, message: e.message.replace(/\b(https?|s3):\/\/[^\s"')]+\?[^\s"')]*/gi, '<source URL>') };
}

/** Progress of a record (segments done as last recorded by a segment function that announced progress). */
export function progressOf(rec: JobRecord): JobProgress {
  const total = rec.segmentsTotal && rec.segmentsTotal > 0 ? rec.segmentsTotal : null;
  switch (rec.status) {
    case 'COMPLETE':
      return { segmentsDone: total, segmentsTotal: total, percent: 100, phase: null };
    case 'ERROR':
    case 'CANCELED':
      return { segmentsDone: rec.segmentsDone ?? null, segmentsTotal: total, percent: null, phase: null };
    case 'SUBMITTED':
      return { segmentsDone: 0, segmentsTotal: total, percent: 0, phase: null };
    case 'PROGRESSING': {
      const done = rec.segmentsDone ?? 0;
      const d = total !== null ? Math.min(done, total) : done;
      return { segmentsDone: d, segmentsTotal: total, percent: total !== null ? percentOf(d, total) : 0, phase: rec.phase ?? 'TRANSCODING' };
    }
  }
}


/** The full view of one job. */
export function toJobView(rec: JobRecord): JobView {
  return {
    ...toJobSummary(rec),
    userMetadata: rec.userMetadata ?? {},
    progress: progressOf(rec),
    outputs: rec.status === 'COMPLETE' ? (rec.outputs ?? []) : [],
  };
}

/** The short form listed by `GET /jobs`. */
export function toJobSummary(rec: JobRecord): JobSummary {
  return {
    jobId: rec.jobId,
    status: rec.status,
    source: rec.source,
    preset: rec.preset,
    ...(rec.clip ? { clip: rec.clip } : {}),
    ...(rec.correlationId ? { correlationId: rec.correlationId } : {}),
    submittedAt: rec.submittedAt,
    updatedAt: rec.updatedAt,
    error: rec.status === 'ERROR' ? redact(rec.error ?? { code: 'INTERNAL', message: 'the job failed' }) : null,
  };
}
