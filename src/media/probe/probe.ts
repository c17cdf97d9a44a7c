import { z } from 'zod';
import { InputError } from '../../errors.js';
import { parseSourceColour, type SourceColour } from '../encode/colour.js';
import { parseTracks, type TrackList } from '../plan/tracks.js';

export { buildPacketProbeArgs, buildStreamProbeArgs, type ProbeInput, protocolWhitelist } from './probeArgs.js';

/** A rational number (time bases, frame rates). */
export interface Rational {
  num: number;
  den: number;
}

/** What the pipeline needs to know about a source. */
export interface MediaInfo {
  formatName: string;
  durationSec: number;
  sizeBytes: number;
  bitRate: number;
  streamCount: number;
  video: {
    index: number;
    codec: string;
    profile?: string;
    pixFmt: string;
    width: number;
    height: number;
    timeBase: Rational;
    avgFrameRate: number;
    /** Display rotation in degrees (phone footage), applied explicitly because split pieces lose it. */
    rotation: number;
    /** Frame count the container header claims, when it has one. */
    headerFrames?: number;
    /**
     * MPEG-4 Part 2 in AVI (DivX/XviD): packets carry no pts and may hold packed B-frames, shown
     * in packet order one tick apart (N_VOP placeholders keep the slots). Split pieces then need
     * pts = dts and frames re-timed by their display index (args.ts).
     */
    packedSlots?: boolean;
    /** Colour description: SDR, or PQ/HLG HDR with its metadata (colour.ts). */
    colour?: SourceColour;
  };
  audio: { index: number; codec: string; channels: number; sampleRate: number } | null;
  /** Every audio and subtitle track, and the ones that cannot be kept (tracks.ts). */
  tracks?: TrackList;
}

/** The source's video packets in decode order: the keyframe index and every timestamp. */
export interface PacketIndex {
  pts: number[];
  dts: number[];
  duration: number[];
  /** Decode-order indices of packets flagged as keyframes. */
  keyframes: number[];
  /**
   * Decode-order indices of packets the container says not to show (flag D: outside an MP4
   * edit list, at the start or end of the timeline). They are decoded, never kept.
   */
  discard?: number[];
}

const StreamSchema = z.object({
  index: z.number(),
  codec_type: z.string().optional(),
  codec_name: z.string().optional(),
  profile: z.string().optional(),
  pix_fmt: z.string().optional(),
  width: z.number().optional(),
  height: z.number().optional(),
  time_base: z.string().optional(),
  avg_frame_rate: z.string().optional(),
  nb_frames: z.string().optional(),
  bits_per_raw_sample: z.string().optional(),
  color_range: z.string().optional(),
  color_space: z.string().optional(),
  color_transfer: z.string().optional(),
  color_primaries: z.string().optional(),
  channels: z.number().optional(),
  sample_rate: z.string().optional(),
  disposition: z.record(z.string(), z.number()).optional(),
  tags: z.record(z.string(), z.string()).optional(),
  side_data_list: z.array(z.object({ rotation: z.number().optional() }).passthrough()).optional(),
});
const ProbeJsonSchema = z.object({
  streams: z.array(StreamSchema).default([]),
  format: z
    .object({
      format_name: z.string().optional(),
      duration: z.string().optional(),
      size: z.string().optional(),
      bit_rate: z.string().optional(),
    })
    .optional(),
});

function parseRational(s: string | undefined): Rational | undefined {
  const m = /^(\d+)\/(\d+)$/.exec(s ?? '');
  if (!m || Number(m[2]) === 0) return undefined;
  return { num: Number(m[1]), den: Number(m[2]) };
}

/** Maps any rotation to one of 0, 90, 180, 270 (clockwise display rotation). */
export function normalizeRotation(deg: number): number {
  if (!Number.isFinite(deg)) return 0;
  // ffprobe's displaymatrix rotation is counter-clockwise (-90 means rotate 90 clockwise).
  return (((Math.round(-deg / 90) * 90) % 360) + 360) % 360;
}

/** Parses ffprobe's JSON into MediaInfo; INPUT_NO_VIDEO when there is no usable video stream. */
export function parseStreamProbe(json: string): MediaInfo {
  let data: z.infer<typeof ProbeJsonSchema>;
  try {
    data = ProbeJsonSchema.parse(JSON.parse(json));
  } catch (err) {
    throw new InputError('INPUT_UNREADABLE', 'ffprobe returned no usable description of the file', { cause: err });
  }
  const v = data.streams.find((s) => s.codec_type === 'video' && !s.disposition?.attached_pic);
  if (!v) throw new InputError('INPUT_NO_VIDEO', 'the file has no video stream (audio-only or not a video)');
  const tb = parseRational(v.time_base);
  if (!tb || !v.width || !v.height || !v.codec_name) {
    throw new InputError('INPUT_UNREADABLE', `video stream ${v.index} has no codec, size or time base`);
  }
  // An audio stream without a sample rate or channels has no packets (tracks.ts skips it).
  const a = data.streams.find(
    (s) => s.codec_type === 'audio' && Number(s.sample_rate ?? 0) > 0 && (s.channels ?? 0) > 0,
  );
  const fr = parseRational(v.avg_frame_rate);
  const nb = Number(v.nb_frames);
  return {
    formatName: data.format?.format_name ?? 'unknown',
    durationSec: Number(data.format?.duration ?? 0) || 0,
    sizeBytes: Number(data.format?.size ?? 0) || 0,
    bitRate: Number(data.format?.bit_rate ?? 0) || 0,
    streamCount: data.streams.length,
    video: {
      index: v.index,
      codec: v.codec_name,
      profile: v.profile,
      pixFmt: v.pix_fmt ?? 'unknown',
      width: v.width,
      height: v.height,
      timeBase: tb,
      avgFrameRate: fr ? fr.num / fr.den : 0,
      rotation: normalizeRotation(
        v.side_data_list?.find((d) => d.rotation !== undefined)?.rotation ?? Number(v.tags?.rotate ?? 0),
      ),
      ...(Number.isFinite(nb) && nb > 0 ? { headerFrames: nb } : {}),
      ...(v.codec_name === 'mpeg4' && /(^|,)avi(,|$)/.test(data.format?.format_name ?? '')
        ? { packedSlots: true }
        : {}),
      colour: parseSourceColour(v as Parameters<typeof parseSourceColour>[0]),
    },
    audio: a
      ? {
          index: a.index,
          codec: a.codec_name ?? 'unknown',
          channels: a.channels ?? 0,
          sampleRate: Number(a.sample_rate ?? 0),
        }
      : null,
    tracks: parseTracks(json),
  };
}

/**
 * Parses the packet CSV. Packets without any timestamp are dropped (they cannot be placed);
 * a missing pts falls back to dts (AVI, raw streams).
 */
export function parsePacketCsv(csv: string): PacketIndex {
  const idx: PacketIndex = { pts: [], dts: [], duration: [], keyframes: [], discard: [] };
  for (const line of csv.split('\n')) {
    if (!line) continue;
    const [pts, dts, dur, flags] = line.split(',');
    const p = Number(pts);
    const d = Number(dts);
    const hasP = pts !== 'N/A' && pts !== '' && Number.isFinite(p);
    const hasD = dts !== 'N/A' && dts !== '' && Number.isFinite(d);
    if (!hasP && !hasD) continue;
    if (flags?.includes('K')) idx.keyframes.push(idx.pts.length);
    if (flags?.includes('D')) idx.discard!.push(idx.pts.length);
    idx.pts.push(hasP ? p : d);
    idx.dts.push(hasD ? d : p);
    const du = Number(dur);
    idx.duration.push(Number.isFinite(du) && du > 0 ? du : 0);
  }
  return idx;
}

/**
 * Most frames a decoder holds back for reordering: H.264's and HEVC's decoded picture buffer
 * has at most 16 frames (ITU-T H.264 Annex A, MaxDpbFrames; H.265 A.4.2 maxDpbSize). A frame
 * presented further from its decode position than this cannot come from a real encoder: the
 * container's composition offsets lie. Pessimistic: the largest any level allows.
 */
export const MAX_REORDER_FRAMES = 16;

/**
 * Checks that the packet index is complete and usable, and names who is at fault when not.
 *
 * Truncated (INPUT_TRUNCATED) means bytes are missing: the demuxer says so ("partial file": an
 * MP4 sample table pointing past the end; a missing moov), or the header promises more frames
 * than can be read *and* the last packet was cut short by the end of the file ("Packet
 * corrupt": a cut download of an AVI, whose index at the end is gone). A header frame count that
 * merely disagrees with packets that all demux cleanly (AVI writers that count frames they never
 * wrote, e.g. a header saying 300 for 295) is not truncation: ffmpeg and every player read those
 * files without a warning, so the frames that exist are transcoded. Returns a note for the log.
 *
 * Corrupt (INPUT_CORRUPT): the bytes are there but are not valid frame data ("Invalid NAL unit
 * size" with no partial file). Inconsistent (INPUT_INCONSISTENT): the index lies about the data:
 * composition offsets the demuxer itself rejects ("CTTS invalid") or that put a frame further
 * from its decode position than any decoder reorders (MAX_REORDER_FRAMES), or an edit list that
 * shows none of the frames.
 */
export function checkPacketIndex(info: MediaInfo, idx: PacketIndex, stderr: string): { note?: string } {
  const v = `video stream ${info.video.index} (${info.video.codec})`;
  if (idx.pts.length === 0) throw new InputError('INPUT_NO_FRAMES', `${v} has no readable frames`);
  if (/partial file|moov atom not found/i.test(stderr)) {
    throw new InputError(
      'INPUT_TRUNCATED',
      `the file is truncated: ${firstLine(stderr, /partial file|moov atom not found/i) ?? 'ffprobe could not read all of it'}`,
    );
  }
  if (/Invalid NAL unit size/i.test(stderr)) {
    throw new InputError(
      'INPUT_CORRUPT',
      `${v}: frame data present but not decodable (${firstLine(stderr, /Invalid NAL unit size/i)})`,
    );
  }
  if (/CTTS invalid/i.test(stderr)) {
    throw new InputError(
      'INPUT_INCONSISTENT',
      `${v}: the composition offsets of the MP4 index (ctts box) are invalid (ffmpeg drops them: frames would be shown in decode order)`,
    );
  }
  if (idx.discard && idx.discard.length === idx.pts.length) {
    throw new InputError(
      'INPUT_INCONSISTENT',
      `${v}: the edit list (MP4 elst box) shows none of its ${idx.pts.length} frames`,
    );
  }
  checkReorder(info, idx);
  let note: string | undefined;
  if (info.video.headerFrames && idx.pts.length < info.video.headerFrames) {
    if (/Packet corrupt|truncat|End of file/i.test(stderr)) {
      throw new InputError(
        'INPUT_TRUNCATED',
        `the file is truncated: the header lists ${info.video.headerFrames} video frames, only ${idx.pts.length} can be read and the last is cut short`,
      );
    }
    note = `the header lists ${info.video.headerFrames} video frames, ${idx.pts.length} demux cleanly: using those`;
  }
  if (idx.keyframes.length === 0) throw new InputError('INPUT_UNSUPPORTED', 'the video stream has no keyframe');
  return note ? { note } : {};
}

/** The first stderr line matching `re`, without ffmpeg's `[demuxer @ 0x…]` prefix. */
function firstLine(stderr: string, re: RegExp): string | undefined {
  return stderr
    .split('\n')
    .find((l) => re.test(l))
    ?.replace(/^\[[^\]]*\]\s*/, '')
    .trim();
}

/**
 * Refuses presentation times that no decoder produces: a frame shown more than
 * MAX_REORDER_FRAMES positions away from where it is decoded (tampered composition offsets).
 */
function checkReorder(info: MediaInfo, idx: PacketIndex): void {
  const order = idx.pts.map((_, i) => i).sort((a, b) => idx.pts[a] - idx.pts[b] || a - b);
  const tick = info.video.timeBase.num / info.video.timeBase.den;
  for (let rank = 0; rank < order.length; rank++) {
    const i = order[rank];
    if (Math.abs(rank - i) > MAX_REORDER_FRAMES) {
      const where = /mp4|mov/.test(info.formatName) ? 'the MP4 index (ctts box)' : 'the container';
      throw new InputError(
        'INPUT_INCONSISTENT',
        `video stream ${info.video.index} (${info.video.codec}): ${where} presents frame ${i} (decode order, dts ${(idx.dts[i] * tick).toFixed(3)} s) at ${(idx.pts[i] * tick).toFixed(3)} s, ${Math.abs(rank - i)} frames from where it is decoded; a decoder reorders at most ${MAX_REORDER_FRAMES}`,
      );
    }
  }
}
