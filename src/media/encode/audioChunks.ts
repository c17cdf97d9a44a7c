/**
 * The audio side of the CMAF pieces (pure): the AAC frame constants, the audio chunks cut near
 * the video segments, each chunk's encode window and kept packets, and the ffmpeg command that
 * encodes one chunk of every audio track (see the timeline notes at the top of cmaf.ts). Split
 * from cmaf.ts, which keeps the video fragments' timing and checks, so that each module stays
 * under 300 lines; cmaf.ts re-exports these names.
 */
import type { Preset } from '../plan/presets.js';
import { protocolWhitelist } from '../probe/probeArgs.js';
import { BASE_GLOBAL, ffInput, type FfCommand, type FfInput } from '../ffmpeg/command.js';
import { SOURCE_FORMATS } from '../ffmpeg/whitelists.js';
import { fragmentMuxerArgs } from './cmaf.js';

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
export function audioChunkWindow(c: AudioChunk): {
  encodeFrom: number;
  encodeTo: number;
  keepFrom: number;
  keepCount: number;
  baseDecodeTime: number;
} {
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
export function audioChunkSpanSec(
  planStartSec: number,
  chunk: AudioChunk,
  rate: number,
): { start: number; dur: number } {
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
 *
 * `input`: a URL or file this command opens itself, or the input of the command it joins
 * (command.ts mergeCommands: a segment's own container holds its video and audio, read once).
 * A shared input must start at its beginning: the chunk's cut is in source time and a seek of
 * another command's would lose the samples before it.
 */
export function audioChunkCommand(p: {
  input: string | FfInput;
  planStartSec: number;
  chunk: AudioChunk;
  preset: Preset;
  tracks: AudioChunkOutput[];
  ownBytes?: boolean;
}): FfCommand {
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
  let input: FfInput;
  if (typeof p.input === 'string') {
    // A chunk far into the source seeks there (through the container's index) instead of
    // decoding everything before it; -copyts keeps source timestamps, so the atrim below cuts
    // the same samples either way. One second of slack covers the container's seek granularity.
    // The segment's own container (segmentInput.ts) holds only the samples needed: no seek.
    const seek = start > 2 && !p.ownBytes ? ['-ss', f(start - 1)] : [];
    input = ffInput(p.input, [
      '-protocol_whitelist',
      protocolWhitelist(p.input),
      '-format_whitelist',
      SOURCE_FORMATS,
      ...seek,
    ]);
  } else {
    if (p.input.options.includes('-ss')) throw new Error('audioChunkCommand: a shared input must not seek');
    input = p.input;
  }
  return {
    global: [...BASE_GLOBAL, '-copyts'],
    inputs: [input],
    outputs: p.tracks.map((t) => ({
      maps: [{ input, stream: String(t.index) }],
      options: [
        '-vn',
        '-sn',
        '-dn',
        '-af',
        af,
        '-t',
        f(dur),
        '-c:a',
        p.preset.audio.encoder,
        '-b:a',
        `${t.bitrateKbps}k`,
        '-ac',
        String(t.channels),
        '-ar',
        String(rate),
        // The language goes to the track's mdhd, the title to its handler name (what players list).
        '-metadata:s:a:0',
        `language=${t.language ?? 'und'}`,
        ...(t.title ? ['-metadata:s:a:0', `handler_name=${t.title}`] : []),
        ...fragmentMuxerArgs({ negativeCts: false }),
      ],
      url: t.output,
    })),
  };
}
