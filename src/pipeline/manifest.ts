import type { MediaInfo, PacketIndex } from '../media/probe.js';
import type { Plan } from '../media/plan.js';
import type { Preset, Rendition } from '../media/presets.js';
import type { ColourPlan } from '../media/colour.js';
import type { Runtime } from '../runtime.js';
import { getJson } from '../aws/s3.js';
import { keys } from './job.js';

/** The full probe, kept in S3 (far too large for the state). */
export interface ProbeDocument {
  info: MediaInfo;
  packets: PacketIndex;
}

/** Everything the workers need, written once by Plan; the Map gets only indices. */
export interface Manifest {
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
  /** SDR, tone-mapped HDR or kept HDR (colour.ts); absent in manifests of older planners: SDR. */
  colour?: ColourPlan;
}

/** One rendition as produced by Concat. */
export interface RenditionResult {
  name: string;
  file: string;
  width: number;
  height: number;
  durationMs: number;
  frames: number;
  sizeBytes: number;
  videoBitrate: number;
}

/** Reads the manifest of a job. */
export const readManifest = (rt: Runtime, jobId: string) => getJson<Manifest>(rt.s3, { bucket: rt.config.WORK_BUCKET, key: keys.manifest(jobId) });
