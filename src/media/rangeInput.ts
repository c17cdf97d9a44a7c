/**
 * Reading a segment straight from the source by range, instead of from a split piece: the
 * segment worker's ffmpeg opens the presigned URL, seeks through the container's index to the
 * segment's first packet (a clean keyframe), decodes from there with the source's own
 * timestamps (-copyts), keeps exactly the planned frames and stops after them. Nothing rewrites
 * the source and no split pass runs before the Map. Pure builders; the runner is elsewhere.
 */
import type { PacketIndex, Rational } from './probe.js';
import type { ReadMode, Segment } from './plan.js';
import { protocolWhitelist } from './probe.js';
import { SOURCE_FORMATS, PIECE_FORMATS } from './formats.js';
import { buildSegmentEncodeArgs, type EncodeOutput } from './args.js';
import type { Preset } from './presets.js';
import type { ColourPlan } from './colour.js';
import { isMp4Family } from './indexProbe.js';

export type { ReadMode };

/**
 * Chooses range reads where the container has an index ffmpeg seeks by and that was checked
 * (MP4/MOV whose sample tables rebuilt ffprobe's packet index exactly), the split otherwise.
 */
export function chooseReadMode(p: { formatName: string; index: { ok: true } | { ok: false; reason: string }; timeBase: Rational }): ReadMode {
  if (!isMp4Family(p.formatName)) {
    if (/matroska|webm/.test(p.formatName)) return { mode: 'split', reason: `${p.formatName}: seeking by cues not verified frame-exact yet` };
    return { mode: 'split', reason: `${p.formatName}: no cheap index to seek by (raw TS/PS, AVI, others are read whole)` };
  }
  if (!p.index.ok) return { mode: 'split', reason: `MP4/MOV index not usable: ${p.index.reason}` };
  // The seek target is given to ffmpeg in microseconds; a finer time base could land a tick off.
  if (p.timeBase.num / p.timeBase.den < 1e-6) return { mode: 'split', reason: 'time base finer than a microsecond' };
  return { mode: 'range', reason: 'MP4/MOV: segments seek through the sample tables' };
}

/**
 * ffmpeg's seek moves back 3/23 s (integer microseconds) when any input stream has a video
 * delay (B-frames; ffprobe's has_b_frames), so that a seek by dts still reaches the frame shown
 * at the time asked for (fftools' "dts_heuristic").
 */
export const DTS_HEURISTIC_US = Math.floor((3 * 1_000_000) / 23);

/**
 * The `-ss` of a segment that starts at packet `startPacket`: what lands ffmpeg's seek on that
 * keyframe. The MOV seek (-seek_timestamp 1: no start-time offset; -noaccurate_seek: no frame
 * dropped) picks the last keyframe whose dts is at or before the target, so the target is this
 * keyframe's dts rounded up to the microsecond ffmpeg parses, plus what ffmpeg takes off when
 * the stream has B-frames. A landing on an earlier keyframe (a wrong `videoDelay`) only costs
 * decoding, since frames are selected by timestamp (rangeFrameSelect); a later one would lose
 * frames and fail the frame count. None for the first packet: reading starts there.
 */
export function rangeSeekSeconds(idx: PacketIndex, startPacket: number, timeBase: Rational, videoDelay: boolean): string | undefined {
  if (startPacket === 0) return undefined;
  const us = Math.ceil((idx.dts[startPacket] * timeBase.num * 1e6) / timeBase.den - 1e-6) + (videoDelay ? DTS_HEURISTIC_US : 0);
  const sign = us < 0 ? '-' : '';
  const a = Math.abs(us);
  return `${sign}${Math.floor(a / 1e6)}.${String(a % 1e6).padStart(6, '0')}`;
}

/**
 * What a segment worker needs to read its segment by range, computed by the Plan step from the
 * packet index (the worker then needs neither the index nor a split piece): the `-ss` and the
 * frame selection. Stored with the segment in the job manifest.
 */
export interface RangeRead {
  seek?: string;
  select: string;
}

/** RangeRead of every segment of a plan. `videoDelay`: the stream probe's has_b_frames > 0. */
export function planRangeReads(idx: PacketIndex, segments: Segment[], timeBase: Rational, videoDelay: boolean): RangeRead[] {
  return segments.map((seg) => ({ seek: rangeSeekSeconds(idx, seg.startPacket, timeBase, videoDelay), select: rangeFrameSelect(idx, seg).filter }));
}

/**
 * Whether ffmpeg will apply its B-frame seek heuristic: any stream of the stream probe's JSON
 * with has_b_frames > 0 (fftools checks every input stream's video_delay).
 */
export function hasVideoDelay(streamJson: string): boolean {
  const j = JSON.parse(streamJson) as { streams?: { has_b_frames?: number }[] };
  return (j.streams ?? []).some((st) => (st.has_b_frames ?? 0) > 0);
}

/** Input options of a range read: what ffmpeg may open, where it starts, timestamps kept. */
export function buildRangeInputArgs(p: { url: string; seek?: string; autorotate?: boolean }): string[] {
  return [
    '-protocol_whitelist', protocolWhitelist(p.url),
    '-format_whitelist', SOURCE_FORMATS,
    // With autorotate ffmpeg turns the picture and does not copy the source's display matrix to
    // the outputs; with -noautorotate (and a rotation filter) the matrix would be copied and the
    // picture turned twice by players.
    ...(p.autorotate ? [] : ['-noautorotate']),
    ...(p.seek !== undefined ? ['-seek_timestamp', '1', '-noaccurate_seek', '-ss', p.seek] : []),
    '-copyts',
    '-i', p.url,
  ];
}

/**
 * The source pts (ticks) of a segment's first and last kept frame, and the ffmpeg filter that
 * keeps exactly the frames between them. Selected by timestamp rather than by frame number:
 * read from the MP4, the frames its edit list discards (flag D) never leave the decoder (the
 * split piece decodes them, which is what the plan's `skip` counts), and a seek that lands on
 * an earlier keyframe still yields the same frames.
 */
export function rangeFrameSelect(idx: PacketIndex, seg: Pick<Segment, 'startPacket' | 'endPacket' | 'startPts' | 'count'>): { firstPts: number; lastPts: number; filter: string } {
  const discard = new Set(idx.discard ?? []);
  const pts: number[] = [];
  for (let i = seg.startPacket; i < seg.endPacket; i++) if (!discard.has(i)) pts.push(idx.pts[i]);
  pts.sort((a, b) => a - b);
  const from = pts.indexOf(seg.startPts);
  if (from < 0 || from + seg.count > pts.length) throw new Error(`segment packets ${seg.startPacket}-${seg.endPacket} do not hold the planned frames`);
  const firstPts = pts[from];
  const lastPts = pts[from + seg.count - 1];
  return { firstPts, lastPts, filter: `select=between(pts\\,${firstPts}\\,${lastPts})` };
}

/**
 * The segment encode of buildSegmentEncodeArgs reading the source by range: the same outputs,
 * filters and encoder settings; the input is the presigned URL seeked to the segment's start,
 * the video stream is the source's, and every output stops after its `count` frames, so ffmpeg
 * stops reading shortly after the segment's last packet.
 */
export function buildRangeSegmentEncodeArgs(p: {
  url: string;
  seek?: string;
  videoStream: number;
  /** rangeFrameSelect's filter for this segment. */
  select: string;
  preset: Preset;
  outputs: EncodeOutput[];
  count: number;
  rotation: number;
  threads?: number;
  colour?: ColourPlan;
}): string[] {
  const marker = '\u0000piece';
  const base = buildSegmentEncodeArgs({
    input: marker,
    preset: p.preset,
    outputs: p.outputs,
    skip: 0,
    count: p.count,
    // More frames follow the segment in the source: the frame selection is always there.
    totalFrames: Number.MAX_SAFE_INTEGER,
    // A rotated source is turned by ffmpeg's autorotate (see buildRangeInputArgs), not by a filter.
    rotation: 0,
    threads: p.threads,
    colour: p.colour,
  });
  const at = base.indexOf(marker);
  const pieceInput = ['-protocol_whitelist', 'file', '-format_whitelist', PIECE_FORMATS, '-noautorotate', '-copyts', '-i', marker];
  const start = at - (pieceInput.length - 1);
  const bySeq = `select=between(n\\,0\\,${p.count - 1})`;
  if (base.slice(start, at + 1).join('\u0001') !== pieceInput.join('\u0001') || !base.some((a) => a.startsWith(bySeq))) {
    throw new Error('buildSegmentEncodeArgs changed its input or frame selection: update buildRangeSegmentEncodeArgs');
  }
  const args = [...base.slice(0, start), ...buildRangeInputArgs({ url: p.url, seek: p.seek, autorotate: p.rotation !== 0 }), ...base.slice(at + 1)];
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '-map' && args[i + 1] === '0:v:0') {
      out.push('-map', `0:${p.videoStream}`);
      i++;
    } else if (a.startsWith(bySeq)) {
      out.push(p.select + a.slice(bySeq.length));
    } else {
      // Each output stops after the segment's frames, so ffmpeg stops reading soon after them.
      if (a === '-f') out.push('-frames:v', String(p.count));
      out.push(a);
    }
  }
  return out;
}

/** Options ffmpeg takes once for the whole process, as every builder here writes them. */
const GLOBAL_FLAGS = new Set(['-hide_banner', '-nostdin', '-y', '-copyts']);
const GLOBAL_WITH_VALUE = new Set(['-loglevel', '-v']);

/**
 * Runs a second ffmpeg command inside the first one's process: `side`'s inputs are added after
 * `main`'s (each with its own input options: whitelists, seek) and its outputs after `main`'s,
 * with its `-map N:...` renumbered. The process then starts once, loads its libraries and x264
 * once, and the runner waits for one child instead of two (a segment's audio chunks, encoded
 * beside its video: measured on the local stack, each separate audio process cost about 0.2 s
 * of CPU before encoding anything). Global options must agree: `side`'s are dropped, and a
 * global option of `side` that `main` lacks is refused rather than silently applied to `main`'s
 * outputs. Commands with a filter graph over inputs (-filter_complex) are refused: their input
 * labels would need renumbering too.
 */
export function appendCommand(main: string[], side: string[]): string[] {
  const lastInput = (a: string[]) => a.lastIndexOf('-i');
  const m = lastInput(main);
  const s = lastInput(side);
  if (m < 0 || s < 0) throw new Error('appendCommand: both commands need an input');
  if ([...main, ...side].some((a) => a === '-filter_complex' || a === '-lavfi')) throw new Error('appendCommand: -filter_complex is not supported');
  const inputsOfMain = main.filter((a, i) => a === '-i' && i <= m).length;
  const sideInputs: string[] = [];
  for (let i = 0; i <= s + 1; i++) {
    const a = side[i];
    if (GLOBAL_FLAGS.has(a) || GLOBAL_WITH_VALUE.has(a)) {
      const value = GLOBAL_WITH_VALUE.has(a) ? side[i + 1] : undefined;
      const at = main.indexOf(a);
      if (at < 0 || (value !== undefined && main[at + 1] !== value)) throw new Error(`appendCommand: global option ${a} ${value ?? ''} differs from the main command`);
      if (value !== undefined) i++;
      continue;
    }
    sideInputs.push(a);
  }
  const sideOutputs = side.slice(s + 2).map((a, i, all) => {
    if (i > 0 && all[i - 1] === '-map') {
      const r = /^(\d+):(.*)$/.exec(a);
      if (!r) throw new Error(`appendCommand: cannot renumber -map ${a}`);
      return `${Number(r[1]) + inputsOfMain}:${r[2]}`;
    }
    return a;
  });
  return [...main.slice(0, m + 2), ...sideInputs, ...main.slice(m + 2), ...sideOutputs];
}

/**
 * Adds `side`'s outputs to `main` when both read the same single input (a segment's own
 * container holds its video and audio: one input, one demuxer, read once): `side`'s input and
 * global options are dropped, its `-map 0:...` kept. Refused when `main` has more than one input
 * or `side` reads another file.
 */
export function appendOutputs(main: string[], side: string[]): string[] {
  const inputs = (a: string[]) => a.flatMap((x, i) => (x === '-i' ? [a[i + 1]] : []));
  const mi = inputs(main);
  const si = inputs(side);
  if (mi.length !== 1 || si.length !== 1 || mi[0] !== si[0]) throw new Error('appendOutputs: both commands must read the same single input');
  if (side.some((a) => a === '-filter_complex' || a === '-lavfi' || a === '-ss')) throw new Error('appendOutputs: the side command has its own input timing or graph');
  return [...main, ...side.slice(side.indexOf('-i') + 2)];
}
