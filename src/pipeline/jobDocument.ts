import type { MediaInfo, PacketIndex } from '../media/probe/probe.js';
import type { Plan } from '../media/plan/plan.js';
import type { Preset, Rendition } from '../media/plan/presets.js';
import type { ColourPlan } from '../media/encode/colour.js';
import type { Runtime } from '../runtime.js';
import type { AudioChunk } from '../media/encode/cmaf.js';
import type { AudioOutput, TextOutput } from '../media/plan/tracks.js';
import type { SegmentStills } from '../media/stills/stills.js';
import type { PieceFacts } from '../media/package/package.js';
import type { SegmentVerify } from './verify.js';
import type { OutputFormat } from './job.js';
import { getJson } from '../aws/s3.js';
import { keys } from './job.js';
import type { InvocationMeter } from '../cost/schema.js';

/** The full probe, kept in S3 (far too large for the state). */
export interface ProbeDocument {
  info: MediaInfo;
  packets: PacketIndex;
  /** Where the packet index came from: the moov's sample tables (bytes read) or every packet. */
  index:
    | { from: 'moov'; bytesRead: number; moovBytes: number; ms: number }
    | { from: 'packets'; reason: string; ms: number };
  /** The video stream has B-frames (ffmpeg's seek by dts moves back for them). */
  videoDelay: boolean;
}

/** Everything the workers need, written once by Plan; the Map gets only indices. */
export interface JobDocument {
  jobId: string;
  source: { bucket: string; key: string };
  /** Size of the source object (scratch-space estimates). */
  sourceBytes: number;
  preset: Preset;
  renditions: Rendition[];
  plan: Plan;
  video: MediaInfo['video'];
  audio: MediaInfo['audio'];
  thumbnailIntervalSec: number;
  /** The poster and the sprite's tiles, per segment: each worker takes its own from the frames it decodes. */
  stills: SegmentStills[];
  /** SDR, tone-mapped HDR or kept HDR (colour.ts); absent in manifests of older planners: SDR. */
  colour?: ColourPlan;
  /** The formats the job publishes (the CMAF pieces are made for any of them). */
  outputs: OutputFormat[];
  /** How segment i reads the source by range (plan.read.mode `range`): seek and frame selection. */
  segmentReads?: { seek?: string; select: string; input?: { at: number; length: number } }[];
  /**
   * Segments read their own bytes (segmentInput.ts): the fragmented init made from the source's
   * moov and the object of per-segment records (`input` of segmentReads places each), or why
   * segments read the presigned URL instead.
   */
  segmentInput?: { init: string; records: string } | { reason: string };
  /** The audio chunks (the same cuts for every audio track), each encoded by the worker of segment `segment`. */
  audioChunks: (AudioChunk & { segment: number })[];
  /** Every audio track the package carries, the default first (its id is `audio`). */
  audioOutputs: AudioOutput[];
  /** Every text subtitle track the package carries (WebVTT sidecars, mov_text in the MP4s). */
  textOutputs: TextOutput[];
  /** Every audio and subtitle track of the source (the probe's list). */
  tracks?: MediaInfo['tracks'];
  /** The ffmpeg that encodes this job (its version is named in the COMPLETE event). */
  ffmpegVersion?: string;
}

/** What one segment worker reports of its pieces (the package step builds manifests from it). */
export interface SegmentResult {
  index: number;
  frames: number;
  /** Seconds of media this segment covers. */
  durationSec: number;
  /** Per rendition, and per audio track id (`audio`, `audio2`, ...) for the chunks this worker encoded. */
  pieces: Record<string, PieceFacts[]>;
  encodeMs: number;
  totalMs: number;
  /** What the worker verified of its pieces (frame times, keyframe, quality): verify.ts. */
  verify?: SegmentVerify;
  /** What the segment's Lambda invocation used up to this result's write (src/cost); absent from the ECS worker. */
  meter?: InvocationMeter;
}

/** One rendition as the package step made it (the COMPLETE event's figures). */
export interface RenditionResult {
  name: string;
  /** The progressive MP4's name under the output prefix (when mp4 is an output). */
  file?: string;
  width: number;
  height: number;
  durationMs: number;
  frames: number;
  /** The progressive MP4's size. */
  sizeBytes?: number;
  codec: string;
  peakBitrate: number;
  averageBitrate: number;
}

/** Reads the manifest of a job. */
export const readJobDocument = (rt: Runtime, jobId: string) =>
  getJson<JobDocument>(rt.s3, { bucket: rt.config.WORK_BUCKET, key: keys.jobDocument(jobId) });
