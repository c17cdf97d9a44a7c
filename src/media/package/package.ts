/**
 * From encoder outputs to the pieces of a streaming package and back to one progressive MP4:
 * - a segment worker turns each rendition's fMP4 into (init, fragment) placed on the job's
 *   timeline and checked against the plan (`videoPiece`), and each audio chunk into its kept
 *   packets (`audioPiece`);
 * - a package step reads the pieces' facts into the manifests' model (`trackModel`);
 * - a progressive MP4 is the composed init of every track followed by the fragments, interleaved,
 *   with no packet remuxed (`assembleProgressive` in memory; `progressiveLayout` + `partRanges` +
 *   `placedParts` from the facts, in parallel parts).
 * Pure functions over bytes.
 */
import { createHash } from 'node:crypto';
import { EncoderError } from '../../errors.js';
import {
  AAC_PRIMING,
  audioChunkWindow,
  checkVideoFragment,
  withSourceTiming,
  type AudioChunk,
} from '../encode/cmaf.js';
import { composeInit, readInit, withEditList } from './init.js';
import {
  concatBytes,
  copyBytes,
  view,
  keepSamples,
  toUnsignedCts,
  setLastSampleDuration,
  listBoxes,
  makeBox,
  placeFragment,
  readFragments,
  sampleTimes,
  splitInit,
  trexDefaults,
  type FragmentInfo,
} from './isobmff.js';
import type { AudioTrackModel, SegmentRef, VideoTrackModel } from './manifests.js';

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

/** The largest negative composition offset of a fragment (what toUnsignedCts must add). */
const ctsDelayOf = (f: FragmentInfo) => Math.max(0, ...f.samples.map((x) => -x.cts));

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

/** One more track of a progressive MP4 besides the video: its init and its fragments in time order. */
export interface ExtraTrack {
  init: Uint8Array;
  fragments: Uint8Array[];
}

/** What the layout of a progressive MP4 needs of a track: its init and each fragment's decode time. */
export interface LaidTrack {
  init: Uint8Array;
  /** Each fragment's base decode time (tfdt), in the track's timescale, in order. */
  bases: number[];
}

/** One fragment's place in a progressive MP4: which track (0 = video), which fragment, its new header. */
export interface Placement {
  track: number;
  k: number;
  base: number;
  trackId: number;
  sequence: number;
}

/**
 * The layout of a progressive MP4 from its tracks' facts, without their bytes: the composed init
 * (video track 1, then every other track, moov first, the movie's duration up front) and the
 * order of the fragments: each video fragment followed by the other tracks' fragments that start
 * before the next video one, every moof renumbered 1..n.
 */
export function progressiveLayout(
  video: LaidTrack & { end: number; delay: number },
  others: LaidTrack[],
): { init: Uint8Array; order: Placement[] } {
  const vTimescale = readInit(video.init)[0].timescale;
  const videoInit = video.delay ? withEditList(video.init, video.delay) : video.init;
  const extra = others.filter((t) => t.bases.length);
  const init = withMovieDuration(
    extra.length ? composeInit(videoInit, ...extra.map((t) => t.init)) : videoInit,
    video.end,
    vTimescale,
  );
  const ts = extra.map((t) => readInit(t.init)[0].timescale);
  const next = extra.map(() => 0);
  const order: Placement[] = [];
  for (let i = 0; i < video.bases.length; i++) {
    order.push({ track: 0, k: i, base: video.bases[i], trackId: 1, sequence: order.length + 1 });
    const nextVideo = i + 1 < video.bases.length ? video.bases[i + 1] / vTimescale : Infinity;
    extra.forEach((t, j) => {
      while (next[j] < t.bases.length && t.bases[next[j]] / ts[j] < nextVideo) {
        order.push({
          track: others.indexOf(t) + 1,
          k: next[j],
          base: t.bases[next[j]],
          trackId: j + 2,
          sequence: order.length + 1,
        });
        next[j]++;
      }
    });
  }
  return { init, order };
}

/**
 * One fragment as it goes into a progressive MP4: only its moof (a few hundred bytes) rewritten
 * (track id, sequence number, decode time, and for video unsigned composition offsets), the mdat
 * passed on as a view of the input.
 */
export function placedParts(fragment: Uint8Array, p: Placement, delay: number): Uint8Array[] {
  return listBoxes(fragment).map((b) => {
    const bytes = fragment.subarray(b.start, b.start + b.size);
    if (b.type !== 'moof') return bytes;
    return placeFragment(p.track === 0 ? toUnsignedCts(bytes, delay) : bytes, {
      baseDecodeTime: p.base,
      sequence: p.sequence,
      trackId: p.trackId,
    });
  });
}

/**
 * A progressive MP4 of one rendition from the streaming pieces, by joining bytes, in memory: the
 * composed init (video track 1, then every audio track, then every text track, moov first) and
 * then, in time order, each video fragment followed by the other tracks' fragments that start
 * before the next video segment, each re-labelled with its track id and every moof renumbered
 * 1..n. Video composition offsets become unsigned with an edit list (isobmff.toUnsignedCts), the
 * form progressive MP4 readers time exactly. A player reads it as one fragmented MP4.
 * Only moof headers are rewritten; mdat bytes are copied as they are. The mvex gets an mehd with
 * the movie's duration so players show it before reading fragments. (The package step lays out
 * the same file from the pieces' facts, progressiveLayout, and joins it in parts, placedParts.)
 */
export function assembleProgressive(p: {
  videoInit: Uint8Array;
  videoFragments: Uint8Array[];
  tracks?: ExtraTrack[];
}): Uint8Array[] {
  const vInfo = p.videoFragments.map((f) => readFragments(f, trexDefaults(p.videoInit))[0]);
  const delay = Math.max(0, ...vInfo.map(ctsDelayOf));
  const others = (p.tracks ?? []).map((t) => ({
    init: t.init,
    bases: t.fragments.map((f) => readFragments(f, trexDefaults(t.init))[0].baseDecodeTime),
  }));
  const layout = progressiveLayout(
    {
      init: p.videoInit,
      bases: vInfo.map((f) => f.baseDecodeTime),
      end: sampleTimes(vInfo[vInfo.length - 1]).end,
      delay,
    },
    others,
  );
  const bytesOf = (x: Placement) => (x.track === 0 ? p.videoFragments[x.k] : p.tracks![x.track - 1].fragments[x.k]);
  return [layout.init, ...layout.order.flatMap((x) => placedParts(bytesOf(x), x, delay))];
}

/** Sets mvhd's duration and adds an mehd (fragment duration) so the duration is known up front. */
function withMovieDuration(init: Uint8Array, duration: number, timescale: number): Uint8Array {
  const top = listBoxes(init);
  return concatBytes(
    top.map((b) => {
      const bytes = init.subarray(b.start, b.start + b.size);
      if (b.type !== 'moov') return bytes;
      const children = listBoxes(bytes, 8).map((c) => {
        const cb = copyBytes(bytes.subarray(c.start, c.start + c.size));
        if (c.type === 'mvhd') {
          const dv = view(cb);
          const v = cb[8];
          const mvTimescale = dv.getUint32(v === 1 ? 28 : 20);
          const d = Math.round((duration * mvTimescale) / timescale);
          if (v === 1) dv.setBigUint64(32, BigInt(d));
          else dv.setUint32(24, d);
          return cb;
        }
        if (c.type === 'mvex') {
          const mehd = new Uint8Array(12);
          const mdv = view(mehd);
          mdv.setUint32(0, 0x01000000);
          const mvhd = listBoxes(bytes, 8).find((x) => x.type === 'mvhd')!;
          const mvTimescale = view(bytes).getUint32(mvhd.start + (bytes[mvhd.start + 8] === 1 ? 28 : 20));
          mdv.setBigUint64(4, BigInt(Math.round((duration * mvTimescale) / timescale)));
          return makeBox(
            'mvex',
            makeBox('mehd', mehd),
            ...listBoxes(cb, 8)
              .filter((x) => x.type !== 'mehd')
              .map((x) => cb.subarray(x.start, x.start + x.size)),
          );
        }
        return cb;
      });
      return makeBox('moov', ...children);
    }),
  );
}

/**
 * Groups consecutive fragments into multipart parts of at least `minPartBytes` each (S3's rule for
 * every part but the last), the first part also carrying `firstBytes` (the init). Returns
 * [from, to) fragment ranges, in order. Sizes are the fragments' sizes before their headers are
 * rewritten, which never shrinks them.
 */
export function partRanges(sizes: number[], firstBytes: number, minPartBytes: number): { from: number; to: number }[] {
  const out: { from: number; to: number }[] = [];
  let from = 0;
  let acc = firstBytes;
  for (let i = 0; i < sizes.length; i++) {
    acc += sizes[i];
    if (acc >= minPartBytes && i + 1 < sizes.length) {
      out.push({ from, to: i + 1 });
      from = i + 1;
      acc = 0;
    }
  }
  out.push({ from, to: sizes.length });
  return out;
}
