import { InputError } from '../../errors.js';
import type { PacketIndex, Rational } from '../probe/probe.js';

/** One segment: a run of source packets that starts on a clean keyframe. */
export interface Segment {
  index: number;
  /** Which file of the split holds this segment's packets. */
  splitFile: number;
  /** Decode-order packet range [startPacket, endPacket) of the source. */
  startPacket: number;
  endPacket: number;
  /** Decoded frames (display order) to drop before the first kept frame (a clip's start). */
  skip: number;
  /** Frames to keep. */
  count: number;
  /** Source pts (ticks) of the first kept frame and of the end of the segment. */
  startPts: number;
  endPts: number;
}

/**
 * How the segment workers read the source, and why: `range` (each reads its own packets from
 * the source through the container's index, no split pass) or `split` (the source is cut into
 * pieces first). Chosen by chooseReadMode (rangeInput.ts).
 */
export interface ReadMode {
  mode: 'range' | 'split';
  reason: string;
}

/** The cut plan of a job. */
export interface Plan {
  timeBase: Rational;
  segments: Segment[];
  /** Decode-order packet indices where the split starts a new file (ffmpeg -segment_frames). */
  splitFrames: number[];
  startPts: number;
  endPts: number;
  frameCount: number;
  durationSec: number;
  /** Keyframes that could not be cut at (open GOP). */
  uncleanKeyframes: number;
  /** How the segments read the source (set by the Plan step; absent means split). */
  read?: ReadMode;
}

/** A clip in seconds from the start of the video, end exclusive. */
export interface ClipRange {
  start: number;
  end?: number;
}

export interface PlanOptions {
  segmentSeconds: number;
  clip?: ClipRange;
}

/**
 * Keyframes where the stream can be cut so each side decodes alone: no earlier packet is
 * shown after it and no later packet before it (an open GOP's leading B-frames fail this).
 */
export function cleanKeyframes(idx: PacketIndex): number[] {
  const n = idx.pts.length;
  const suffixMin = new Array<number>(n + 1);
  suffixMin[n] = Infinity;
  for (let i = n - 1; i >= 0; i--) suffixMin[i] = Math.min(idx.pts[i], suffixMin[i + 1]);
  const clean: number[] = [];
  let prefixMax = -Infinity;
  let k = 0;
  for (let i = 0; i < n; i++) {
    if (k < idx.keyframes.length && idx.keyframes[k] === i) {
      if (prefixMax < idx.pts[i] && suffixMin[i] >= idx.pts[i]) clean.push(i);
      k++;
    }
    prefixMax = Math.max(prefixMax, idx.pts[i]);
  }
  return clean;
}

function typicalFrameTicks(idx: PacketIndex, from: number, to: number): number {
  const ds = idx.duration
    .slice(from, to)
    .filter((d) => d > 0)
    .sort((a, b) => a - b);
  if (ds.length) return ds[Math.floor(ds.length / 2)];
  const ps = idx.pts.slice(from, to).sort((a, b) => a - b);
  const gaps = ps
    .slice(1)
    .map((p, i) => p - ps[i])
    .filter((g) => g > 0)
    .sort((a, b) => a - b);
  return gaps.length ? gaps[Math.floor(gaps.length / 2)] : 1;
}

/**
 * Plans the cut: segments start on clean keyframes near multiples of the target length; a
 * clip keeps exactly the frames whose time is in [start, end), its first and last segment
 * decoding from the keyframe before and dropping what lies outside.
 */
export function planSegments(idx: PacketIndex, timeBase: Rational, opts: PlanOptions): Plan {
  const tick = timeBase.num / timeBase.den;
  const clean = cleanKeyframes(idx);
  if (clean.length === 0) throw new InputError('INPUT_UNSUPPORTED', 'no keyframe where decoding can start');
  const first = clean[0];
  const n = idx.pts.length;

  // Frames that can be decoded: everything from the first clean keyframe on.
  let originPts = Infinity;
  for (let i = first; i < n; i++) originPts = Math.min(originPts, idx.pts[i]);
  const eps = 1e-9;
  const lo = opts.clip ? originPts + opts.clip.start / tick - eps : -Infinity;
  const hi = opts.clip?.end !== undefined ? originPts + opts.clip.end / tick - eps : Infinity;
  const discard = new Set(idx.discard ?? []);
  const kept: number[] = [];
  for (let i = first; i < n; i++) if (idx.pts[i] >= lo && idx.pts[i] < hi && !discard.has(i)) kept.push(i);
  if (kept.length === 0) throw new InputError('INVALID_CLIP', 'the requested range contains no frame of the source');
  let firstKept = Infinity;
  let lastKept = -Infinity;
  let lastKeptIdx = kept[0];
  for (const i of kept) {
    firstKept = Math.min(firstKept, idx.pts[i]);
    if (idx.pts[i] > lastKept) {
      lastKept = idx.pts[i];
      lastKeptIdx = i;
    }
  }

  // Packet range: from the last clean keyframe at or before the first kept frame, to the first
  // clean keyframe after the last kept frame.
  let startPacket = first;
  for (const c of clean) if (idx.pts[c] <= firstKept) startPacket = c;
  let endPacket = n;
  for (const c of clean)
    if (idx.pts[c] > lastKept) {
      endPacket = c;
      break;
    }

  // Interior cuts near each target.
  const target = Math.max(1, opts.segmentSeconds / tick);
  const cands = clean.filter(
    (c) => c > startPacket && c < endPacket && idx.pts[c] > firstKept && idx.pts[c] <= lastKept,
  );
  const cuts: number[] = [];
  let cur = firstKept;
  let j = 0;
  while (j < cands.length) {
    const want = cur + target;
    while (j < cands.length && idx.pts[cands[j]] < want) j++;
    const options = [cands[j - 1], cands[j]].filter((c) => c !== undefined && idx.pts[c] > cur + target * 0.25);
    if (options.length === 0) break;
    const pick = options.reduce((a, b) => (Math.abs(idx.pts[b] - want) < Math.abs(idx.pts[a] - want) ? b : a));
    if (lastKept - idx.pts[pick] < target * 0.5) break; // keep the tail in the last segment
    cuts.push(pick);
    cur = idx.pts[pick];
    // pick is cands[j - 1] or cands[j] (not indexOf: that made planning O(segments x packets)).
    j = (pick === cands[j] ? j : j - 1) + 1;
  }

  const lastDur =
    idx.duration[lastKeptIdx] > 0 ? idx.duration[lastKeptIdx] : typicalFrameTicks(idx, startPacket, endPacket);
  const endPts = Math.min(lastKept + lastDur, hi === Infinity ? Infinity : Math.max(hi + eps, lastKept + 1));
  const bounds = [startPacket, ...cuts, endPacket];
  const splitFrames = bounds.filter((b) => b > 0 && b < n);
  const segments: Segment[] = [];
  let k0 = 0; // kept is ascending: the segment's kept packets are the run from k0
  for (let s = 0; s + 1 < bounds.length; s++) {
    const a = bounds[s];
    const b = bounds[s + 1];
    const pts = idx.pts.slice(a, b).sort((x, y) => x - y);
    while (k0 < kept.length && kept[k0] < a) k0++;
    let k1 = k0;
    while (k1 < kept.length && kept[k1] < b) k1++;
    const keptHere = new Set(kept.slice(k0, k1).map((i) => idx.pts[i]));
    // Kept frames are contiguous in display order (discarded ones sit at the timeline's ends).
    const skip = pts.findIndex((p) => keptHere.has(p));
    const count = keptHere.size;
    segments.push({
      index: s,
      splitFile: a === 0 ? 0 : splitFrames.indexOf(a) + 1,
      startPacket: a,
      endPacket: b,
      skip,
      count,
      startPts: pts[skip],
      endPts: 0,
    });
  }
  segments.forEach((seg, i) => (seg.endPts = i + 1 < segments.length ? segments[i + 1].startPts : Math.round(endPts)));
  return {
    timeBase,
    segments,
    splitFrames,
    startPts: firstKept,
    endPts: Math.round(endPts),
    frameCount: kept.length,
    durationSec: (Math.round(endPts) - firstKept) * tick,
    uncleanKeyframes: idx.keyframes.length - clean.length,
  };
}
