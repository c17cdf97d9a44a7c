/**
 * Every audio and subtitle track of a source (pure parts: the probe's track list, and the
 * argument builders and text transforms that produce one output per track). Packaging them
 * into MP4/HLS/DASH is done by the packager; this module decides what each track becomes.
 *
 * Rule (DESIGN.md): every audio track (language, title) and every text subtitle track is kept;
 * what cannot be kept (image subtitles) is reported, never dropped silently.
 */
import { protocolWhitelist } from '../probe/probe.js';
import { SOURCE_FORMATS } from '../ffmpeg/whitelists.js';

/** One audio track of the source. */
export interface AudioTrack {
  /** ffprobe stream index (the `-map 0:<index>` of the source). */
  index: number;
  codec: string;
  channels: number;
  channelLayout?: string;
  sampleRate: number;
  /** ISO 639-2 code as the container gives it (`eng`, `fra`); `und` when absent. */
  language: string;
  title?: string;
  default: boolean;
}

/** Subtitle codecs that are text, converted to WebVTT. */
export const TEXT_SUBTITLE_CODECS = ['subrip', 'srt', 'ass', 'ssa', 'mov_text', 'webvtt', 'text'] as const;
/** Subtitle codecs that are pictures: cannot become WebVTT without OCR, reported as skipped. */
export const IMAGE_SUBTITLE_CODECS = ['hdmv_pgs_subtitle', 'dvb_subtitle', 'dvd_subtitle', 'xsub'] as const;

/** One subtitle track of the source. */
export interface SubtitleTrack {
  index: number;
  codec: string;
  kind: 'text' | 'image' | 'other';
  language: string;
  title?: string;
  default: boolean;
  forced: boolean;
}

/** A track that is not in the outputs, and why (listed in the COMPLETE event). */
export interface SkippedTrack {
  index: number;
  type: 'subtitle' | 'audio';
  codec: string;
  language: string;
  reason: string;
}

/** The tracks of a source: what is kept and what is skipped. */
export interface TrackList {
  audio: AudioTrack[];
  subtitles: SubtitleTrack[];
  skipped: SkippedTrack[];
}

interface ProbeStream {
  index: number;
  codec_type?: string;
  codec_name?: string;
  channels?: number;
  channel_layout?: string;
  sample_rate?: string;
  disposition?: Record<string, number>;
  tags?: Record<string, string>;
}

/** A language tag of the container, or `und`. */
function languageOf(tags: Record<string, string> | undefined): string {
  const l = tags?.language ?? tags?.LANGUAGE;
  return l?.trim() ? l.trim() : 'und';
}

function titleOf(tags: Record<string, string> | undefined): string | undefined {
  const t = tags?.title ?? tags?.TITLE ?? tags?.handler_name;
  // MP4 handlers default to names such as "SoundHandler": not a title anyone gave.
  return t && !/^(Sound|Video|Subtitle|Text)Handler$/.test(t) ? t : undefined;
}

/** Lists the audio and subtitle tracks from ffprobe's `-show_streams` JSON. */
export function parseTracks(json: string): TrackList {
  const streams = (JSON.parse(json) as { streams?: ProbeStream[] }).streams ?? [];
  const out: TrackList = { audio: [], subtitles: [], skipped: [] };
  for (const s of streams) {
    const codec = s.codec_name ?? 'unknown';
    if (s.codec_type === 'audio' && !(Number(s.sample_rate ?? 0) > 0 && (s.channels ?? 0) > 0)) {
      // A stream the container lists but never carries (an MPEG-TS PMT naming audio that has no
      // packet): there is nothing to decode, so it is reported, not encoded.
      out.skipped.push({
        index: s.index,
        type: 'audio',
        codec,
        language: languageOf(s.tags),
        reason: 'the container lists this audio stream but it has no decodable packets (no sample rate or channels)',
      });
    } else if (s.codec_type === 'audio') {
      out.audio.push({
        index: s.index,
        codec,
        channels: s.channels ?? 0,
        ...(s.channel_layout ? { channelLayout: s.channel_layout } : {}),
        sampleRate: Number(s.sample_rate ?? 0),
        language: languageOf(s.tags),
        ...(titleOf(s.tags) ? { title: titleOf(s.tags) } : {}),
        default: s.disposition?.default === 1,
      });
    } else if (s.codec_type === 'subtitle') {
      const kind = (TEXT_SUBTITLE_CODECS as readonly string[]).includes(codec)
        ? 'text'
        : (IMAGE_SUBTITLE_CODECS as readonly string[]).includes(codec)
          ? 'image'
          : 'other';
      const track: SubtitleTrack = {
        index: s.index,
        codec,
        kind,
        language: languageOf(s.tags),
        ...(titleOf(s.tags) ? { title: titleOf(s.tags) } : {}),
        default: s.disposition?.default === 1,
        forced: s.disposition?.forced === 1,
      };
      out.subtitles.push(track);
      if (kind !== 'text') {
        out.skipped.push({
          index: s.index,
          type: 'subtitle',
          codec,
          language: track.language,
          reason:
            kind === 'image'
              ? 'image subtitles (bitmaps) cannot become WebVTT text'
              : `subtitle codec ${codec} is not supported`,
        });
      }
    }
  }
  return out;
}

/** What a preset asks of audio: codec settings, and whether 5.1 is kept. */
export interface AudioSpec {
  encoder: string;
  bitrateKbps: number;
  channels: number;
  sampleRate: number;
  /** Keep 5.1 (6 channels) sources as 5.1, at this bitrate; otherwise every track is downmixed to `channels`. */
  surround?: { bitrateKbps: number };
}

/** Output channels and bitrate of one track under a preset: stereo by default (mono too), 5.1 kept where asked. */
export function audioLayoutFor(
  track: Pick<AudioTrack, 'channels'>,
  spec: AudioSpec,
): { channels: number; bitrateKbps: number } {
  if (spec.surround && track.channels >= 6) return { channels: 6, bitrateKbps: spec.surround.bitrateKbps };
  // Every other track in the preset's layout (stereo): a mono source plays on both sides, as
  // the correctness contract's outputs always have.
  return { channels: spec.channels, bitrateKbps: spec.bitrateKbps };
}

/**
 * Converts one text subtitle track to WebVTT with the source's own timestamps (`-copyts`): the
 * range is cut and shifted by shiftVtt, in code, because ffmpeg's seeking drops a cue that
 * starts before the range and is still on screen inside it.
 */
export function buildSubtitleVttArgs(p: {
  input: string;
  track: Pick<SubtitleTrack, 'index'>;
  output: string;
}): string[] {
  return [
    '-hide_banner',
    '-nostdin',
    '-y',
    '-loglevel',
    'error',
    '-protocol_whitelist',
    protocolWhitelist(p.input),
    '-format_whitelist',
    SOURCE_FORMATS,
    '-copyts',
    '-i',
    p.input,
    '-map',
    `0:${p.track.index}`,
    '-vn',
    '-an',
    '-dn',
    '-c:s',
    'webvtt',
    '-f',
    'webvtt',
    p.output,
  ];
}

const TIME_RE = /^(?:(\d+):)?(\d{2}):(\d{2})\.(\d{3})$/;

function parseVttTime(t: string): number {
  const m = TIME_RE.exec(t.trim());
  if (!m) throw new Error(`not a WebVTT time: ${t}`);
  return Number(m[1] ?? 0) * 3600 + Number(m[2]) * 60 + Number(m[3]) + Number(m[4]) / 1000;
}

/** A WebVTT timestamp (hh:mm:ss.mmm). */
export function vttTime(sec: number): string {
  const ms = Math.max(0, Math.round(sec * 1000));
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = Math.floor((ms % 60_000) / 1000);
  return `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}.${String(ms % 1000).padStart(3, '0')}`;
}

/**
 * Keeps the cues of a WebVTT document that are on screen in [startSec, endSec) of source time
 * and moves them to start at zero: a cue running across either end is clipped to the range,
 * cues wholly outside are dropped, cue text and settings are kept as they are.
 */
export function shiftVtt(vtt: string, startSec: number, endSec: number): string {
  const blocks = vtt.replace(/\r\n?/g, '\n').split(/\n{2,}/);
  const out = ['WEBVTT'];
  for (const block of blocks.slice(1)) {
    const lines = block.split('\n').filter((l, i, a) => l !== '' || i < a.length - 1);
    const at = lines.findIndex((l) => l.includes('-->'));
    if (at < 0) {
      // NOTE/STYLE/REGION blocks stay as they are.
      if (lines.length && /^(NOTE|STYLE|REGION)\b/.test(lines[0])) out.push(lines.join('\n'));
      continue;
    }
    const [from, rest] = lines[at].split('-->');
    const [to, ...settings] = rest.trim().split(/\s+/);
    const a = parseVttTime(from);
    const b = parseVttTime(to);
    if (b <= startSec || a >= endSec) continue;
    const timing = `${vttTime(Math.max(a, startSec) - startSec)} --> ${vttTime(Math.min(b, endSec) - startSec)}${settings.length ? ` ${settings.join(' ')}` : ''}`;
    out.push([...lines.slice(0, at), timing, ...lines.slice(at + 1)].join('\n'));
  }
  return `${out.join('\n\n')}\n`;
}

/**
 * One audio track as the package carries it: `id` names its folder under cmaf/ and its HLS
 * playlist (the first track is `audio`, the others `audio2`, `audio3`, ...), `index` the source
 * stream it is encoded from, with the preset's layout for it.
 */
export interface AudioOutput {
  id: string;
  index: number;
  channels: number;
  bitrateKbps: number;
  /** ISO 639-2 code; absent when the container says `und` or nothing. */
  language?: string;
  title?: string;
}

/** One text subtitle track as the package carries it (`text1`, `text2`, ...): a WebVTT sidecar and a mov_text track. */
export interface TextOutput {
  id: string;
  index: number;
  codec: string;
  language?: string;
  title?: string;
  default: boolean;
  forced: boolean;
}

const lang = (l: string) => (l && l !== 'und' ? l : undefined);

/** Every audio track of the source as an output, the first one first (it is the default in every manifest). */
export function planAudioOutputs(audio: readonly AudioTrack[], spec: AudioSpec): AudioOutput[] {
  return audio.map((t, i) => ({
    id: i === 0 ? 'audio' : `audio${i + 1}`,
    index: t.index,
    ...audioLayoutFor(t, spec),
    ...(lang(t.language) ? { language: t.language } : {}),
    ...(t.title ? { title: t.title } : {}),
  }));
}

/** Every text subtitle track as an output; image and unknown ones are in `skipped`. */
export function planTextOutputs(subtitles: readonly SubtitleTrack[]): TextOutput[] {
  return subtitles
    .filter((s) => s.kind === 'text')
    .map((s, i) => ({
      id: `text${i + 1}`,
      index: s.index,
      codec: s.codec,
      ...(lang(s.language) ? { language: s.language } : {}),
      ...(s.title ? { title: s.title } : {}),
      default: s.default,
      forced: s.forced,
    }));
}

/** The number of cues of a WebVTT document and the first one's start, seconds. */
export function vttCues(vtt: string): { count: number; firstStartSec?: number } {
  const starts = vtt
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .filter((l) => l.includes('-->'))
    .map((l) => parseVttTime(l.split('-->')[0]));
  return { count: starts.length, ...(starts.length ? { firstStartSec: Math.min(...starts) } : {}) };
}

/**
 * A WebVTT sidecar converted to a mov_text (tx3g) track as one fMP4 fragment, for the MP4
 * downloads. ffmpeg's fragmented writer starts the first sample at decode time 0 whatever the
 * first cue's time, so the caller places the fragment at that cue (isobmff.placeFragment).
 */
export function buildMovTextArgs(p: { input: string; language?: string; title?: string; output: string }): string[] {
  return [
    '-hide_banner',
    '-nostdin',
    '-y',
    '-loglevel',
    'error',
    '-i',
    p.input,
    '-map',
    '0:s:0',
    '-c:s',
    'mov_text',
    ...(p.language ? ['-metadata:s:s:0', `language=${p.language}`] : []),
    ...(p.title ? ['-metadata:s:s:0', `handler_name=${p.title}`, '-metadata:s:s:0', `title=${p.title}`] : []),
    '-movflags',
    '+empty_moov+default_base_moof',
    '-frag_duration',
    '2147483647',
    '-f',
    'mp4',
    p.output,
  ];
}
