/**
 * One pipeline repetition on the local stack (in a fresh child process) and its breakdown by
 * step, derived from the handlers' own JSON log records: the step wrapper logs each step's
 * duration as `ms` when it ends, and the steps log their ffmpeg times and byte counts.
 */
import path from 'node:path';
import type { CpuSeconds, RoleCpu } from './proc.js';
import { runBenchChild } from './proc.js';
import type { LogRecord, PipelineChildResult } from './child-pipeline.js';

/** Start and end (epoch ms) of one handler call. */
interface Span {
  start: number;
  end: number;
}

/** Seconds per step of one run; `criticalPathSec` adds the steps in the order they block. */
export interface StepBreakdown {
  /** Upload to the ingest bucket, the object-created trigger and the execution start. */
  uploadIngestSec: number;
  probeSec: number;
  planSec: number;
  /** The PROGRESSING event after Plan and the COMPLETE event before Cleanup. */
  eventsSec: number;
  splitSec: number;
  segments: {
    count: number;
    /** Each segment's whole handler time (manifest read, download, encode, frame checks, uploads). */
    perSegmentSec: number[];
    /** ffmpeg's share of each segment (the encode alone). */
    encodeSec: number[];
    /** The rest of each segment: manifest read, download, frame checks, uploads. */
    overheadSec: number[];
    /** First segment start to last segment end: the Map's span on this machine. */
    mapSpanSec: number;
  };
  audioSec: number;
  thumbnailsSec: number;
  concatSec: number;
  publishSec: number;
  cleanupSec: number;
  criticalPathSec: number;
  wallSec: number;
  /** Wall time no step accounts for: state transitions, the runner, waits between states. */
  orchestrationSec: number;
  /**
   * Pieces Split uploaded and bytes Concat wrote. (The split log's own byte count is not used:
   * it sums with `bytes += await ...` across concurrent uploads and loses updates.)
   */
  bytes: { splitFiles: number; videoOutputs: number };
}

/** One measured pipeline run. */
export interface PipelineRun {
  wallSec: number;
  /** Job CPU: ffmpeg children plus the Node process (s3rver, SDK, handlers, sharp). */
  cpu: { ffmpeg: CpuSeconds; node: CpuSeconds; total: CpuSeconds };
  /** The child's whole process tree, Node and TypeScript start-up included. */
  treeCpu: CpuSeconds;
  /** ffmpeg and ffprobe processes the job started. */
  processes: Record<string, number>;
  /** Their CPU and wall time by role (video encode, audio, thumbnails, probes, checks). */
  roles: Record<string, RoleCpu>;
  /** The Node process's CPU : main thread and other threads, job only. */
  nodeThreads: Record<string, number>;
  steps: StepBreakdown;
  /** State changes seen through the local stack's progress events, seconds after the upload began. */
  states: { atSec: number; step: string }[];
}

const sec = (ms: number) => ms / 1000;

function spansOf(logs: LogRecord[], step: string): Span[] {
  return logs
    .filter((l) => l.msg === 'step succeeded' && l.step === step)
    .map((l) => {
      const end = Date.parse(l.time);
      return { start: end - Number(l.ms), end };
    });
}

const dur = (s: Span[]) => s.reduce((a, x) => a + sec(x.end - x.start), 0);
const num = (logs: LogRecord[], msg: string, field: string) => logs.filter((l) => l.msg === msg).reduce((a, l) => a + Number(l[field] ?? 0), 0);

/** Derives the per-step breakdown of a run from its log records. */
export function breakdown(r: PipelineChildResult): StepBreakdown {
  const { logs } = r;
  const one = (step: string) => {
    const s = spansOf(logs, step);
    if (s.length === 0) throw new Error(`no "step succeeded" record for ${step}: the step wrapper's debug log is the timing source`);
    return s;
  };
  const probe = one('probe');
  const segs = one('transcodeSegment');
  const segDone = logs.filter((l) => l.msg === 'segment done');
  // Audio is encoded in chunks inside the segment workers now: no whole-range audio step.
  const audio = spansOf(logs, 'encodeAudio');
  const thumbs = one('thumbnails');
  const mapSpanSec = sec(Math.max(...segs.map((s) => s.end)) - Math.min(...segs.map((s) => s.start)));
  const steps = {
    uploadIngestSec: sec(probe[0].start - r.startedAtMs),
    probeSec: dur(probe),
    planSec: dur(one('plan')),
    eventsSec: dur(one('emitEvent')),
    // No split when the segments read the source by range (MP4/MOV).
    splitSec: dur(spansOf(logs, 'split')),
    audioSec: dur(audio),
    thumbnailsSec: dur(thumbs),
    // The package step (manifests and progressive MP4s by byte join) in place of concat.
    concatSec: dur(one('assemble')),
    publishSec: dur(one('publish')),
    cleanupSec: dur(one('cleanup')),
  };
  // Segments, audio and thumbnails are the three branches of the Parallel state.
  const encodePhase = Math.max(mapSpanSec, steps.audioSec, steps.thumbnailsSec);
  const criticalPathSec =
    steps.uploadIngestSec + steps.probeSec + steps.planSec + steps.eventsSec + steps.splitSec + encodePhase + steps.concatSec + steps.publishSec + steps.cleanupSec;
  return {
    ...steps,
    segments: {
      count: segs.length,
      perSegmentSec: segs.map((s) => sec(s.end - s.start)),
      encodeSec: segDone.map((l) => sec(Number(l.encodeMs))),
      overheadSec: segDone.map((l) => sec(Number(l.totalMs) - Number(l.encodeMs))),
      mapSpanSec,
    },
    criticalPathSec,
    wallSec: r.wallSec,
    orchestrationSec: r.wallSec - criticalPathSec,
    bytes: { splitFiles: num(logs, 'split', 'files'), videoOutputs: num(logs, 'mp4 file joined', 'sizeBytes') },
  };
}

/** Runs one pipeline repetition in a fresh Node process on a fresh local stack. */
export async function runPipeline(file: string, preset: string, workDir: string): Promise<PipelineRun> {
  const dataDir = path.resolve(workDir, `stack-${Date.now()}`);
  const r = await runBenchChild<PipelineChildResult>('./child-pipeline.ts', [path.resolve(file), dataDir, preset]);
  if (r.result.status !== 'COMPLETE') {
    const err = r.result.logs.find((l) => l.level === 'error');
    throw new Error(`pipeline run ended ${r.result.status}: ${JSON.stringify(err?.error ?? err)}`);
  }
  const { wallSec, cpu, processes, roles, nodeThreads, startedAtMs, states } = r.result;
  return { wallSec, cpu, treeCpu: r.treeCpu, processes, roles, nodeThreads, steps: breakdown(r.result), states: states.map((m) => ({ atSec: sec(m.atMs - startedAtMs), step: m.step })) };
}
