/**
 * HLS and DASH manifests generated from the real CMAF pieces (pure). Every figure a manifest
 * declares comes from the pieces themselves: durations from the fragments' sample tables,
 * bandwidth measured from their sizes, codecs and sizes from the init segments. Both manifests
 * reference the same init and fragment files (layout in src/pipeline/layout.ts).
 */
import { fromManifest, packageLayout } from '../../pipeline/layout.js';

/** One fragment of a track, in track ticks of the media timeline (tfdt-based, no edit list). */
export interface SegmentRef {
  /** Earliest presentation time (tfdt + first composition offset). */
  start: number;
  duration: number;
  /** moof+mdat bytes. */
  bytes: number;
}

/** What both manifests need of one track. */
export interface TrackModel {
  /** Representation id / rendition name: also its folder under cmaf/. */
  id: string;
  timescale: number;
  /** RFC 6381 codec string from the init segment. */
  codec: string;
  segments: SegmentRef[];
  /** Media time presented at the start (an audio edit list's priming), ticks. */
  presentationTimeOffset?: number;
}

export interface VideoTrackModel extends TrackModel {
  width: number;
  height: number;
  /** Highest frame rate over the segments (frames / segment duration). */
  frameRate: number;
}

export interface AudioTrackModel extends TrackModel {
  sampleRate: number;
  channels: number;
  /** BCP 47 language tag when known. */
  language?: string;
  /** Human-readable name for the HLS NAME attribute. */
  name?: string;
}

/** A text subtitle track: one WebVTT file for the whole presentation. */
export interface TextTrackModel {
  /** Its id (`text1`, ...): the sidecar is packageLayout.subtitles(id). */
  id: string;
  /** ISO 639-2 code when known. */
  language?: string;
  /** Human-readable name for the HLS NAME attribute and DASH Label. */
  name?: string;
  default?: boolean;
  forced?: boolean;
}

export interface PackageModel {
  video: VideoTrackModel[];
  audio: AudioTrackModel[];
  /** Text subtitle tracks (absent or empty: none). */
  text?: TextTrackModel[];
}

/** The package's file names (src/pipeline/layout.ts), re-exported for the writers' readers. */
export { packageLayout } from '../../pipeline/layout.js';

/** The presented part of each segment (the offset trims the start of the first ones), seconds. */
export function visibleDurations(t: TrackModel): number[] {
  const pto = t.presentationTimeOffset ?? 0;
  return t.segments.map((s) => Math.max(0, s.start + s.duration - Math.max(s.start, pto)) / t.timescale);
}

/**
 * Peak segment bit rate (HLS): the highest rate of any run of consecutive segments whose
 * duration is 0.5 to 1.5 times the target, and never below any single segment's own rate (so
 * a short last segment is covered too).
 */
export function peakBitrate(t: TrackModel, targetSec: number): number {
  // Durations floored to the microsecond: a rate computed from a declared (rounded) EXTINF is
  // then never above the declared peak.
  const d = visibleDurations(t).map((x) => Math.floor(x * 1e6) / 1e6);
  let peak = 0;
  for (let i = 0; i < d.length; i++) {
    let bytes = 0;
    let dur = 0;
    for (let j = i; j < d.length; j++) {
      bytes += t.segments[j].bytes;
      dur += d[j];
      if (dur > 1.5 * targetSec) break;
      if (dur > 0 && (j === i || dur >= 0.5 * targetSec)) peak = Math.max(peak, (bytes * 8) / dur);
    }
  }
  return Math.ceil(peak);
}

/** Average bit rate over the whole track. */
export function averageBitrate(t: TrackModel): number {
  const dur = visibleDurations(t).reduce((a, b) => a + b, 0);
  return dur > 0 ? Math.ceil((t.segments.reduce((s, x) => s + x.bytes, 0) * 8) / dur) : 0;
}

/**
 * DASH @bandwidth: the smallest constant rate at which a client that buffered @minBufferTime
 * never stalls (every segment fully arrived by its presentation start + minBufferTime), and at
 * least the peak segment bit rate. ffmpeg's DASH muxer declares its rate target instead.
 */
export function dashBandwidth(t: TrackModel, minBufferSec: number, targetSec: number): number {
  const d = visibleDurations(t);
  let need = 0;
  let bytes = 0;
  let start = 0;
  for (let i = 0; i < d.length; i++) {
    bytes += t.segments[i].bytes;
    need = Math.max(need, (bytes * 8) / (start + minBufferSec));
    start += d[i];
  }
  return Math.max(Math.ceil(need), peakBitrate(t, targetSec));
}

const sec = (x: number) => x.toFixed(6);
/** The HLS target duration of tracks: their longest visible segment, rounded up to whole seconds. */
export const targetDuration = (tracks: TrackModel[]) =>
  Math.max(1, ...tracks.flatMap((t) => visibleDurations(t).map((d) => Math.ceil(d - 1e-6))));

/** An HLS media playlist (VOD, fMP4) of one track. */
export function hlsMediaPlaylist(t: TrackModel, target: number): string {
  const d = visibleDurations(t);
  const lines = [
    '#EXTM3U',
    '#EXT-X-VERSION:7',
    `#EXT-X-TARGETDURATION:${target}`,
    '#EXT-X-MEDIA-SEQUENCE:0',
    '#EXT-X-PLAYLIST-TYPE:VOD',
    '#EXT-X-INDEPENDENT-SEGMENTS',
    `#EXT-X-MAP:URI="${fromManifest(packageLayout.init(t.id))}"`,
  ];
  d.forEach((x, i) => lines.push(`#EXTINF:${sec(x)},`, fromManifest(packageLayout.segment(t.id, i))));
  lines.push('#EXT-X-ENDLIST');
  return `${lines.join('\n')}\n`;
}

/** Seconds presented: the longest video rendition's visible duration. */
export const presentationSec = (m: PackageModel) =>
  Math.max(0, ...m.video.map((v) => visibleDurations(v).reduce((a, b) => a + b, 0)));

/**
 * The media playlist of a subtitle track: its whole WebVTT file as one segment spanning the
 * presentation. Cue times are the presentation's (0 = the first video frame); without an
 * X-TIMESTAMP-MAP header, HLS maps WebVTT time 0 to media time 0, which is that frame.
 */
export function hlsSubtitlePlaylist(t: TextTrackModel, durationSec: number): string {
  return `${[
    '#EXTM3U',
    '#EXT-X-VERSION:7',
    `#EXT-X-TARGETDURATION:${Math.max(1, Math.ceil(durationSec - 1e-6))}`,
    '#EXT-X-MEDIA-SEQUENCE:0',
    '#EXT-X-PLAYLIST-TYPE:VOD',
    `#EXTINF:${sec(durationSec)},`,
    fromManifest(packageLayout.subtitles(t.id)),
    '#EXT-X-ENDLIST',
  ].join('\n')}\n`;
}

const quoted = (s: string) => s.replace(/["\n\r]/g, '');

/** A codec string's family: its sample entry (`avc1`, `hvc1`, `av01`, ...), what a player must support. */
export const codecFamily = (codec: string) => codec.split('.')[0];

/**
 * Video renditions grouped by codec family, in the order each family first appears (a ladder
 * may mix codecs per rung: presets.ts rungVideo). A player switches between renditions of one
 * family only (DASH: one AdaptationSet each; HLS: the variants listed family by family).
 */
export function videoByFamily(video: VideoTrackModel[]): VideoTrackModel[][] {
  const groups = new Map<string, VideoTrackModel[]>();
  for (const v of video) groups.set(codecFamily(v.codec), [...(groups.get(codecFamily(v.codec)) ?? []), v]);
  return [...groups.values()];
}

/**
 * The HLS master playlist: one variant per video rendition, listed codec family by codec family,
 * each declaring its own CODECS (its video codec and the audio's), all sharing the audio group.
 */
export function hlsMasterPlaylist(m: PackageModel): string {
  const target = targetDuration([...m.video, ...m.audio]);
  const lines = ['#EXTM3U', '#EXT-X-VERSION:7', '#EXT-X-INDEPENDENT-SEGMENTS'];
  m.audio.forEach((a, i) => {
    const attrs = ['TYPE=AUDIO', 'GROUP-ID="audio"', `NAME="${quoted(a.name ?? a.language ?? `Audio ${i + 1}`)}"`];
    if (a.language) attrs.push(`LANGUAGE="${quoted(a.language)}"`);
    attrs.push(`DEFAULT=${i === 0 ? 'YES' : 'NO'}`, 'AUTOSELECT=YES', `CHANNELS="${a.channels}"`, `URI="${a.id}.m3u8"`);
    lines.push(`#EXT-X-MEDIA:${attrs.join(',')}`);
  });
  const text = m.text ?? [];
  text.forEach((t, i) => {
    const attrs = [
      'TYPE=SUBTITLES',
      'GROUP-ID="subs"',
      `NAME="${quoted(t.name ?? t.language ?? `Subtitles ${i + 1}`)}"`,
    ];
    if (t.language) attrs.push(`LANGUAGE="${quoted(t.language)}"`);
    // AUTOSELECT lets a player pick the track matching the viewer's language; FORCED tracks
    // (signs, foreign dialogue) are shown even when subtitles are off.
    attrs.push(
      `DEFAULT=${t.default ? 'YES' : 'NO'}`,
      'AUTOSELECT=YES',
      `FORCED=${t.forced ? 'YES' : 'NO'}`,
      `URI="${t.id}.m3u8"`,
    );
    lines.push(`#EXT-X-MEDIA:${attrs.join(',')}`);
  });
  // A variant plays with any rendition of its audio group: the worst case is declared.
  const audioPeak = Math.max(0, ...m.audio.map((a) => peakBitrate(a, target)));
  const audioAvg = Math.max(0, ...m.audio.map((a) => averageBitrate(a)));
  const audioCodec = m.audio[0]?.codec;
  for (const v of videoByFamily(m.video).flat()) {
    const attrs = [
      `BANDWIDTH=${peakBitrate(v, target) + audioPeak}`,
      `AVERAGE-BANDWIDTH=${averageBitrate(v) + audioAvg}`,
      `CODECS="${[v.codec, ...(audioCodec ? [audioCodec] : [])].join(',')}"`,
      `RESOLUTION=${v.width}x${v.height}`,
      `FRAME-RATE=${v.frameRate.toFixed(3)}`,
    ];
    if (m.audio.length) attrs.push('AUDIO="audio"');
    if (text.length) attrs.push('SUBTITLES="subs"');
    lines.push(`#EXT-X-STREAM-INF:${attrs.join(',')}`, `${v.id}.m3u8`);
  }
  return `${lines.join('\n')}\n`;
}

/** Every playlist of the HLS package, keyed by its path under the package. */
export function hlsPlaylists(m: PackageModel): Record<string, string> {
  const target = targetDuration([...m.video, ...m.audio]);
  const out: Record<string, string> = { [packageLayout.hlsMaster]: hlsMasterPlaylist(m) };
  for (const t of [...m.video, ...m.audio]) out[packageLayout.hlsMedia(t.id)] = hlsMediaPlaylist(t, target);
  const duration = presentationSec(m);
  for (const t of m.text ?? []) out[packageLayout.hlsMedia(t.id)] = hlsSubtitlePlaylist(t, duration);
  return out;
}

/** The DASH MPD writer lives in dashManifest.ts; re-exported for existing importers. */
export { dashManifest } from './dashManifest.js';
