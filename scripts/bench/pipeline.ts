/**
 * One pipeline repetition on the local stack (in fresh child processes) and its breakdown by
 * function, derived from the handlers' own JSON log records: the function wrapper logs each
 * invocation's duration as `ms` when it ends (`step succeeded`), and the segment function logs
 * its ffmpeg time (`segment done`). The breakdown reads whatever functions the log names, so a
 * renamed or added function shows up as it is.
 */
import path from 'node:path';
import type { RoleCpu } from './proc.js';
import { runBenchChild } from './proc.js';
import type { JobCpu, LogRecord, PipelineChildResult } from './child-pipeline.js';

/** Start and end (epoch ms) of one handler call. */
interface Span {
  start: number;
  end: number;
}

/** One function's invocations in a job, seconds after the upload began. */
export interface FunctionTimes {
  calls: number;
  /** Summed handler time of its invocations. */
  sumSec: number;
  firstStartSec: number;
  lastEndSec: number;
}

/** Seconds per function of one run. */
export interface StepBreakdown {
  /** Upload to the ingest bucket, the object-created trigger and the execution start: upload start to the first function's start. */
  uploadIngestSec: number;
  /** Every Task function the log names (probe, plan, transcodeSegment, ...). */
  functions: Record<string, FunctionTimes>;
  segments: {
    count: number;
    /** Each segment's whole handler time (reads, encode, checks, uploads). */
    perSegmentSec: number[];
    /** ffmpeg's share of each segment (the encode alone). */
    encodeSec: number[];
    /** The rest of each segment: source reads, fragment checks, uploads. */
    overheadSec: number[];
    /** First segment start to last segment end: the Map's span on this machine. */
    mapSpanSec: number;
  };
  wallSec: number;
  /** Wall time in which no function ran: state transitions, the runner, the trigger, waits between states. */
  idleSec: number;
}

/** One measured pipeline run. */
export interface PipelineRun {
  wallSec: number;
  cpu: JobCpu;
  /** The processes' whole trees, Node and TypeScript start-up included. */
  treeCpu: number;
  /** ffmpeg and ffprobe processes the job started. */
  processes: Record<string, number>;
  /** Their CPU and wall time by role (segment encode, probes, checks). */
  roles: Record<string, RoleCpu>;
  threads: PipelineChildResult['threads'];
  steps: StepBreakdown;
  /** State changes seen through the local stack's progress events, seconds after the upload began. */
  states: { atSec: number; step: string }[];
}

const sec = (ms: number) => ms / 1000;

function spans(logs: LogRecord[]): Map<string, Span[]> {
  const out = new Map<string, Span[]>();
  for (const l of logs) {
    if (l.msg !== 'step succeeded' || typeof l.step !== 'string') continue;
    const end = Date.parse(l.time);
    const list = out.get(l.step) ?? [];
    list.push({ start: end - Number(l.ms), end });
    out.set(l.step, list);
  }
  return out;
}

/** Length of the union of intervals (ms). */
function covered(all: Span[]): number {
  const s = [...all].sort((a, b) => a.start - b.start);
  let total = 0;
  let cur: Span | undefined;
  for (const x of s) {
    if (!cur || x.start > cur.end) {
      if (cur) total += cur.end - cur.start;
      cur = { ...x };
    } else cur.end = Math.max(cur.end, x.end);
  }
  return total + (cur ? cur.end - cur.start : 0);
}

/** Derives the per-function breakdown of a run from its log records. */
export function breakdown(r: PipelineChildResult): StepBreakdown {
  const byFn = spans(r.logs);
  const all = [...byFn.values()].flat();
  if (all.length === 0)
    throw new Error('no "step succeeded" record: the function wrapper\'s info log is the timing source');
  const rel = (ms: number) => sec(ms - r.startedAtMs);
  const functions: Record<string, FunctionTimes> = {};
  for (const [name, s] of byFn) {
    functions[name] = {
      calls: s.length,
      sumSec: s.reduce((a, x) => a + sec(x.end - x.start), 0),
      firstStartSec: rel(Math.min(...s.map((x) => x.start))),
      lastEndSec: rel(Math.max(...s.map((x) => x.end))),
    };
  }
  const segs = byFn.get('transcodeSegment') ?? [];
  const segDone = r.logs.filter((l) => l.msg === 'segment done');
  return {
    uploadIngestSec: rel(Math.min(...all.map((x) => x.start))),
    functions,
    segments: {
      count: segs.length,
      perSegmentSec: segs.map((s) => sec(s.end - s.start)),
      encodeSec: segDone.map((l) => sec(Number(l.encodeMs))),
      overheadSec: segDone.map((l) => sec(Number(l.totalMs) - Number(l.encodeMs))),
      mapSpanSec: segs.length ? sec(Math.max(...segs.map((s) => s.end)) - Math.min(...segs.map((s) => s.start))) : 0,
    },
    wallSec: r.wallSec,
    idleSec: r.wallSec - sec(covered(all)),
  };
}

/** Runs one pipeline repetition in fresh Node processes on a fresh local stack. */
export async function runPipeline(
  file: string,
  preset: string,
  segmentSeconds: number,
  workDir: string,
): Promise<PipelineRun> {
  const dataDir = path.resolve(workDir, `stack-${Date.now()}`);
  const r = await runBenchChild<PipelineChildResult>('./child-pipeline.ts', [
    path.resolve(file),
    dataDir,
    preset,
    String(segmentSeconds),
  ]);
  if (r.result.status !== 'COMPLETE') {
    const err = r.result.logs.find((l) => l.level === 'error');
    throw new Error(`pipeline run ended ${r.result.status}: ${JSON.stringify(err?.error ?? err)}`);
  }
  const { wallSec, cpu, processes, roles, threads, startedAtMs, states } = r.result;
  return {
    wallSec,
    cpu,
    treeCpu: r.treeCpu.total,
    processes,
    roles,
    threads,
    steps: breakdown(r.result),
    states: states.map((m) => ({ atSec: sec(m.atMs - startedAtMs), step: m.step })),
  };
}
