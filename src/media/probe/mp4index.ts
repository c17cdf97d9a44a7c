/**
 * The video packet index of an MP4/MOV source built from its sample tables (the moov box),
 * without reading any media data: the same facts ffprobe's packet probe reports (pts, dts,
 * duration, keyframe and discard flags per packet, in decode order), plus where each packet's
 * bytes are in the file (what a segment worker reads).
 *
 * The tables are parsed by mp4box (GPAC's parser). What ffprobe reports is not the raw tables:
 * libavformat's MOV demuxer (mov_fix_index in FFmpeg 5.1) rewrites the index through the edit
 * list, and its packet durations come from the stream's r_frame_rate when the track has
 * composition offsets (ctts). This module reproduces that for the cases FFmpeg's own files
 * and ordinary cameras produce (no edit list, or leading empty edits then one edit at rate 1)
 * and refuses everything else with a reason, so the caller falls back to the packet probe
 * rather than plan from facts that might differ.
 */
import { createFile, type MP4BoxBuffer } from 'mp4box';
import type { PacketIndex, Rational } from './probe.js';

/** A packet index with each packet's bytes in the source file (decode order, same length). */
export interface IndexedPackets extends PacketIndex {
  /** Byte offset of each packet in the file. */
  offset: number[];
  /** Byte size of each packet. */
  size: number[];
}

/** What the moov gave, or why it cannot stand in for the packet probe. */
export type MoovIndexResult =
  | { ok: true; packets: IndexedPackets; timeBase: Rational; trackId: number }
  | { ok: false; reason: string };

/** Inputs the sample tables alone do not hold. */
export interface MoovIndexOptions {
  /** ffprobe's index of the video stream (MOV streams are the moov's tracks, in order). */
  streamIndex: number;
  /**
   * The first packets of the stream as ffprobe reads them (buildStreamProbeWithHeadArgs):
   * libavformat gives packets of a track with composition offsets no duration of its own and
   * fills one in from the codec's timing (the H.264 SPS, the parser's field count), which the
   * sample tables do not hold; it is taken from these packets, which must all agree, and the
   * index's first packets must equal them field by field (a check of the edit-list mapping on
   * the real demuxer, at the cost of reading the first packets).
   */
  head: PacketIndex;
  /** Size of the whole file: sample tables that point past it mean a truncated upload. */
  fileSize: number;
}

/** One sample of the raw tables, decode order. */
interface RawSample {
  dts: number;
  /** Composition offset (ctts), 0 without ctts. */
  ctts: number;
  sync: boolean;
  offset: number;
  size: number;
}

/** av_rescale: a * b / c rounded to nearest, halves away from zero. */
function rescale(a: number, b: number, c: number): number {
  const v = (a * b) / c;
  return v < 0 ? -Math.round(-v) : Math.round(v);
}

/**
 * Parses a complete moov box (its bytes from its header on) and builds the video packet index
 * of the stream ffprobe numbers `streamIndex`.
 */
export function indexFromMoov(moov: Uint8Array, opts: MoovIndexOptions): MoovIndexResult {
  const iso = createFile();
  const ab = moov.buffer.slice(moov.byteOffset, moov.byteOffset + moov.byteLength) as MP4BoxBuffer;
  ab.fileStart = 0;
  let parseError: string | undefined;
  iso.onError = (_m: string, msg: string) => (parseError = msg);
  // mp4box expands the sample tables of every track into sample objects when the moov is
  // parsed; only the video track's are needed (audio has more samples than video: a 60-minute
  // source's moov parses in about half the time this way).
  const lists = iso as unknown as { buildTrakSampleLists?: (t: unknown) => void };
  if (typeof lists.buildTrakSampleLists === 'function') {
    const build = lists.buildTrakSampleLists.bind(iso);
    lists.buildTrakSampleLists = (t) => {
      if (t === iso.moov?.traks?.[opts.streamIndex]) build(t);
    };
  }
  try {
    iso.appendBuffer(ab, true);
    iso.flush();
  } catch (err) {
    return { ok: false, reason: `mp4box could not parse the moov: ${(err as Error).message}` };
  }
  if (parseError) return { ok: false, reason: `mp4box could not parse the moov: ${parseError}` };
  const moovBox = iso.moov;
  if (!moovBox) return { ok: false, reason: 'no moov box' };
  if (moovBox.mvex) return { ok: false, reason: 'fragmented MP4 (mvex): samples live in moof boxes, not in the moov' };
  const trak = moovBox.traks?.[opts.streamIndex];
  if (!trak) return { ok: false, reason: `the moov has no track ${opts.streamIndex}` };
  if (trak.mdia?.hdlr?.handler !== 'vide')
    return { ok: false, reason: `track ${opts.streamIndex} is not video (${trak.mdia?.hdlr?.handler})` };
  const stbl = trak.mdia.minf.stbl;
  const timescale = trak.mdia.mdhd.timescale;
  if (!(timescale > 0)) return { ok: false, reason: 'media timescale is 0' };
  // Tables libavformat reads into the keyframe flags that mp4box does not.
  const box = (t: string) => (stbl as unknown as { boxes: { type: string }[] }).boxes.some((b) => b.type === t);
  if (box('stps')) return { ok: false, reason: 'partial sync samples (stps)' };
  if (stbl.stss && stbl.stss.sample_numbers.length === 0)
    return { ok: false, reason: 'an empty sync sample table (no keyframe flags)' };
  if (box('stz2')) return { ok: false, reason: 'compact sample sizes (stz2)' };
  const ctts = stbl.ctts;
  // FFmpeg reads every ctts entry as signed; negative ones shift dts (dts_shift), not handled here.
  if (ctts?.sample_offsets.some((o: number) => o < 0 || o >= 2 ** 31))
    return { ok: false, reason: 'negative composition offsets' };
  const samples = trak.samples ?? [];
  if (samples.length === 0) return { ok: false, reason: 'the track has no samples in the moov' };
  const raw: RawSample[] = samples.map((s) => ({
    dts: s.dts,
    ctts: s.cts - s.dts,
    sync: s.is_sync,
    offset: s.offset,
    size: s.size,
  }));
  const end = raw.reduce((m, s) => Math.max(m, s.offset + s.size), 0);
  if (end > opts.fileSize) {
    return { ok: false, reason: `truncated: the sample tables reach byte ${end}, the file has ${opts.fileSize}` };
  }

  const edits = (trak.edts?.elst?.entries ?? []).map((e) => ({
    mediaTime: e.media_time,
    rate: e.media_rate_integer + e.media_rate_fraction / 65536,
    duration: e.segment_duration,
  }));
  const movieScale = moovBox.mvhd.timescale;
  const hasCtts = !!ctts && ctts.sample_counts.length > 0;
  // st->duration: the media header's, or the sum of the sample durations if that is shorter.
  const sttsSum = stbl.stts.sample_counts.reduce(
    (a: number, c: number, i: number) => a + c * stbl.stts.sample_deltas[i],
    0,
  );
  const mediaDuration = sttsSum > 0 ? Math.min(trak.mdia.mdhd.duration, sttsSum) : trak.mdia.mdhd.duration;
  const mapped = applyEditList(raw, edits, { timescale, movieScale, hasCtts, mediaDuration });
  if (!mapped.ok) return mapped;
  const { entries, streamDuration } = mapped;

  // Packet durations as libavformat's mov_read_packet leaves them: without ctts the next
  // entry's dts (the stream's duration for the last); with ctts none, and compute_pkt_fields
  // fills in one frame from the codec's timing: the constant ffprobe showed for the first ones.
  const head = opts.head;
  if (head.pts.length === 0) return { ok: false, reason: 'ffprobe showed no packet of the stream' };
  const frameTicks = head.duration[0];
  if (hasCtts && head.duration.some((d) => d !== frameTicks)) {
    return {
      ok: false,
      reason: 'packet durations vary from frame to frame (codec field timing): not in the sample tables',
    };
  }
  const out: IndexedPackets = { pts: [], dts: [], duration: [], keyframes: [], discard: [], offset: [], size: [] };
  entries.forEach((e, i) => {
    out.dts.push(e.dts);
    out.pts.push(e.dts + e.ctts);
    let d: number;
    if (hasCtts) d = frameTicks;
    else {
      const next = i + 1 < entries.length ? entries[i + 1].dts : streamDuration;
      d = next >= e.dts ? next - e.dts : 0;
    }
    out.duration.push(Math.max(d, 0));
    if (e.sync) out.keyframes.push(i);
    if (e.discard) out.discard!.push(i);
    out.offset.push(e.offset);
    out.size.push(e.size);
  });
  const n = head.pts.length;
  if (out.pts.length < n) return { ok: false, reason: `the index has ${out.pts.length} packets, ffprobe showed ${n}` };
  for (const k of ['pts', 'dts', 'duration'] as const) {
    for (let i = 0; i < n; i++) {
      if (out[k][i] !== head[k][i])
        return { ok: false, reason: `packet ${i} ${k}: the index says ${out[k][i]}, ffprobe ${head[k][i]}` };
    }
  }
  const upTo = (a: number[] | undefined) => JSON.stringify((a ?? []).filter((i) => i < n));
  if (upTo(out.keyframes) !== upTo(head.keyframes))
    return { ok: false, reason: "keyframe flags of the first packets differ from ffprobe's" };
  if (upTo(out.discard) !== upTo(head.discard))
    return { ok: false, reason: "discard flags of the first packets differ from ffprobe's" };
  return { ok: true, packets: out, timeBase: { num: 1, den: timescale }, trackId: trak.tkhd.track_id };
}

interface Entry extends RawSample {
  discard: boolean;
}

/**
 * FFmpeg 5.1's mov_fix_index for a video track, restricted to what is verified against
 * ffprobe: leading empty edits, then a single edit at rate 1. The keyframe at or before the
 * edit's start is kept with everything after it (frames outside the edit flagged discard),
 * samples past the first keyframe after the edit's end (the second, with ctts: trailing
 * B-frames may still belong to it) are dropped, and dts are renumbered from the edit's start
 * so that the first shown frame has pts 0 (or the empty edits' length).
 */
export function applyEditList(
  raw: RawSample[],
  edits: { mediaTime: number; rate: number; duration: number }[],
  p: { timescale: number; movieScale: number; hasCtts: boolean; mediaDuration: number },
): { ok: true; entries: Entry[]; streamDuration: number } | { ok: false; reason: string } {
  if (edits.length === 0) {
    // No edit list: the tables as they are; the stream lasts the media's duration.
    return { ok: true, entries: raw.map((s) => ({ ...s, discard: false })), streamDuration: p.mediaDuration };
  }
  if (!(p.movieScale > 0)) return { ok: false, reason: 'an edit list with a movie timescale of 0' };
  let empty = 0;
  let k = 0;
  while (k < edits.length && edits[k].mediaTime === -1)
    empty += rescale(edits[k++].duration, p.timescale, p.movieScale);
  if (edits.length - k !== 1)
    return { ok: false, reason: `an edit list of ${edits.length} entries (${edits.length - k} non-empty)` };
  const e = edits[k];
  if (e.rate !== 1) return { ok: false, reason: `an edit at rate ${e.rate}` };
  if (e.mediaTime < 0) return { ok: false, reason: `an edit with media time ${e.mediaTime}` };
  const m = e.mediaTime;
  const dur = rescale(e.duration, p.timescale, p.movieScale);
  if (dur <= 0) return { ok: false, reason: 'an edit of duration 0 (to the end of the media)' };

  // find_prev_closest_index: the last keyframe by dts at or before m, then back to the first
  // keyframe (any sample on the way) whose pts is at or before m, so B-frames decode.
  let k0 = -1;
  for (let i = 0; i < raw.length; i++) if (raw[i].sync && raw[i].dts <= m) k0 = i;
  let start = -1;
  for (let i = k0; i >= 0; i--) {
    if (raw[i].sync && (!p.hasCtts || raw[i].dts + raw[i].ctts <= m)) {
      start = i;
      break;
    }
  }
  if (start < 0) return { ok: false, reason: 'no keyframe at or before the edit start' };

  const entries: Entry[] = [];
  let counter = empty; // edit_list_dts_counter: the sum of the edits before this one
  let started = false;
  let minPts = -1;
  let keyAfter = false;
  const discardedBegin: number[] = []; // frame durations of the frames before the edit's start
  for (let i = start; i < raw.length; i++) {
    const s = raw[i];
    const frameDuration = i + 1 < raw.length ? raw[i + 1].dts - s.dts : dur;
    const cts = s.dts + s.ctts;
    const outside = cts < m || cts >= m + dur;
    if (!outside) {
      const pts = counter + s.ctts;
      minPts = minPts < 0 ? pts : Math.min(minPts, pts);
      if (!started) {
        // fix_index_entry_timestamps: the frames before the start get the dts that count back
        // from it by their durations (until now they all held the counter's value).
        let ts = counter;
        for (let j = 0; j < discardedBegin.length; j++) {
          ts -= discardedBegin[discardedBegin.length - 1 - j];
          entries[entries.length - 1 - j].dts = ts;
        }
      }
      started = true;
    } else if (!started) discardedBegin.push(frameDuration);
    entries.push({ ...s, dts: counter, discard: outside });
    // Before the first frame inside the edit the counter stands still (FFmpeg's rule).
    if (started) counter += frameDuration;
    if (cts + frameDuration >= m + dur && s.sync) {
      if (p.hasCtts && !keyAfter) {
        keyAfter = true;
        continue;
      }
      break;
    }
  }
  minPts -= empty;
  if (minPts > 0) for (const en of entries) en.dts -= minPts;
  // The stream's duration only shrinks to the edits' end (edit_list_dts_entry_end - start_dts).
  return { ok: true, entries, streamDuration: Math.min(p.mediaDuration, empty + dur) };
}
