/**
 * Reading a segment straight from the source by range, instead of from a split piece: the
 * segment worker's ffmpeg opens the presigned URL, seeks through the container's index to the
 * segment's first packet (a clean keyframe), decodes from there with the source's own
 * timestamps (-copyts), keeps exactly the planned frames and stops after them. Nothing rewrites
 * the source and no split pass runs before the Map. Pure planning; the command is args.ts
 * segmentEncodeCommand with a `range` source.
 */
import type { PacketIndex, Rational } from '../probe/probe.js';
import type { ReadMode, Segment } from '../plan/plan.js';
import { rangeInput } from '../encode/args.js';
import { isMp4Family } from '../probe/indexProbe.js';

export type { ReadMode };

/**
 * Chooses range reads where the container has an index ffmpeg seeks by and that was checked
 * (MP4/MOV whose sample tables rebuilt ffprobe's packet index exactly), the split otherwise.
 */
export function chooseReadMode(p: {
  formatName: string;
  index: { ok: true } | { ok: false; reason: string };
  timeBase: Rational;
}): ReadMode {
  if (!isMp4Family(p.formatName)) {
    if (/matroska|webm/.test(p.formatName))
      return { mode: 'split', reason: `${p.formatName}: seeking by cues not verified frame-exact yet` };
    return {
      mode: 'split',
      reason: `${p.formatName}: no cheap index to seek by (raw TS/PS, AVI, others are read whole)`,
    };
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
export function rangeSeekSeconds(
  idx: PacketIndex,
  startPacket: number,
  timeBase: Rational,
  videoDelay: boolean,
): string | undefined {
  if (startPacket === 0) return undefined;
  const us =
    Math.ceil((idx.dts[startPacket] * timeBase.num * 1e6) / timeBase.den - 1e-6) + (videoDelay ? DTS_HEURISTIC_US : 0);
  const sign = us < 0 ? '-' : '';
  const a = Math.abs(us);
  return `${sign}${Math.floor(a / 1e6)}.${String(a % 1e6).padStart(6, '0')}`;
}

/**
 * What a segment worker needs to read its segment by range, computed by the Plan step from the
 * packet index (the worker then needs neither the index nor a split piece): the `-ss` and the
 * frame selection. Stored with the segment in the job document.
 */
export interface RangeRead {
  seek?: string;
  select: string;
}

/** RangeRead of every segment of a plan. `videoDelay`: the stream probe's has_b_frames > 0. */
export function planRangeReads(
  idx: PacketIndex,
  segments: Segment[],
  timeBase: Rational,
  videoDelay: boolean,
): RangeRead[] {
  return segments.map((seg) => ({
    seek: rangeSeekSeconds(idx, seg.startPacket, timeBase, videoDelay),
    select: rangeFrameSelect(idx, seg).filter,
  }));
}

/**
 * Whether ffmpeg will apply its B-frame seek heuristic: any stream of the stream probe's JSON
 * with has_b_frames > 0 (fftools checks every input stream's video_delay).
 */
export function hasVideoDelay(streamJson: string): boolean {
  const j = JSON.parse(streamJson) as { streams?: { has_b_frames?: number }[] };
  return (j.streams ?? []).some((st) => (st.has_b_frames ?? 0) > 0);
}

/**
 * A range read's input as arguments, for callers that write their own command around it (a
 * frame listing of the same read): args.ts rangeInput, with the source's timestamps kept.
 */
export function buildRangeInputArgs(p: { url: string; seek?: string; autorotate?: boolean }): string[] {
  const input = rangeInput(p);
  return [...input.options, '-copyts', '-i', input.url];
}

/**
 * The source pts (ticks) of a segment's first and last kept frame, and the ffmpeg filter that
 * keeps exactly the frames between them. Selected by timestamp rather than by frame number:
 * read from the MP4, the frames its edit list discards (flag D) never leave the decoder (the
 * split piece decodes them, which is what the plan's `skip` counts), and a seek that lands on
 * an earlier keyframe still yields the same frames.
 */
export function rangeFrameSelect(
  idx: PacketIndex,
  seg: Pick<Segment, 'startPacket' | 'endPacket' | 'startPts' | 'count'>,
): { firstPts: number; lastPts: number; filter: string } {
  const discard = new Set(idx.discard ?? []);
  const pts: number[] = [];
  for (let i = seg.startPacket; i < seg.endPacket; i++) if (!discard.has(i)) pts.push(idx.pts[i]);
  pts.sort((a, b) => a - b);
  const from = pts.indexOf(seg.startPts);
  if (from < 0 || from + seg.count > pts.length)
    throw new Error(`segment packets ${seg.startPacket}-${seg.endPacket} do not hold the planned frames`);
  const firstPts = pts[from];
  const lastPts = pts[from + seg.count - 1];
  return { firstPts, lastPts, filter: `select=between(pts\\,${firstPts}\\,${lastPts})` };
}
