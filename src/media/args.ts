/**
 * Pure builders of ffmpeg argument lists. Nothing here runs a process, so every choice that
 * decides output correctness is testable without the binary.
 */
import type { Preset, Rendition } from './presets.js';
import { protocolWhitelist } from './probe.js';
import { videoEncoderArgs, outputFormat, mp4VideoTagArgs } from './codecs.js';
import { colourFilters, type ColourPlan } from './colour.js';
import { AUDIO_FORMATS, CONCAT_FORMATS, PIECE_FORMATS, SOURCE_FORMATS } from './formats.js';

/** Input options every source read gets: what it may open, and as what. */
const sourceInput = (url: string) => ['-protocol_whitelist', protocolWhitelist(url), '-format_whitelist', SOURCE_FORMATS];

const BASE = ['-hide_banner', '-nostdin', '-y', '-loglevel', 'error'];

/**
 * Split by stream copy at the planned packets, into NUT files that keep the source's exact
 * time base and timestamps (-copyts; MP4/MKV pieces would round or shift them).
 */
export function buildSplitArgs(p: { input: string; videoStream: number; splitFrames: number[]; pattern: string; packedSlots?: boolean }): string[] {
  const args = [...BASE, ...sourceInput(p.input), '-copyts', '-i', p.input,
    '-map', `0:${p.videoStream}`, '-c', 'copy', '-avoid_negative_ts', 'disabled'];
  // AVI packets of MPEG-4 Part 2 have no pts (NUT refuses them: "Negative pts not supported").
  // Each packet is one display slot, so pts = dts. Not +genpts with mpeg4_unpack_bframes: its
  // guessed pts put two B-frames after a cut at one time (frame 157 lost, 158 twice).
  if (p.packedSlots) args.push('-bsf:v', 'setts=pts=DTS');
  args.push('-f', 'segment', '-segment_format', 'nut');
  // Without a list the muxer would cut every 2 s (its default segment_time): one segment then
  // needs a cut point past the last packet.
  args.push('-segment_frames', p.splitFrames.length ? p.splitFrames.join(',') : String(2 ** 31 - 2));
  args.push('-reset_timestamps', '0', p.pattern);
  return args;
}

/** Video filter that undoes the source's display rotation (split pieces lose that metadata). */
export function rotationFilter(rotation: number): string[] {
  if (rotation === 90) return ['transpose=clock'];
  if (rotation === 180) return ['hflip', 'vflip'];
  if (rotation === 270) return ['transpose=cclock'];
  return [];
}

/** One output of a segment encode. */
export interface EncodeOutput {
  rendition: Rendition;
  file: string;
}

/**
 * Encodes one segment into every rendition in a single process (one decode).
 * Timing is passed through: no frame is duplicated or dropped and each keeps its source
 * timestamp in the source time base (-vsync passthrough, -enc_time_base -1), so variable
 * frame rate survives. Keyframes are forced on a fixed grid of source time and at the
 * segment start, with scene-cut keyframes off, so every rendition has them at the same frames.
 */
export function buildSegmentEncodeArgs(p: {
  input: string;
  preset: Preset;
  outputs: EncodeOutput[];
  skip: number;
  count: number;
  totalFrames: number;
  rotation: number;
  threads?: number;
  /** What happens to an HDR source (colour.ts planColour); SDR when absent. */
  colour?: ColourPlan;
  /**
   * Source tick of a piece split from packed-B-frame AVI (probe.ts packedSlots): the decoder
   * misplaces the pts of packed B-frames, so frame n of the piece is put at the piece's first
   * frame (a keyframe, whose pts is right) + n ticks, as in the source's own slots.
   */
  slotTick?: { num: number; den: number };
}): string[] {
  const colour = p.colour ?? { mode: 'sdr' };
  const { pixFmt } = outputFormat(p.preset, colour);
  const args = [...BASE, '-protocol_whitelist', 'file', '-format_whitelist', PIECE_FORMATS, '-noautorotate', '-copyts', '-i', p.input, '-vsync', 'passthrough'];
  const slots = p.slotTick ? [`setpts=STARTPTS+round(N*${p.slotTick.num}/(${p.slotTick.den}*TB))`] : [];
  const trim = [...slots, ...(p.skip > 0 || p.count < p.totalFrames ? [`select=between(n\\,${p.skip}\\,${p.skip + p.count - 1})`] : [])];
  for (const o of p.outputs) {
    const r = o.rendition;
    const vf = [...trim, ...rotationFilter(p.rotation), ...colourFilters(colour, { width: r.width, height: r.outHeight }, pixFmt, pixFmt)].join(',');
    args.push(
      '-map', '0:v:0', '-an', '-sn', '-dn',
      '-vf', vf,
      ...videoEncoderArgs(p.preset, r, colour),
      ...(p.threads ? ['-threads', String(p.threads)] : []),
      '-enc_time_base', '-1',
      '-f', 'nut', o.file,
    );
  }
  return args;
}

/**
 * Encodes the audio of the whole range once: cut to the video's range in source time, moved
 * to start at zero, gaps and a late start filled with silence, padded or cut to the video's
 * duration, so the renditions' A/V offset is zero.
 */
export function buildAudioArgs(p: {
  input: string;
  audioStream: number;
  startSec: number;
  endSec: number;
  preset: Preset;
  output: string;
}): string[] {
  const dur = p.endSec - p.startSec;
  const f = (x: number) => x.toFixed(6);
  const af = [
    `atrim=start=${f(p.startSec)}:end=${f(p.endSec)}`,
    `asetpts=PTS-${f(p.startSec)}/TB`,
    'aresample=async=1:first_pts=0',
    'apad',
  ].join(',');
  return [...BASE, ...sourceInput(p.input), '-copyts', '-i', p.input,
    '-map', `0:${p.audioStream}`, '-vn', '-sn', '-dn', '-af', af, '-t', f(dur),
    '-c:a', p.preset.audio.encoder, '-b:a', `${p.preset.audio.bitrateKbps}k`,
    '-ac', String(p.preset.audio.channels), '-ar', String(p.preset.audio.sampleRate),
    '-f', 'mp4', p.output];
}

/** A piece of a rendition in the concat list, with its exact planned duration. */
export interface ConcatPiece {
  file: string;
  durationSec?: number;
}

/**
 * The ffconcat list. Each piece's duration is given, computed so the running offsets equal
 * the planned start times to the microsecond (no drift across hundreds of pieces).
 */
export function buildConcatList(pieces: ConcatPiece[]): string {
  const lines = ['ffconcat version 1.0'];
  for (const p of pieces) {
    lines.push(`file '${p.file.replace(/'/g, "'\\''")}'`);
    if (p.durationSec !== undefined) lines.push(`duration ${p.durationSec.toFixed(6)}`);
  }
  return lines.join('\n') + '\n';
}

/**
 * Durations for the concat list from the planned start times (ticks): the differences of the
 * starts rounded to microseconds, so the sums telescope to the exact starts.
 */
export function pieceDurations(startPts: number[], tick: number): number[] {
  const us = (pts: number) => Math.round((pts - startPts[0]) * tick * 1e6);
  return startPts.slice(1).map((p, i) => (us(p) - us(startPts[i])) / 1e6);
}

/** Joins the pieces of one rendition by stream copy and muxes the audio in: MP4, faststart. */
export function buildConcatArgs(p: { list: string; audio?: string; output: string; preset?: Preset }): string[] {
  const args = [...BASE, '-protocol_whitelist', 'file', '-format_whitelist', CONCAT_FORMATS, '-f', 'concat', '-safe', '0', '-i', p.list];
  if (p.audio) args.push('-protocol_whitelist', 'file', '-format_whitelist', AUDIO_FORMATS, '-i', p.audio);
  args.push('-map', '0:v:0');
  if (p.audio) args.push('-map', '1:a:0');
  args.push('-c', 'copy', ...(p.preset ? mp4VideoTagArgs(p.preset) : []), '-movflags', '+faststart', '-f', 'mp4', p.output);
  return args;
}

/**
 * Scrubbing thumbnails: keyframes only are decoded (-skip_frame nokey), one picture per
 * interval, fitted into a fixed tile.
 */
export function buildThumbnailArgs(p: { input: string; videoStream: number; intervalSec: number; width: number; height: number; pattern: string }): string[] {
  return [...BASE, ...sourceInput(p.input), '-skip_frame', 'nokey', '-i', p.input,
    '-map', `0:${p.videoStream}`, '-an', '-sn', '-dn',
    '-vf', `fps=1/${p.intervalSec},scale=${p.width}:${p.height}:force_original_aspect_ratio=decrease,pad=${p.width}:${p.height}:(ow-iw)/2:(oh-ih)/2`,
    '-q:v', '4', '-f', 'image2', p.pattern];
}

/**
 * One full-size frame for the poster, the first frame at or after `atSec`. `atSec` is a
 * timestamp of the source (`-seek_timestamp 1`: not an offset from the file's start time, so
 * sources that start at 10 s or 1.4 s, as MPEG-TS does, seek to the same frame).
 */
export function buildPosterArgs(p: { input: string; videoStream: number; atSec: number; output: string }): string[] {
  return [...BASE, ...sourceInput(p.input), '-seek_timestamp', '1', '-ss', p.atSec.toFixed(6), '-i', p.input,
    '-map', `0:${p.videoStream}`, '-frames:v', '1', '-f', 'image2', '-c:v', 'png', p.output];
}
