/**
 * The cloud critical path of a job with one Lambda per segment, modelled from step times
 * measured on this machine. Every assumption is a named number in CLOUD_ASSUMPTIONS and is
 * written next to the result.
 */
import type { StepBreakdown } from './pipeline.js';
import type { OneCoreTimes } from './oneCore.js';
import { median } from './stats.js';

/** What the model assumes about AWS, relative to this machine. */
export interface CloudAssumptions {
  /** Cold start of one function with the ffmpeg layer (s), paid by every function on the path. */
  coldStartSec: number;
  /** S3 throughput of one function (MB/s), reads and writes alike. */
  s3MBps: number;
  /** Memory of the segment function (serverless.yml transcodeMemoryMb) and MB per vCPU. */
  transcodeMemoryMb: number;
  lambdaMbPerVcpu: number;
  /** Speed of one Lambda vCPU relative to one core of this machine. */
  vcpuSpeedVsLocalCore: number;
  /** Step Functions: per state transition on the critical path (s), and the Distributed Map's start (s). */
  transitionSec: number;
  transitionsOnPath: number;
  mapStartSec: number;
}

/** Defaults, with where each number comes from in the doc (docs/BENCHMARKS.md). */
export const CLOUD_ASSUMPTIONS: CloudAssumptions = {
  coldStartSec: 1.0,
  s3MBps: 75,
  transcodeMemoryMb: 3008,
  lambdaMbPerVcpu: 1769,
  vcpuSpeedVsLocalCore: 1.0,
  transitionSec: 0.05,
  transitionsOnPath: 12,
  mapStartSec: 1.0,
};

/**
 * The same machine-measured work with cold starts, S3 transfers and state transitions all
 * free: what no choice of the cloud assumptions can beat.
 */
export const BEST_CASE: CloudAssumptions = { ...CLOUD_ASSUMPTIONS, coldStartSec: 0, s3MBps: Infinity, transitionSec: 0, mapStartSec: 0 };

/** Seconds per term of the modelled cloud critical path. */
export interface CloudModel {
  durationSec: number;
  segments: number;
  terms: {
    probe: number;
    plan: number;
    split: number;
    mapStart: number;
    segment: number;
    audio: number;
    thumbnails: number;
    /** max(segment, audio, thumbnails): the Parallel state. */
    encodePhase: number;
    concat: number;
    publish: number;
    transitions: number;
  };
  criticalPathSec: number;
  /** The plain single-process transcode of the same duration on this machine. */
  plainSec: number;
  speedup: number;
}

/** Inputs the model takes from one measured source. */
export interface ModelInput {
  steps: StepBreakdown;
  /** Duration and bytes of the measured source. */
  sourceSec: number;
  sourceBytes: number;
  plainWallSec: number;
  /** The segment, audio and thumbnail encodes measured alone on one core. */
  oneCore: OneCoreTimes;
}

/**
 * Models the job for a source of `durationSec` like the measured one (same resolution and
 * bitrate). Whole-file steps (probe, plan, split, audio, thumbnails, concat, publish) and the
 * plain run scale linearly with duration; segments keep their length, so their number scales
 * and each one's time does not. Segment, audio and thumbnail encodes come from runs alone on
 * one core (in the pipeline run they shared two cores), the segment's rescaled to the
 * function's vCPUs; its handler overhead (manifest, download, frame checks, uploads) comes
 * from the pipeline run. Each function on the path adds a cold start and moves its bytes
 * through S3 at `s3MBps`, on top of the measured time (which already includes moving them
 * through the local s3rver: counted twice, on the safe side).
 */
export function modelCloud(m: ModelInput, durationSec: number, a: CloudAssumptions = CLOUD_ASSUMPTIONS): CloudModel {
  const k = durationSec / m.sourceSec;
  const s = m.steps;
  const n = s.segments.count;
  const segments = Math.ceil(n * k);
  const mb = (bytes: number) => bytes / 1e6 / a.s3MBps;
  const src = m.sourceBytes * k;
  const video = s.bytes.videoOutputs * k;
  const lambdaVcpu = a.transcodeMemoryMb / a.lambdaMbPerVcpu;
  // The longest segment's encode on one core, spread over the function's vCPUs (x264 runs a
  // thread pool per rendition: assumed to scale linearly up to 1.7 vCPU).
  const segmentCompute = m.oneCore.segment.sec / (lambdaVcpu * a.vcpuSpeedVsLocalCore);
  const overhead = median(s.segments.overheadSec);
  const segment = a.coldStartSec + segmentCompute + overhead + mb(m.oneCore.splitBytes / n + s.bytes.videoOutputs / n);
  // Audio and thumbnails functions have 1769 MB: one vCPU, as measured.
  const audio = a.coldStartSec + (m.oneCore.audioSec / a.vcpuSpeedVsLocalCore) * k + mb(src);
  const thumbnails = a.coldStartSec + (m.oneCore.thumbnailsSec / a.vcpuSpeedVsLocalCore) * k + mb(src);
  const terms = {
    probe: a.coldStartSec + s.probeSec * k + mb(src),
    plan: a.coldStartSec + s.planSec * k,
    // Reads the source, writes the pieces (about the source's size).
    split: a.coldStartSec + s.splitSec * k + mb(2 * src),
    mapStart: a.mapStartSec,
    segment,
    audio,
    thumbnails,
    encodePhase: Math.max(segment, audio, thumbnails),
    // Reads every rendition's pieces, writes the joined renditions.
    concat: a.coldStartSec + s.concatSec * k + mb(2 * video),
    publish: a.coldStartSec + s.publishSec * k,
    transitions: a.transitionSec * a.transitionsOnPath,
  };
  const criticalPathSec = terms.probe + terms.plan + terms.split + terms.mapStart + terms.encodePhase + terms.concat + terms.publish + terms.transitions;
  const plainSec = m.plainWallSec * k;
  return { durationSec, segments, terms, criticalPathSec, plainSec, speedup: plainSec / criticalPathSec };
}

/**
 * The same model when the Map may run only `mapConcurrency` segments at once (the deployed
 * MAP_MAX_CONCURRENCY): the segments then run in waves, each as long as the slowest segment.
 */
export function withMapConcurrency(m: CloudModel, mapConcurrency: number): { mapConcurrency: number; criticalPathSec: number; speedup: number } {
  const waves = Math.ceil(m.segments / mapConcurrency);
  const encodePhase = Math.max(m.terms.segment * waves, m.terms.audio, m.terms.thumbnails);
  const criticalPathSec = m.criticalPathSec - m.terms.encodePhase + encodePhase;
  return { mapConcurrency, criticalPathSec, speedup: m.plainSec / criticalPathSec };
}
