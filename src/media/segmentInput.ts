/**
 * A segment worker's own bytes: the Plan step turns the source's moov into a fragmented-MP4
 * init (every track's sample description copied byte for byte, no sample tables) once per job,
 * and describes each segment as one moof per track (tfdt = the first sample's decode time, trun
 * with each sample's duration, size, flags and composition offset) plus the source byte runs
 * its samples occupy. The worker fetches those runs in a few ranged GETs and writes init + moof +
 * mdat per track to one small local file: ffmpeg opens that, sees the source's packets with the
 * source's timestamps, and never reads or parses the source's moov.
 *
 * Timestamps: the video track's packets are written with the decode and presentation times of
 * the packet index (mp4index.ts: FFmpeg's edit-list rules already applied); FFmpeg's fragmented
 * reader subtracts a single edit's media time from every decode time (sc->time_offset), so an
 * edit of D = -(earliest dts) lets negative decode times (B-frame streams) be written as tfdt.
 * Audio tracks keep their own sample tables and their own edit (copied), which the fragmented
 * reader applies the same way as the source's reader: dts - media_time + empty edit.
 */
import { createFile, type MP4BoxBuffer } from 'mp4box';
import { boxBytes, concatBytes, listBoxes, makeBox, view, type BoxRef } from './isobmff.js';
import type { IndexedPackets } from './mp4index.js';
import type { RangeSource } from './indexProbe.js';

/** One track's samples as the built file presents them (decode order). */
export interface TrackTable {
  /** ffprobe stream index (= trak position in the moov). */
  stream: number;
  trackId: number;
  timescale: number;
  /** Decode time written to tfdt/trun (before the reader subtracts the edit). */
  dts: number[];
  /** Composition offset (pts - dts). */
  cts: number[];
  duration: number[];
  sync: boolean[];
  offset: number[];
  size: number[];
  /** What the reader subtracts from `dts` (edit media time minus empty edit), in track ticks. */
  shift: number;
}

/** The init and the tables of the tracks segments read, or why the source keeps the URL read. */
export type SegmentSource = { ok: true; init: Uint8Array; tracks: TrackTable[] } | { ok: false; reason: string };

const u32 = (n: number) => {
  const b = new Uint8Array(4);
  view(b).setUint32(0, n >>> 0);
  return b;
};
const u64 = (n: number) => {
  const b = new Uint8Array(8);
  view(b).setBigUint64(0, BigInt(n));
  return b;
};
const i64 = (n: number) => {
  const b = new Uint8Array(8);
  view(b).setBigInt64(0, BigInt(n));
  return b;
};
const fullBox = (type: string, version: number, flags: number, ...parts: Uint8Array[]) => makeBox(type, u32(((version & 0xff) << 24) | (flags & 0xffffff)), ...parts);
const children = (buf: Uint8Array, b: BoxRef) => listBoxes(buf, b.body, b.start + b.size);

/**
 * One edit at rate 1 starting at media time `mediaTime`, lasting `duration` movie ticks (0: the
 * whole of a fragmented movie, whose length the init does not know; ISO/IEC 14496-12 8.6.6).
 */
function singleEdit(mediaTime: number, duration: number): Uint8Array {
  return makeBox('edts', fullBox('elst', 1, 0, u32(1), u64(duration), i64(mediaTime), u32(0x00010000)));
}

/** An empty sample table around the source's sample descriptions (stsd kept byte for byte). */
function emptyStbl(buf: Uint8Array, stbl: BoxRef): Uint8Array {
  const stsd = children(buf, stbl).find((b) => b.type === 'stsd');
  if (!stsd) throw new Error('a track without sample descriptions (stsd)');
  return makeBox('stbl', boxBytes(buf, stsd), fullBox('stts', 0, 0, u32(0)), fullBox('stsc', 0, 0, u32(0)), fullBox('stsz', 0, 0, u32(0), u32(0)), fullBox('stco', 0, 0, u32(0)));
}

/** A trak with its sample tables emptied; `edts` replaced when given (null: removed). */
function rebuildTrak(buf: Uint8Array, trak: BoxRef, edts: Uint8Array | null | undefined): Uint8Array {
  const rebuild = (b: BoxRef): Uint8Array => {
    if (b.type === 'stbl') return emptyStbl(buf, b);
    if (b.type === 'mdia' || b.type === 'minf') return makeBox(b.type, ...children(buf, b).map(rebuild));
    return boxBytes(buf, b);
  };
  const parts: Uint8Array[] = [];
  let edited = false;
  for (const b of children(buf, trak)) {
    if (b.type === 'edts') {
      edited = true;
      if (edts !== undefined) {
        if (edts) parts.push(edts);
        continue;
      }
    }
    if (b.type === 'mdia' && edts && !edited) {
      parts.push(edts);
      edited = true;
    }
    parts.push(rebuild(b));
  }
  return makeBox('trak', ...parts);
}

/** Raw sample tables of the given traks (mp4box, which builds sample lists only for them). */
function rawSamples(moov: Uint8Array, traks: number[]) {
  const iso = createFile();
  const ab = moov.buffer.slice(moov.byteOffset, moov.byteOffset + moov.byteLength) as MP4BoxBuffer;
  ab.fileStart = 0;
  const lists = iso as unknown as { buildTrakSampleLists?: (t: unknown) => void };
  if (typeof lists.buildTrakSampleLists === 'function') {
    const build = lists.buildTrakSampleLists.bind(iso);
    lists.buildTrakSampleLists = (t) => {
      if (traks.some((k) => t === iso.moov?.traks?.[k])) build(t);
    };
  }
  iso.appendBuffer(ab, true);
  iso.flush();
  if (!iso.moov) throw new Error('no moov box');
  return iso.moov;
}

/**
 * Builds the job's init and the tables of the video track (from the packet index) and of the
 * audio tracks `audioStreams` (from the moov), or says why segments keep reading the URL.
 * `ftyp`: the source's ftyp box (its brands decide how FFmpeg reads QuickTime sample
 * descriptions), if it has one.
 */
export function buildSegmentSource(p: { moov: Uint8Array; ftyp?: Uint8Array; videoStream: number; packets: IndexedPackets; audioStreams: number[] }): SegmentSource {
  try {
    return build(p);
  } catch (err) {
    return { ok: false, reason: `the moov could not be rewritten as a fragmented init: ${(err as Error).message}` };
  }
}

function build(p: { moov: Uint8Array; ftyp?: Uint8Array; videoStream: number; packets: IndexedPackets; audioStreams: number[] }): SegmentSource {
  const buf = p.moov;
  const top = listBoxes(buf);
  const moovRef = top.find((b) => b.type === 'moov');
  if (!moovRef) return { ok: false, reason: 'no moov box' };
  const kids = children(buf, moovRef);
  const traks = kids.filter((b) => b.type === 'trak');
  const parsed = rawSamples(buf, p.audioStreams);
  const movieScale = parsed.mvhd.timescale;
  const tables: TrackTable[] = [];

  // Video: the index's times; one edit shifting them so no decode time is negative.
  const vt = parsed.traks[p.videoStream];
  if (!vt) return { ok: false, reason: `no track ${p.videoStream}` };
  const idx = p.packets;
  const n = idx.dts.length;
  const minDts = Math.min(...idx.dts.slice(0, Math.min(n, 64)));
  const D = Math.max(0, -minDts);
  for (let i = 1; i < n; i++) if (idx.dts[i] < idx.dts[i - 1]) return { ok: false, reason: `video decode times go back at packet ${i}` };
  const vDuration = idx.dts.map((d, i) => (i + 1 < n ? idx.dts[i + 1] - d : idx.duration[i]));
  const keys = new Set(idx.keyframes);
  tables.push({
    stream: p.videoStream,
    trackId: vt.tkhd.track_id,
    timescale: vt.mdia.mdhd.timescale,
    dts: idx.dts.map((d) => d + D),
    cts: idx.pts.map((x, i) => x - idx.dts[i]),
    duration: vDuration,
    sync: idx.dts.map((_, i) => keys.has(i)),
    offset: idx.offset,
    size: idx.size,
    shift: D,
  });

  // Audio: raw tables, the source's edit copied (the reader applies it as the source's does).
  for (const s of p.audioStreams) {
    const t = parsed.traks[s];
    if (!t || t.mdia?.hdlr?.handler !== 'soun') return { ok: false, reason: `stream ${s} is not an audio track of the moov` };
    const edits = t.edts?.elst?.entries ?? [];
    let empty = 0;
    let k = 0;
    if (edits.length && edits[0].media_time === -1) empty = Math.round((edits[k++].segment_duration * t.mdia.mdhd.timescale) / movieScale);
    if (edits.length - k > 1) return { ok: false, reason: `audio stream ${s}: an edit list of ${edits.length} entries` };
    const e = edits[k];
    if (e && (e.media_rate_integer !== 1 || e.media_rate_fraction !== 0)) return { ok: false, reason: `audio stream ${s}: an edit at another rate` };
    const samples = t.samples ?? [];
    if (samples.length === 0) return { ok: false, reason: `audio stream ${s} has no samples in the moov` };
    tables.push({
      stream: s,
      trackId: t.tkhd.track_id,
      timescale: t.mdia.mdhd.timescale,
      dts: samples.map((x) => x.dts),
      cts: samples.map((x) => x.cts - x.dts),
      duration: samples.map((x) => x.duration),
      sync: samples.map(() => true),
      offset: samples.map((x) => x.offset),
      size: samples.map((x) => x.size),
      shift: (e ? e.media_time : 0) - empty,
    });
  }

  // The init: the moov with every trak kept (stream numbers unchanged), tables emptied, mvex.
  const videoTrak = traks[p.videoStream];
  const moovParts: Uint8Array[] = [];
  const trex: Uint8Array[] = [];
  for (const b of kids) {
    if (b.type === 'trak') {
      const edts = b === videoTrak ? (D > 0 ? singleEdit(D, 0) : null) : undefined;
      moovParts.push(rebuildTrak(buf, b, edts));
      const tkhd = children(buf, b).find((c) => c.type === 'tkhd');
      if (!tkhd) return { ok: false, reason: 'a track without tkhd' };
      const id = view(buf).getUint32(tkhd.body + (buf[tkhd.body] === 1 ? 20 : 12));
      trex.push(fullBox('trex', 0, 0, u32(id), u32(1), u32(0), u32(0), u32(0)));
    } else if (b.type !== 'mvex' && b.type !== 'iods') moovParts.push(boxBytes(buf, b));
  }
  moovParts.push(makeBox('mvex', ...trex));
  const ftyp = p.ftyp ?? makeBox('ftyp', new TextEncoder().encode('isom'), u32(0x200), new TextEncoder().encode('isomiso2mp41'));
  return { ok: true, init: concatBytes([ftyp, makeBox('moov', ...moovParts)]), tracks: tables };
}

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
  const tfhd = uniform ? fullBox('tfhd', 0, 0x020028, u32(t.trackId), u32(t.duration[from]), u32(0x02000000)) : fullBox('tfhd', 0, 0x020000, u32(t.trackId));
  // trun v1 (signed composition offsets): data offset, then per sample size only, or all four.
  const trunFlags = uniform ? 0x000201 : 0x000f01;
  const build = (dataOffset: number) =>
    makeBox('moof', fullBox('mfhd', 0, 0, u32(sequence)), makeBox('traf', tfhd, fullBox('tfdt', 1, 0, u64(t.dts[from])), fullBox('trun', 1, trunFlags, u32(count), u32(dataOffset), entries)));
  const size = build(0).length;
  return { moof: build(size + 8), runs };
}

/**
 * The samples of a track that a decode of [fromSec, toSec) needs: those presented in it, with
 * `prerollSec` before (the decoder's state: an AAC frame overlaps the previous one; seeking the
 * source today gives about a second) and `tailSec` after.
 */
export function samplesForWindow(t: TrackTable, fromSec: number, toSec: number, prerollSec: number, tailSec: number): [number, number] {
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
  new TextEncoder().encode(JSON.stringify({ tracks: pieces.map((x) => ({ moof: Buffer.from(x.moof).toString('base64'), runs: x.runs })) } satisfies SegmentRecord));

export const decodeRecord = (bytes: Uint8Array): TrackPiece[] =>
  (JSON.parse(new TextDecoder().decode(bytes)) as SegmentRecord).tracks.map((x) => ({ moof: new Uint8Array(Buffer.from(x.moof, 'base64')), runs: x.runs }));

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
    if (last && o <= last.end + gap && Math.max(last.end, o + s) - last.start <= maxBytes) last.end = Math.max(last.end, o + s);
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
export function assembleSegmentFile(init: Uint8Array, pieces: TrackPiece[], fetched: { start: number; data: Uint8Array }[]): Uint8Array {
  const parts: Uint8Array[] = [init];
  for (const p of pieces) parts.push(p.moof, makeBox('mdat', gatherRuns(p.runs, fetched)));
  return concatBytes(parts);
}

/** The source's ftyp box, when the file starts with one (its brands decide how FFmpeg reads stsd). */
export async function readFtyp(src: RangeSource): Promise<Uint8Array | undefined> {
  if (src.size < 8) return undefined;
  const h = await src.read(0, 8);
  const size = view(h).getUint32(0);
  if (String.fromCharCode(...h.subarray(4, 8)) !== 'ftyp' || size < 8 || size > 4096 || size > src.size) return undefined;
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
export function planSegmentInputs(tracks: TrackTable[], segments: { startPacket: number; endPacket: number }[], audioWindowSec: ([number, number] | undefined)[]): { records: Uint8Array; refs: RecordRef[] } {
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
