import { describeFailure } from '../errors.js';
import type { EventEntry } from '../aws/events.js';
import type { PublishedOutput, TracksReport } from './outputs.js';
import type { EventStatus, JobInput } from './job.js';
import type { EncoderInfo } from '../media/plan/encoders.js';
import type { VerificationReport } from './verify.js';
import { FORMATS } from '../formats/registry.js';
import { JobCostSchema, type JobCost } from '../cost/schema.js';

/** COMPLETE: `detail.cost`, the schema every COMPLETE event's cost satisfies (docs/COST.md). */
export { JobCostSchema };

/** The detail-type of every job event (consumers' EventBridge rules match it). */
export const DETAIL_TYPE = 'Transcode Job State Change';

/** COMPLETE: which engine encoded the segments; after a fallback, from what and why. */
export interface EngineReport {
  segments: 'lambda' | 'ecs';
  fallbackFrom?: 'lambda';
  /** The error that sent the job to ECS (Sandbox.Timedout, Runtime.OutOfMemory, ...). */
  reason?: string;
}

/** `detail` of a job event, shaped like MediaConvert's so existing consumers read it. */
export interface JobEventDetail {
  status: EventStatus;
  jobId: string;
  timestamp: number;
  queue: string;
  source: string;
  correlationId?: string;
  userMetadata: Record<string, string>;
  timing: { submitTime: string; startTime?: string; finishTime?: string };
  outputGroupDetails?: {
    type: 'HLS_GROUP' | 'DASH_ISO_GROUP' | 'FILE_GROUP';
    /** The master playlist or MPD of a streaming group. */
    playlistFilePaths?: string[];
    outputDetails: {
      outputFilePaths: string[];
      durationInMs?: number;
      videoDetails?: { widthInPx: number; heightInPx: number };
    }[];
  }[];
  outputs?: PublishedOutput[];
  errorCode?: string;
  errorMessage?: string;
  progress?: { step: string; segmentsDone?: number; segmentsTotal?: number; engine?: 'lambda' | 'ecs' };
  engine?: EngineReport;
  /** STATUS_UPDATE (MediaConvert's fields). */
  jobPercentComplete?: number;
  currentPhase?: 'PROBING' | 'TRANSCODING' | 'UPLOADING';
  /** COMPLETE (and ERROR once the source was probed): the ffmpeg build that did the work. */
  encoder?: EncoderInfo;
  /** COMPLETE: the source's audio and subtitle tracks, kept and skipped. */
  tracks?: TracksReport;
  /** COMPLETE: what the job verified of each rendition before publishing it (src/pipeline/verify.ts). */
  verification?: VerificationReport;
  /** COMPLETE: what the job cost, per step and in total, with a USD estimate (docs/COST.md). */
  cost?: JobCost;
}

/** Builds a job event for PutEvents. */
export function buildJobEvent(p: {
  status: EventStatus;
  job: Pick<JobInput, 'jobId' | 'source' | 'correlationId' | 'userMetadata' | 'submittedAt'>;
  source: string;
  busName: string;
  executionArn?: string;
  startTime?: string;
  now?: Date;
  outputs?: PublishedOutput[];
  error?: { Error?: string; Cause?: unknown };
  progress?: JobEventDetail['progress'];
  encoder?: EncoderInfo;
  tracks?: TracksReport;
  verification?: VerificationReport;
  statusUpdate?: Pick<Required<JobEventDetail>, 'jobPercentComplete' | 'currentPhase'>;
  engine?: EngineReport;
  cost?: JobCost;
}): EventEntry {
  const now = p.now ?? new Date();
  const detail: JobEventDetail = {
    status: p.status,
    jobId: p.job.jobId,
    timestamp: now.getTime(),
    queue: 'media-transcoder',
    source: `s3://${p.job.source.bucket}/${p.job.source.key}`,
    ...(p.job.correlationId ? { correlationId: p.job.correlationId } : {}),
    userMetadata: p.job.userMetadata ?? {},
    timing: {
      submitTime: p.job.submittedAt,
      ...(p.startTime ? { startTime: p.startTime } : {}),
      ...(p.status !== 'PROGRESSING' && p.status !== 'STATUS_UPDATE' ? { finishTime: now.toISOString() } : {}),
    },
  };
  if (p.status === 'COMPLETE') {
    const outputs = p.outputs ?? [];
    const details = (list: PublishedOutput[], paths: (o: PublishedOutput) => string[]) =>
      list.map((v) => ({
        outputFilePaths: paths(v),
        ...(v.durationMs !== undefined ? { durationInMs: v.durationMs } : {}),
        ...(v.width && v.height ? { videoDetails: { widthInPx: v.width, heightInPx: v.height } } : {}),
      }));
    // Each rendition once, with its facts (from its CMAF folder or its download), in listing order.
    const renditions = [...new Map(outputs.filter((o) => o.rendition).map((o) => [o.rendition!, o] as const)).values()];
    const byName = new Map(outputs.map((o) => [o.name, o]));
    const groups: NonNullable<JobEventDetail['outputGroupDetails']> = [];
    // One group per format published: its entry point, and per rendition the file it plays from.
    for (const f of FORMATS) {
      const entry = f.group.entry === undefined ? undefined : byName.get(f.group.entry);
      const files = renditions.filter((r) => byName.has(f.group.renditionFile(r.rendition!)));
      if (f.group.entry === undefined ? files.length === 0 : !entry) continue;
      groups.push({
        type: f.group.type,
        ...(entry ? { playlistFilePaths: [entry.uri] } : {}),
        outputDetails: details(files, (r) => [byName.get(f.group.renditionFile(r.rendition!))!.uri]),
      });
    }
    if (groups.length === 0) groups.push({ type: 'FILE_GROUP', outputDetails: [] });
    detail.outputGroupDetails = groups;
    detail.outputs = outputs;
  }
  if (p.status === 'ERROR') {
    const f = describeFailure(p.error?.Error, p.error?.Cause);
    detail.errorCode = f.code;
    detail.errorMessage = f.message;
  }
  if (p.statusUpdate) Object.assign(detail, p.statusUpdate);
  if (p.engine) detail.engine = p.engine;
  if (p.progress) detail.progress = p.progress;
  if (p.encoder && p.status !== 'PROGRESSING') detail.encoder = p.encoder;
  if (p.tracks && p.status === 'COMPLETE') detail.tracks = p.tracks;
  if (p.verification && p.status === 'COMPLETE') detail.verification = p.verification;
  if (p.cost && p.status === 'COMPLETE') detail.cost = JobCostSchema.parse(p.cost);
  return {
    Source: p.source,
    DetailType: DETAIL_TYPE,
    Detail: JSON.stringify(detail),
    EventBusName: p.busName,
    Resources: p.executionArn ? [p.executionArn] : [],
    Time: now,
  };
}
