/**
 * Every audio and subtitle track of a source (pure parts: the probe's track list, and the
 * argument builders and text transforms that produce one output per track). Packaging them
 * into MP4/HLS/DASH is done by the packager; this module decides what each track becomes.
 *
 * Rule (DESIGN.md): every audio track (language, title) and every text subtitle track is kept;
 * what cannot be kept (image subtitles) is reported, never dropped silently.
 */
export { buildMovTextArgs, buildSubtitleVttArgs, shiftVtt, vttCues, vttTime } from './subtitleTracks.js';

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
