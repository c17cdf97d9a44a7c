/**
 * The old path's ffmpeg builders, which the service no longer runs (it encodes audio in chunks
 * beside the video, writes CMAF fragments, takes its stills from the segment decodes): kept
 * here only for the benchmarks that still measure those passes (oneCore, throughput, newPath).
 * Moved from src/media/args.ts unchanged.
 */
import type { Preset } from '../../src/media/presets.js';
import { protocolWhitelist } from '../../src/media/probe.js';
import { mp4VideoTagArgs } from '../../src/media/codecs.js';
import { AUDIO_FORMATS, CONCAT_FORMATS, SOURCE_FORMATS } from '../../src/media/formats.js';

const sourceInput = (url: string) => ['-protocol_whitelist', protocolWhitelist(url), '-format_whitelist', SOURCE_FORMATS];

const BASE = ['-hide_banner', '-nostdin', '-y', '-loglevel', 'error'];

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
  args.push('-c', 'copy', ...(p.preset ? mp4VideoTagArgs(p.preset.video) : []), '-movflags', '+faststart', '-f', 'mp4', p.output);
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
