/**
 * Split and concat throughput against a plain copy of the same bytes. Both stream-copy
 * steps are run with the pipeline's own argument builders on local files (no S3), so what
 * is measured is ffmpeg's remuxing, not the network.
 */
import path from 'node:path';
import { copyFile, mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { buildSplitArgs } from '../../src/media/args.js';
import { buildConcatArgs, buildConcatList, pieceDurations } from './legacyArgs.js';
import { planSegments, type Plan } from '../../src/media/plan.js';
import { resolveBinaries } from '../../src/media/binaries.js';
import { runAccounted } from './proc.js';
import { probePackets, type Source } from './plain.js';
import { median } from './stats.js';

/** Throughput of one operation and of copying the same bytes. */
export interface CopyComparison {
  bytes: number;
  /** Median seconds over the repetitions. */
  sec: number;
  mbPerSec: number;
  copyFileMbPerSec: number;
  cpMbPerSec: number;
  /** mbPerSec over the faster of the two copies (the target is >= 0.5). */
  ratioToCopy: number;
  /** Throughput once ffmpeg's fixed start-up (loading the binary and its libraries) is taken out. */
  mbPerSecExStartup: number;
}

/** Split and concat of one source. */
export interface ThroughputResult {
  source: string;
  repetitions: number;
  pieces: number;
  /** Median wall seconds of `ffmpeg -version`: the fixed cost of every ffmpeg process. */
  ffmpegStartupSec: number;
  /** Median CPU seconds of `ffmpeg -version` and `ffprobe -version` (loading the binary and its libraries). */
  startupCpuSec: { ffmpeg: number; ffprobe: number };
  split: CopyComparison;
  concat: CopyComparison;
}

const MB = 1e6;

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return (performance.now() - t) / 1000;
}

/** Median seconds of fs.copyFile and of `cp` for one file (page cache warm, as for ffmpeg). */
async function copyTimes(file: string, dir: string, reps: number): Promise<{ copyFile: number; cp: number }> {
  const dest = path.join(dir, 'copy.bin');
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < reps; i++) {
    a.push(await timed(() => copyFile(file, dest)));
    await rm(dest);
    b.push(await timed(() => runAccounted('cp', [file, dest])));
    await rm(dest);
  }
  return { copyFile: median(a), cp: median(b) };
}

function compare(bytes: number, times: number[], copy: { copyFile: number; cp: number }, startup: number): CopyComparison {
  const sec = median(times);
  const mbPerSec = bytes / MB / sec;
  const copyFileMbPerSec = bytes / MB / copy.copyFile;
  const cpMbPerSec = bytes / MB / copy.cp;
  return {
    bytes,
    sec,
    mbPerSec,
    copyFileMbPerSec,
    cpMbPerSec,
    ratioToCopy: mbPerSec / Math.max(copyFileMbPerSec, cpMbPerSec),
    mbPerSecExStartup: bytes / MB / Math.max(sec - startup, 1e-3),
  };
}

/** The pipeline's plan of a local source and its split into pieces (Plan and Split, no S3). */
export interface SplitSource {
  plan: Plan;
  pieces: string[];
  /** The split's ffmpeg arguments, to run it again. */
  args: string[];
}

/** Plans the source as the Plan step does and splits it as the Split step does, into `dir`. */
export async function splitSource(source: Source, segmentSeconds: number, dir: string): Promise<SplitSource> {
  const packets = await probePackets(source);
  const plan = planSegments(packets, source.info.video.timeBase, { segmentSeconds });
  await mkdir(dir, { recursive: true });
  const args = buildSplitArgs({ input: source.file, videoStream: source.info.video.index, splitFrames: plan.splitFrames, pattern: path.join(dir, 'split_%05d.nut') });
  await runAccounted(resolveBinaries(process.env).ffmpeg, args);
  const pieces = (await readdir(dir)).filter((f) => f.startsWith('split_')).sort().map((f) => path.join(dir, f));
  return { plan, pieces, args };
}

/**
 * Splits the source at the pipeline's planned cut points (bytes: the source read), then joins
 * the pieces with the audio into one MP4 as Concat does (bytes: the MP4 written); each against
 * copying a file of those bytes.
 */
export async function measureThroughput(source: Source, segmentSeconds: number, workDir: string, reps: number): Promise<ThroughputResult> {
  const dir = path.resolve(workDir, 'throughput');
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const ffmpeg = resolveBinaries(process.env).ffmpeg;
  const piecesDir = path.join(dir, 'pieces');
  // The first split also warms the page cache: ffmpeg and the copies then all read from memory.
  const { plan, pieces, args: splitArgs } = await splitSource(source, segmentSeconds, piecesDir);
  const splitTimes: number[] = [];
  for (let i = 0; i < reps; i++) {
    await Promise.all(pieces.map((p) => rm(p)));
    splitTimes.push((await runAccounted(ffmpeg, splitArgs)).wallMs / 1000);
  }

  // The audio the Concat step muxes in, here a stream copy of the source's (not timed).
  let audio: string | undefined;
  if (source.info.audio) {
    audio = path.join(dir, 'audio.m4a');
    await runAccounted(ffmpeg, ['-hide_banner', '-nostdin', '-y', '-loglevel', 'error', '-i', source.file, '-map', `0:${source.info.audio.index}`, '-c', 'copy', audio]);
  }
  // Each piece's exact duration, as Concat writes it, when pieces and segments match one to one.
  const tick = plan.timeBase.num / plan.timeBase.den;
  const durations = plan.segments.length === pieces.length ? pieceDurations(plan.segments.map((s) => s.startPts), tick) : [];
  const list = path.join(dir, 'pieces.ffconcat');
  await writeFile(list, buildConcatList(pieces.map((file, i) => ({ file, durationSec: durations[i] }))));
  const joined = path.join(dir, 'joined.mp4');
  const concatTimes: number[] = [];
  for (let i = 0; i < reps; i++) {
    await rm(joined, { force: true });
    concatTimes.push((await runAccounted(ffmpeg, buildConcatArgs({ list, audio, output: joined }))).wallMs / 1000);
  }

  const startups: number[] = [];
  const cpu: { ffmpeg: number[]; ffprobe: number[] } = { ffmpeg: [], ffprobe: [] };
  for (let i = 0; i < 5; i++) {
    const r = await runAccounted(ffmpeg, ['-hide_banner', '-loglevel', 'error', '-version']);
    startups.push(r.wallMs / 1000);
    cpu.ffmpeg.push(r.treeCpu.total);
    cpu.ffprobe.push((await runAccounted(resolveBinaries(process.env).ffprobe, ['-hide_banner', '-loglevel', 'error', '-version'])).treeCpu.total);
  }
  const startup = median(startups);
  const result: ThroughputResult = {
    source: source.label,
    repetitions: reps,
    pieces: pieces.length,
    ffmpegStartupSec: startup,
    startupCpuSec: { ffmpeg: median(cpu.ffmpeg), ffprobe: median(cpu.ffprobe) },
    split: compare((await stat(source.file)).size, splitTimes, await copyTimes(source.file, dir, reps), startup),
    concat: compare((await stat(joined)).size, concatTimes, await copyTimes(joined, dir, reps), startup),
  };
  await rm(dir, { recursive: true, force: true });
  return result;
}
