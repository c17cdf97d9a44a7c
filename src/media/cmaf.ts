/**
 * CMAF pieces from the segment workers: pure ffmpeg argument builders for a segment's video
 * fragments and a chunk of audio, the arithmetic that places them on the job's timeline, and
 * the checks that refuse an encoder whose fragments would not play back at the source's times.
 *
 * Timeline: every track's time zero is the plan's first frame. A video track's timescale is the
 * source time base's denominator, so each frame's source timestamp is an integer number of
 * ticks and is kept exactly; a segment's fragment gets tfdt = its first frame's source ticks
 * minus the plan's first frame. Video fragments use trun version 1 (signed composition
 * offsets, ffmpeg's negative_cts_offsets), so the first frame's decode time equals its
 * presentation time and no edit list is needed (CMAF's recommendation for video).
 *
 * Audio (AAC, 1024 samples a frame) is cut at frame boundaries near the video cuts and each
 * chunk is encoded with pre-roll and look-ahead; the extra packets are dropped by bytes
 * (isobmff.keepSamples), so joined chunks decode like one encode (proved in test/e2e/cmaf.test.ts).
 */
import { mp4VideoTagArgs } from './codecs.js';
import { EncoderError } from '../errors.js';
import type { Preset } from './presets.js';
import type { Rational } from './probe.js';
import { buildSegmentEncodeArgs, type EncodeOutput } from './args.js';
import { protocolWhitelist } from './probe.js';
import { SOURCE_FORMATS } from './formats.js';
import { sampleTimes, type FragmentInfo } from './isobmff.js';

/** Samples in one AAC-LC frame. */
export const AAC_FRAME = 1024;

/** The encoder's priming: ffmpeg's aac encoder delays its output by one frame (initial_padding). */
export const AAC_PRIMING = 1024;

/**
 * Frames of pre-roll each audio chunk after the first is encoded with: the first kept packet's
 * MDCT window overlaps the previous frame, and the encoder's psychoacoustic state settles over a
 * few frames; 2 frames of real signal before the cut keep the joins within the stated error.
 */
export const AUDIO_PREROLL_FRAMES = 2;

/** Frames of look-ahead past a chunk's end, so its last kept packet has its whole window. */
export const AUDIO_LOOKAHEAD_FRAMES = 2;

/**
 * The timescale that holds a time base's ticks exactly: its denominator (a source time base
 * num/den has ticks of num/den s, i.e. num units of 1/den).
 */
export function trackTimescale(tb: Rational): { timescale: number; unitsPerTick: number } {
  return { timescale: tb.den, unitsPerTick: tb.num };
}

/** The fMP4 muxer options of one output: one fragment for the whole piece, moof-relative offsets. */
export function fragmentMuxerArgs(p: { timescale?: number; negativeCts: boolean }): string[] {
  return [
    ...(p.timescale ? ['-video_track_timescale', String(p.timescale)] : []),
    // empty_moov: the init segment carries no samples, so every worker writes the same one.
    // default_base_moof: data offsets relative to the moof, so fragments can be joined or moved.
    // frag_duration at its maximum: a segment is one fragment (one moof+mdat).
    '-movflags', `+empty_moov+default_base_moof${p.negativeCts ? '+negative_cts_offsets' : ''}`,
    '-frag_duration', '2147483647',
    '-f', 'mp4',
  ];
}

/**
 * A segment's encode into every rendition as CMAF fragments: the same decode, filters, encoder
 * settings and passthrough timing as the NUT pieces (buildSegmentEncodeArgs), with each
 * output's container swapped for a fragmented MP4 in the source's timescale.
 */
export function buildCmafSegmentArgs(p: Parameters<typeof buildSegmentEncodeArgs>[0] & { timeBase: Rational }): string[] {
  return toCmafOutputs(buildSegmentEncodeArgs(p), p.outputs, p.timeBase, p.preset);
}

/**
 * Swaps each output of a segment encode (NUT pieces: buildSegmentEncodeArgs, or the range read
 * of rangeInput.ts) for a fragmented MP4 in the source's timescale.
 */
export function toCmafOutputs(args: string[], outputs: EncodeOutput[], timeBase: Rational, preset?: Preset): string[] {
  const { timescale } = trackTimescale(timeBase);
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const o = outputs.find((x: EncodeOutput) => x.file === args[i + 2]);
    if (args[i] === '-f' && args[i + 1] === 'nut' && o) {
      // HEVC in MP4 as `hvc1` (parameter sets in the init, what Apple's players require).
      out.push(...(preset ? mp4VideoTagArgs(preset) : []), ...fragmentMuxerArgs({ timescale, negativeCts: true }), o.file);
      i += 2;
      continue;
    }
    out.push(args[i]);
  }
  if (out.some((a, i) => a === '-f' && out[i + 1] === 'nut')) throw new Error('toCmafOutputs: an output was not converted to fMP4');
  return out;
}

/** One chunk of the audio track, in samples at the output rate from the plan's first frame. */
export interface AudioChunk {
  index: number;
  /** First and end (exclusive) sample presented by this chunk. */
  from: number;
  to: number;
}

/**
 * Audio chunks aligned to the video segments: each cut at the AAC frame boundary nearest the
 * video cut, the last one ending at the first frame boundary at or after the video's end (so
 * the track is at most one AAC frame longer than the video, never shorter).
 */
export function planAudioChunks(segmentStartsSec: number[], durationSec: number, sampleRate: number): AudioChunk[] {
  const frame = (sec: number, round: (x: number) => number) => round((sec * sampleRate) / AAC_FRAME) * AAC_FRAME;
  const end = Math.max(AAC_FRAME, frame(durationSec - 1e-9, Math.ceil));
  const cuts = [0];
  for (const s of segmentStartsSec.slice(1)) {
    const c = frame(s, Math.round);
    if (c > cuts[cuts.length - 1] && c < end) cuts.push(c);
  }
  return cuts.map((from, i) => ({ index: i, from, to: i + 1 < cuts.length ? cuts[i + 1] : end }));
}

/**
 * Where a chunk's encode starts and which of its packets are kept. The first chunk starts at
 * the track's start and keeps its priming packet (it carries the overlap the first real frame
 * needs; an edit list in the init hides it); later chunks start PREROLL frames early and keep
 * only the packets that present [from, to).
 */
export function audioChunkWindow(c: AudioChunk): { encodeFrom: number; encodeTo: number; keepFrom: number; keepCount: number; baseDecodeTime: number } {
  const frames = (c.to - c.from) / AAC_FRAME;
  const pre = c.index === 0 ? 0 : AUDIO_PREROLL_FRAMES * AAC_FRAME;
  return {
    encodeFrom: c.from - pre,
    encodeTo: c.to + AUDIO_LOOKAHEAD_FRAMES * AAC_FRAME,
    // Packet j of an encode starting at sample s presents [s - priming + j*1024, ... + 1024).
    keepFrom: c.index === 0 ? 0 : (pre + AAC_PRIMING) / AAC_FRAME,
    keepCount: c.index === 0 ? frames + 1 : frames,
    // Decode time of the first kept packet: the track's decode timeline starts with the
    // priming packet at 0, so presented sample x has decode time x + priming.
    baseDecodeTime: c.index === 0 ? 0 : c.from + AAC_PRIMING,
  };
}

/**
 * The source seconds (with -copyts: the source's own timestamps) a chunk's encode reads: from
 * the plan's first frame plus the chunk's encode start, for its encode window. The Plan step
 * gives each segment the audio samples of this span (segmentInput.ts).
 */
export function audioChunkSpanSec(planStartSec: number, chunk: AudioChunk, rate: number): { start: number; dur: number } {
  const w = audioChunkWindow(chunk);
  return { start: planStartSec + w.encodeFrom / rate, dur: (w.encodeTo - w.encodeFrom) / rate };
}

/** One audio track's output of a chunk encode (tracks.ts AudioOutput, and its file). */
export interface AudioChunkOutput {
  /** Source stream index (`-map 0:<index>`). */
  index: number;
  channels: number;
  bitrateKbps: number;
  language?: string;
  title?: string;
  output: string;
}

/**
 * Encodes one audio chunk of every audio track in one ffmpeg (one read of the source): each
 * track's audio from `planStartSec` + encodeFrom samples to encodeTo, silence where the source
 * has none (before its audio starts, past its end), as one fMP4 fragment per track with its
 * language and title. The caller keeps packets [keepFrom, keepFrom+keepCount) (isobmff.keepSamples).
 */
export function buildAudioChunkArgs(p: { input: string; planStartSec: number; chunk: AudioChunk; preset: Preset; tracks: AudioChunkOutput[]; ownBytes?: boolean }): string[] {
  const rate = p.preset.audio.sampleRate;
  const f = (x: number) => x.toFixed(6);
  const { start, dur } = audioChunkSpanSec(p.planStartSec, p.chunk, rate);
  // Resample first so the cut is in output samples; atrim's start may be before the source's
  // audio (the first chunk's pre-roll of a clip), which aresample's first_pts fills with silence.
  const af = [
    `aresample=${rate}`,
    `atrim=start=${f(Math.max(0, start))}:end=${f(start + dur)}`,
    `asetpts=PTS-${f(start)}/TB`,
    'aresample=async=1:first_pts=0',
    'apad',
  ].join(',');
  // A chunk far into the source seeks there (through the container's index) instead of
  // decoding everything before it; -copyts keeps source timestamps, so the atrim below cuts
  // the same samples either way. One second of slack covers the container's seek granularity.
  // The segment's own container (segmentInput.ts) holds only the samples needed: no seek.
  const seek = start > 2 && !p.ownBytes ? ['-ss', f(start - 1)] : [];
  return ['-hide_banner', '-nostdin', '-y', '-loglevel', 'error',
    '-protocol_whitelist', protocolWhitelist(p.input), '-format_whitelist', SOURCE_FORMATS, ...seek, '-copyts', '-i', p.input,
    ...p.tracks.flatMap((t) => [
      '-map', `0:${t.index}`, '-vn', '-sn', '-dn', '-af', af, '-t', f(dur),
      '-c:a', p.preset.audio.encoder, '-b:a', `${t.bitrateKbps}k`,
      '-ac', String(t.channels), '-ar', String(rate),
      // The language goes to the track's mdhd, the title to its handler name (what players list).
      '-metadata:s:a:0', `language=${t.language ?? 'und'}`,
      ...(t.title ? ['-metadata:s:a:0', `handler_name=${t.title}`] : []),
      ...fragmentMuxerArgs({ negativeCts: false }), t.output,
    ])];
}

/**
 * Checks a segment's video fragment against the plan before it is kept: the planned number of
 * frames, a keyframe first, the first frame presented first with composition offset 0 (so tfdt
 * is its presentation time) and the decode span equal to the segment's span in source ticks (so
 * the next segment's fragment follows with no gap or overlap). An encoder that cannot write
 * this (the npm-shipped 2018 build stretches the first sample's duration when it writes signed
 * composition offsets) is refused with ENCODER_UNSUPPORTED rather than publishing a stream with
 * frames at the wrong times.
 */
export function checkVideoFragment(f: FragmentInfo, expected: { count: number; spanTicks: number; what: string }): void {
  const fail = (why: string): never => {
    throw new EncoderError('ENCODER_UNSUPPORTED', `${expected.what}: this ffmpeg cannot write CMAF fragments with source timing (${why}); use ffmpeg 5.1 or newer`);
  };
  if (f.samples.length !== expected.count) {
    throw new EncoderError('SEGMENT_MISMATCH', `${expected.what}: ${f.samples.length} frames encoded, ${expected.count} planned`);
  }
  if (!f.samples[0]?.sync) fail('first frame is not a keyframe');
  const t = sampleTimes(f);
  if (f.samples[0].cts !== 0) fail(`first frame has composition offset ${f.samples[0].cts}`);
  if (Math.min(...t.pts) !== t.pts[0]) fail('a frame is presented before the first one');
  if (new Set(t.pts).size !== t.pts.length) fail('two frames share a presentation time');
  const span = t.end - f.baseDecodeTime;
  if (span !== expected.spanTicks) fail(`fragment spans ${span} ticks, the segment ${expected.spanTicks}`);
}
