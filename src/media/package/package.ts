/**
 * From encoder outputs to the pieces of a streaming package and back to one progressive MP4:
 * - a segment worker turns each rendition's fMP4 into (init, fragment) placed on the job's
 *   timeline and checked against the plan (`videoPiece`), and each audio chunk into its kept
 *   packets (`audioPiece`);
 * - a package step reads the pieces' facts into the manifests' model (`trackModel`);
 * - a progressive MP4 is the composed init of every track followed by the fragments, interleaved,
 *   with no packet remuxed (`assembleProgressive` in memory; `progressiveLayout` + `partRanges` +
 *   `placedParts` from the facts, in parallel parts: these are in progressive.ts, re-exported here).
 * Pure functions over bytes.
 */
import { createHash } from 'node:crypto';
import { EncoderError } from '../../errors.js';
import { AAC_PRIMING, audioChunkWindow, type AudioChunk } from '../encode/audioChunks.js';
import { checkVideoFragment, withSourceTiming } from '../encode/cmaf.js';
import { readInit, withEditList } from './init.js';
import {
  keepSamples,
  setLastSampleDuration,
  placeFragment,
  readFragments,
  sampleTimes,
  splitInit,
  trexDefaults,
  type FragmentInfo,
} from './isobmff.js';
import type { AudioTrackModel, SegmentRef, VideoTrackModel } from './manifests.js';
import { ctsDelayOf } from './progressive.js';

export {
  assembleProgressive,
  type ExtraTrack,
  type LaidTrack,
  partRanges,
  type Placement,
  placedParts,
  progressiveLayout,
} from './progressive.js';

/** A placed piece: the init its worker wrote, the fragment, and the fragment's facts. */
export interface Piece {
  init: Uint8Array;
  fragment: Uint8Array;
  info: FragmentInfo;
}

/**
 * One rendition's piece of one segment: split ffmpeg's fMP4, set tfdt to the segment's first
 * frame (source ticks from the plan's first frame) and the sequence number, and check it.
 */
export function videoPiece(
  file: Uint8Array,
  p: { index: number; startTicks: number; spanTicks: number; count: number; what: string },
): Piece {
  const { init, media } = splitInit(file);
  const defaults = trexDefaults(init);
  const placed = placeFragment(media, { baseDecodeTime: p.startTicks, sequence: p.index + 1 });
  const got = readFragments(placed, defaults);
  if (got.length !== 1) throw new EncoderError('ENCODER_FAILED', `${p.what}: ${got.length} fragments, expected one`);
  // The encoder's presentation times are checked first. When its decode timeline fits the
  // segment, only the last frame is stretched to the segment's end (the next segment's first
  // frame: see setLastSampleDuration), which keeps the encoder's own decode times, the form
  // ffmpeg's HLS/DASH demuxers read back exactly. When it does not fit (a reorder delay measured
  // on a long first frame, e.g. a phone's 184 ms), the decode side is rebuilt from the
  // presentation times: every sample the source frame's duration (cmaf.ts withSourceTiming).
  checkVideoFragment(got[0], { count: p.count, spanTicks: p.spanTicks, what: p.what });
  const end = p.startTicks + p.spanTicks;
  const lastDts = sampleTimes(got[0]).dts.at(-1)!;
  const fragment =
    lastDts < end ? setLastSampleDuration(placed, end - lastDts, defaults) : withSourceTiming(placed, end, defaults);
  const frags = readFragments(fragment, defaults);
  const span = sampleTimes(frags[0]).end - frags[0].baseDecodeTime;
  if (span !== p.spanTicks)
    throw new EncoderError(
      'ENCODER_FAILED',
      `${p.what}: the fragment spans ${span} ticks after its timing was set, the segment ${p.spanTicks}`,
    );
  return { init, fragment, info: frags[0] };
}

/**
 * One audio chunk's piece: keep the packets that present the chunk (the pre-roll and
 * look-ahead dropped by bytes), at their decode time on the track, with the priming edit list
 * in the init (identical for every chunk).
 */
export function audioPiece(file: Uint8Array, chunk: AudioChunk): Piece {
  const { init, media } = splitInit(file);
  const w = audioChunkWindow(chunk);
  const defaults = trexDefaults(init);
  const all = readFragments(media, defaults);
  if (all.length !== 1)
    throw new EncoderError('ENCODER_FAILED', `audio chunk ${chunk.index}: ${all.length} fragments, expected one`);
  if (all[0].samples.length < w.keepFrom + w.keepCount) {
    throw new EncoderError(
      'SEGMENT_MISMATCH',
      `audio chunk ${chunk.index}: ${all[0].samples.length} packets, need ${w.keepFrom + w.keepCount}`,
    );
  }
  const kept = keepSamples(media, w.keepFrom, w.keepCount, defaults);
  const fragment = placeFragment(kept, { baseDecodeTime: w.baseDecodeTime, sequence: chunk.index + 1 });
  return { init: withEditList(init, AAC_PRIMING), fragment, info: readFragments(fragment, defaults)[0] };
}

/** Bytes equal. */
export const sameBytes = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i]);

/**
 * The one init of a track: every worker's must be byte-identical (same encoder, same settings),
 * else fragments would play behind a decoder configuration they were not encoded for.
 */
export function commonInit(inits: Uint8Array[], what: string): Uint8Array {
  const i = inits.findIndex((x) => !sameBytes(x, inits[0]));
  if (i >= 0)
    throw new EncoderError(
      'SEGMENT_MISMATCH',
      `${what}: the init segment of piece ${i} differs from piece 0 (encoder settings differ between workers)`,
    );
  return inits[0];
}

function segmentRef(f: FragmentInfo, bytes: number): SegmentRef {
  const t = sampleTimes(f);
  return { start: Math.min(...t.pts), duration: t.end - f.baseDecodeTime, bytes };
}

/**
 * What a worker reports of each piece it wrote (small, for its result object), so the package
 * step builds the manifests without downloading a fragment: timing and size, the sample count
 * (the frame count check without an ffprobe run) and a digest of the init it wrote.
 */
export interface PieceFacts extends SegmentRef {
  samples: number;
  initSha256: string;
  /** An audio piece's chunk index (chunks are encoded by the worker of the nearest segment). */
  chunk?: number;
  /** The fragment's largest negative composition offset (0 without B-frames): the progressive MP4's edit. */
  ctsDelay?: number;
}

/** The facts of a placed piece. */
export function pieceFacts(piece: Piece): PieceFacts {
  return {
    ...segmentRef(piece.info, piece.fragment.length),
    samples: piece.info.samples.length,
    initSha256: createHash('sha256').update(piece.init).digest('hex'),
    ctsDelay: ctsDelayOf(piece.info),
  };
}

/** Facts of fragments read from their bytes (when only the files are at hand). */
export function fragmentFacts(init: Uint8Array, fragments: Uint8Array[]): PieceFacts[] {
  const defaults = trexDefaults(init);
  const initSha256 = createHash('sha256').update(init).digest('hex');
  return fragments.map((f) => {
    const info = readFragments(f, defaults)[0];
    return { ...segmentRef(info, f.length), samples: info.samples.length, initSha256, ctsDelay: ctsDelayOf(info) };
  });
}

/** Refuses pieces whose workers wrote different inits (see commonInit), by their digests. */
function sameInit(id: string, init: Uint8Array, facts: PieceFacts[]): void {
  const want = createHash('sha256').update(init).digest('hex');
  const i = facts.findIndex((f) => f.initSha256 !== want);
  if (i >= 0)
    throw new EncoderError(
      'SEGMENT_MISMATCH',
      `${id}: the init segment of piece ${i} differs from the published one (encoder settings differ between workers)`,
    );
}

const seg = (f: PieceFacts): SegmentRef => ({ start: f.start, duration: f.duration, bytes: f.bytes });

/** The manifests' model of a video rendition, from its init and its pieces' facts. */
export function videoTrackModel(id: string, init: Uint8Array, facts: PieceFacts[]): VideoTrackModel {
  const tr = readInit(init).find((t) => t.kind === 'video');
  if (!tr) throw new EncoderError('ENCODER_FAILED', `${id}: no video track in the init segment`);
  sameInit(id, init, facts);
  const frameRate = Math.max(...facts.map((f) => (f.samples * tr.timescale) / f.duration));
  return {
    id,
    timescale: tr.timescale,
    codec: tr.codec,
    width: tr.width!,
    height: tr.height!,
    frameRate,
    segments: facts.map(seg),
  };
}

/** The manifests' model of an audio track (its edit list's priming as the presentation offset). */
export function audioTrackModel(
  id: string,
  init: Uint8Array,
  facts: PieceFacts[],
  p: { language?: string; name?: string } = {},
): AudioTrackModel {
  const tr = readInit(init).find((t) => t.kind === 'audio');
  if (!tr) throw new EncoderError('ENCODER_FAILED', `${id}: no audio track in the init segment`);
  sameInit(id, init, facts);
  return {
    id,
    timescale: tr.timescale,
    codec: tr.codec,
    sampleRate: tr.sampleRate!,
    channels: tr.channels!,
    language: p.language,
    name: p.name,
    presentationTimeOffset: AAC_PRIMING,
    segments: facts.map(seg),
  };
}
