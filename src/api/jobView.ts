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
  /** 0-100 from the segments; 100 once COMPLETE; kept when CANCELED; null after an ERROR. */
  percent: number | null;
  /** What the job is doing (TRANSCODING, ASSEMBLING, PUBLISHING); null when not running. */
  phase: string | null;
}

/** The record's public fields (not its execution ARN), plus progress, outputs and the error. */
export type JobView = Pick<
  JobRecord,
  'jobId' | 'status' | 'source' | 'preset' | 'clip' | 'correlationId' | 'userMetadata' | 'submittedAt' | 'updatedAt'
> & {
  progress: JobProgress;
  outputs: PublishedOutput[];
  error: { code: string; message: string } | null;
};

export type JobSummary = Omit<JobView, 'progress' | 'outputs' | 'userMetadata'>;

/** Error messages may quote a presigned URL (ffmpeg names its input): never hand one out. */
function redact(e: { code: string; message: string }): { code: string; message: string } {
  return { code: e.code, message: e.message.replace(/\b(https?|s3):\/\/[^\s"')]+\?[^\s"')]*/gi, '<source URL>') };
}

/**
 * Progress of a record: segments done as recorded by the last segment function that announced
 * progress (a 10 % step or 60 s; src/pipeline/progress.ts). Never more done than planned; a
 * CANCELED job keeps the percent it had reached; the phase is the one recorded (TRANSCODING,
 * then ASSEMBLING and PUBLISHING: src/pipeline/phase.ts).
 */
export function progressOf(rec: JobRecord): JobProgress {
  const total = rec.segmentsTotal && rec.segmentsTotal > 0 ? rec.segmentsTotal : null;
  const clamp = (done: number) => (total !== null ? Math.min(done, total) : done);
  switch (rec.status) {
    case 'COMPLETE':
      return { segmentsDone: total, segmentsTotal: total, percent: 100, phase: null };
    case 'ERROR':
      return {
        segmentsDone: rec.segmentsDone !== undefined ? clamp(rec.segmentsDone) : null,
        segmentsTotal: total,
        percent: null,
        phase: null,
      };
    case 'CANCELED': {
      const done = rec.segmentsDone !== undefined ? clamp(rec.segmentsDone) : null;
      const percent = total !== null && done !== null ? percentOf(done, total) : (rec.percent ?? 0);
      return { segmentsDone: done, segmentsTotal: total, percent, phase: null };
    }
    case 'SUBMITTED':
      return { segmentsDone: 0, segmentsTotal: total, percent: 0, phase: null };
    case 'PROGRESSING': {
      const d = clamp(rec.segmentsDone ?? 0);
      return {
        segmentsDone: d,
        segmentsTotal: total,
        percent: total !== null ? percentOf(d, total) : 0,
        phase: rec.phase ?? 'TRANSCODING',
      };
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
