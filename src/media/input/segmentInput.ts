/**
 * A segment worker's own bytes, per segment: one moof per track over the samples of the
 * segment's window, the source byte runs they occupy, those runs coalesced into a few ranged
 * GETs, and the small local file ffmpeg opens (init + moof + mdat per track). The init and the
 * track tables come from the source's moov once per job (segmentInit.ts, re-exported here).
 */
import { concatBytes, fullBox, makeBox, u32, u64, view } from '../package/boxes.js';
import type { RangeSource } from '../probe/indexProbe.js';
import type { TrackTable } from './segmentInit.js';

export { buildSegmentSource, type SegmentSource, type TrackTable } from './segmentInit.js';

/** One track's part of a segment: its moof, and the source bytes of its mdat, in order. */
export interface TrackPiece {
  /** The moof (base64 in the stored record). */
  moof: Uint8Array;
  /** [offset, size] runs of the source whose concatenation is the mdat's payload. */
  runs: [number, number][];
}

/**
 * Samples [from, to) of a track as one moof (data offset relative to it) and its byte runs.
 * A run of samples that share one duration, are all sync and have no composition offset (audio)
 * gets those as tfhd defaults and a trun of sizes only (4 bytes a sample instead of 16).
 */
export function trackPiece(t: TrackTable, from: number, to: number, sequence: number): TrackPiece {
  const count = to - from;
  const runs: [number, number][] = [];
  let uniform = true;
  for (let s = from; s < to; s++) {
    if (t.duration[s] !== t.duration[from] || !t.sync[s] || t.cts[s] !== 0) uniform = false;
    const last = runs[runs.length - 1];
    if (last && last[0] + last[1] === t.offset[s]) last[1] += t.size[s];
    else runs.push([t.offset[s], t.size[s]]);
  }
  const per = uniform ? 4 : 16;
  const entries = new Uint8Array(count * per);
  const dv = view(entries);
  for (let i = 0; i < count; i++) {
    const s = from + i;
    if (uniform) {
      dv.setUint32(i * 4, t.size[s]);
      continue;
    }
    dv.setUint32(i * 16, t.duration[s]);
    dv.setUint32(i * 16 + 4, t.size[s]);
    // sample_depends_on 2 (a key), or 1 with is_non_sync_sample.
    dv.setUint32(i * 16 + 8, t.sync[s] ? 0x02000000 : 0x01010000);
    dv.setInt32(i * 16 + 12, t.cts[s]);
  }
  // tfhd: default-base-is-moof; with uniform samples, default duration (0x8) and flags (0x20).
  const tfhd = uniform
    ? fullBox('tfhd', 0, 0x020028, u32(t.trackId), u32(t.duration[from]), u32(0x02000000))
    : fullBox('tfhd', 0, 0x020000, u32(t.trackId));
  // trun v1 (signed composition offsets): data offset, then per sample size only, or all four.
  const trunFlags = uniform ? 0x000201 : 0x000f01;
  const build = (dataOffset: number) =>
    makeBox(
      'moof',
      fullBox('mfhd', 0, 0, u32(sequence)),
      makeBox(
        'traf',
        tfhd,
        fullBox('tfdt', 1, 0, u64(t.dts[from])),
        fullBox('trun', 1, trunFlags, u32(count), u32(dataOffset), entries),
      ),
    );
  const size = build(0).length;
  return { moof: build(size + 8), runs };
}

/**
 * The samples of a track that a decode of [fromSec, toSec) needs: those presented in it, with
 * `prerollSec` before (the decoder's state: an AAC frame overlaps the previous one; seeking the
 * source today gives about a second) and `tailSec` after.
 */
export function samplesForWindow(
  t: TrackTable,
  fromSec: number,
  toSec: number,
  prerollSec: number,
  tailSec: number,
): [number, number] {
  const lo = (fromSec - prerollSec) * t.timescale + t.shift;
  const hi = (toSec + tailSec) * t.timescale + t.shift;
  let a = 0;
  while (a < t.dts.length && t.dts[a] + t.cts[a] + t.duration[a] <= lo) a++;
  let b = a;
  while (b < t.dts.length && t.dts[b] + t.cts[b] < hi) b++;
  return [a, b];
}

/** A segment's record: its track pieces. Stored (JSON) one after another in one object. */
export interface SegmentRecord {
  tracks: { moof: string; runs: [number, number][] }[];
}

export const encodeRecord = (pieces: TrackPiece[]): Uint8Array =>
  new TextEncoder().encode(
    JSON.stringify({
      tracks: pieces.map((x) => ({ moof: Buffer.from(x.moof).toString('base64'), runs: x.runs })),
    } satisfies SegmentRecord),
  );

export const decodeRecord = (bytes: Uint8Array): TrackPiece[] =>
  (JSON.parse(new TextDecoder().decode(bytes)) as SegmentRecord).tracks.map((x) => ({
    moof: new Uint8Array(Buffer.from(x.moof, 'base64')),
    runs: x.runs,
  }));

/** A byte range [start, end) of the source to GET. */
export interface Fetch {
  start: number;
  end: number;
}

/**
 * Coalesces runs into GETs: runs closer than `gap` bytes share one request (the bytes between
 * them are cheaper than another request's latency), and no request grows past `maxBytes`.
 */
export function coalesce(runs: [number, number][], gap: number, maxBytes: number): Fetch[] {
  const sorted = [...runs].sort((a, b) => a[0] - b[0]);
  const out: Fetch[] = [];
  for (const [o, s] of sorted) {
    const last = out[out.length - 1];
    if (last && o <= last.end + gap && Math.max(last.end, o + s) - last.start <= maxBytes)
      last.end = Math.max(last.end, o + s);
    else out.push({ start: o, end: o + s });
  }
  return out;
}

/** Copies each run's bytes out of the fetched ranges, in order. */
export function gatherRuns(runs: [number, number][], fetched: { start: number; data: Uint8Array }[]): Uint8Array {
  const total = runs.reduce((s, r) => s + r[1], 0);
  const out = new Uint8Array(total);
  let at = 0;
  for (const [o, s] of runs) {
    const f = fetched.find((x) => o >= x.start && o + s <= x.start + x.data.length);
    if (!f) throw new Error(`bytes ${o}-${o + s} were not fetched`);
    out.set(f.data.subarray(o - f.start, o - f.start + s), at);
    at += s;
  }
  return out;
}

/** The file ffmpeg opens: init, then each track's moof and mdat. */
export function assembleSegmentFile(
  init: Uint8Array,
  pieces: TrackPiece[],
  fetched: { start: number; data: Uint8Array }[],
): Uint8Array {
  const parts: Uint8Array[] = [init];
  for (const p of pieces) parts.push(p.moof, makeBox('mdat', gatherRuns(p.runs, fetched)));
  return concatBytes(parts);
}

/** The source's ftyp box, when the file starts with one (its brands decide how FFmpeg reads stsd). */
export async function readFtyp(src: RangeSource): Promise<Uint8Array | undefined> {
  if (src.size < 8) return undefined;
  const h = await src.read(0, 8);
  const size = view(h).getUint32(0);
  if (String.fromCharCode(...h.subarray(4, 8)) !== 'ftyp' || size < 8 || size > 4096 || size > src.size)
    return undefined;
  return (await src.read(0, size)).slice();
}

/**
 * Audio decoded before a chunk's encode window: an AAC-LC packet's samples need only the packet
 * before it (the MDCT overlap), HE-AAC's SBR a few more, Opus asks for 80 ms (RFC 7845 4.6);
 * 0.1 s is 4 AAC frames at 44.1 kHz. Longer would cost bytes: the audio before a segment sits
 * between the previous segment's video samples, which coalescing might then read too.
 */
export const AUDIO_INPUT_PREROLL_SEC = 0.1;
/**
 * Audio after a chunk's encode window: a decoded AAC packet needs only the one before it, so
 * the packets that overlap the window suffice; 0.1 s (4 frames at 44.1 kHz) leaves the
 * resampler its few samples of look-ahead with room.
 */
export const AUDIO_INPUT_TAIL_SEC = 0.1;

/** Where segment i's record is in the records object. */
export interface RecordRef {
  at: number;
  length: number;
}

/**
 * Every segment's record (video packets [startPacket, endPacket), and for a segment that
 * encodes audio chunks the audio samples of its chunks' window in every audio track), as one
 * byte string with each record's place: one object in S3, each worker GETs its own part.
 */
export function planSegmentInputs(
  tracks: TrackTable[],
  segments: { startPacket: number; endPacket: number }[],
  audioWindowSec: ([number, number] | undefined)[],
): { records: Uint8Array; refs: RecordRef[] } {
  const parts: Uint8Array[] = [];
  const refs: RecordRef[] = [];
  let at = 0;
  segments.forEach((seg, i) => {
    const pieces = [trackPiece(tracks[0], seg.startPacket, seg.endPacket, 1)];
    const w = audioWindowSec[i];
    if (w) {
      for (const t of tracks.slice(1)) {
        const [a, b] = samplesForWindow(t, w[0], w[1], AUDIO_INPUT_PREROLL_SEC, AUDIO_INPUT_TAIL_SEC);
        if (b > a) pieces.push(trackPiece(t, a, b, pieces.length + 1));
      }
    }
    const rec = encodeRecord(pieces);
    parts.push(rec);
    refs.push({ at, length: rec.length });
    at += rec.length;
  });
  return { records: concatBytes(parts), refs };
}
