/**
 * Subtitle conversion for the text tracks of tracks.ts (pure): the ffmpeg arguments that turn a
 * text subtitle track into a WebVTT sidecar and a WebVTT sidecar into a mov_text track for the MP4
 * downloads, and the WebVTT text transforms (timestamps, cutting a cue list to a segment's range,
 * counting cues). Split from tracks.ts, which keeps the track list and the per-track output plan,
 * so that each module stays under 300 lines; tracks.ts re-exports these names.
 */
import { protocolWhitelist } from '../probe/probeArgs.js';
import { SOURCE_FORMATS } from '../ffmpeg/whitelists.js';
import type { SubtitleTrack } from './tracks.js';

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
