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
import {
  boxBytes,
  concatBytes,
  fullBox,
  i64,
  listBoxes,
  makeBox,
  u32,
  u64,
  view,
  type BoxRef,
} from '../package/boxes.js';
import type { IndexedPackets } from '../probe/mp4index.js';

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
  return makeBox(
    'stbl',
    boxBytes(buf, stsd),
    fullBox('stts', 0, 0, u32(0)),
    fullBox('stsc', 0, 0, u32(0)),
    fullBox('stsz', 0, 0, u32(0), u32(0)),
    fullBox('stco', 0, 0, u32(0)),
  );
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
export function buildSegmentSource(p: {
  moov: Uint8Array;
  ftyp?: Uint8Array;
  videoStream: number;
  packets: IndexedPackets;
  audioStreams: number[];
}): SegmentSource {
  try {
    return build(p);
  } catch (err) {
    return { ok: false, reason: `the moov could not be rewritten as a fragmented init: ${(err as Error).message}` };
  }
}

function build(p: {
  moov: Uint8Array;
  ftyp?: Uint8Array;
  videoStream: number;
  packets: IndexedPackets;
  audioStreams: number[];
}): SegmentSource {
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
  for (let i = 1; i < n; i++)
    if (idx.dts[i] < idx.dts[i - 1]) return { ok: false, reason: `video decode times go back at packet ${i}` };
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
    if (t?.mdia?.hdlr?.handler !== 'soun')
      return { ok: false, reason: `stream ${s} is not an audio track of the moov` };
    const edits = t.edts?.elst?.entries ?? [];
    let empty = 0;
    let k = 0;
    if (edits[0]?.media_time === -1)
      empty = Math.round((edits[k++].segment_duration * t.mdia.mdhd.timescale) / movieScale);
    if (edits.length - k > 1)
      return { ok: false, reason: `audio stream ${s}: an edit list of ${edits.length} entries` };
    const e = edits[k];
    if (e && (e.media_rate_integer !== 1 || e.media_rate_fraction !== 0))
      return { ok: false, reason: `audio stream ${s}: an edit at another rate` };
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
  const ftyp =
    p.ftyp ?? makeBox('ftyp', new TextEncoder().encode('isom'), u32(0x200), new TextEncoder().encode('isomiso2mp41'));
  return { ok: true, init: concatBytes([ftyp, makeBox('moov', ...moovParts)]), tracks: tables };
}
