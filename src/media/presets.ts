import { InputError } from '../errors.js';

/** One output of a ladder. `height` is the short side, so portrait video keeps its rung names. */
export interface RenditionSpec {
  name: string;
  height: number;
  crf: number;
  maxBitrateKbps: number;
}

/** A named, data-only preset: adding one is a data change. */
export interface Preset {
  name: string;
  description: string;
  video: { encoder: 'libx264'; speed: string; profile: string; pixFmt: string; bFrames: number };
  /** Keyframe every this many seconds (closed GOPs, aligned across renditions). */
  gopSeconds: number;
  audio: { encoder: 'aac'; bitrateKbps: number; channels: number; sampleRate: number };
  renditions: RenditionSpec[];
}

/** The presets shipped with the service. */
export const PRESETS: Record<string, Preset> = {
  'h264-ladder': {
    name: 'h264-ladder',
    description: 'H.264 High, 1080p/720p/480p, 2 s closed GOPs, AAC stereo 128 kb/s',
    video: { encoder: 'libx264', speed: 'veryfast', profile: 'high', pixFmt: 'yuv420p', bFrames: 3 },
    gopSeconds: 2,
    audio: { encoder: 'aac', bitrateKbps: 128, channels: 2, sampleRate: 48000 },
    renditions: [
      { name: '1080p', height: 1080, crf: 22, maxBitrateKbps: 6000 },
      { name: '720p', height: 720, crf: 23, maxBitrateKbps: 3500 },
      { name: '480p', height: 480, crf: 24, maxBitrateKbps: 1500 },
    ],
  },
  'h264-single-480p': {
    name: 'h264-single-480p',
    description: 'One 480p H.264 rendition (previews, tests)',
    video: { encoder: 'libx264', speed: 'veryfast', profile: 'high', pixFmt: 'yuv420p', bFrames: 3 },
    gopSeconds: 2,
    audio: { encoder: 'aac', bitrateKbps: 96, channels: 2, sampleRate: 48000 },
    renditions: [{ name: '480p', height: 480, crf: 24, maxBitrateKbps: 1500 }],
  },
};

/** Looks a preset up by name; UNKNOWN_PRESET otherwise. */
export function getPreset(name: string): Preset {
  const p = PRESETS[name];
  if (!p) throw new InputError('UNKNOWN_PRESET', `unknown preset "${name}"; known: ${Object.keys(PRESETS).join(', ')}`);
  return p;
}

/** A rendition resolved against a source: the output frame size. */
export interface Rendition extends RenditionSpec {
  width: number;
  outHeight: number;
}

const even = (x: number) => Math.max(2, Math.round(x / 2) * 2);

/**
 * The renditions to produce for a source of the given display size: rungs above the source's
 * short side are skipped (never upscale); a source smaller than every rung gets the smallest
 * rung at its own size.
 */
export function selectRenditions(preset: Preset, displayWidth: number, displayHeight: number): Rendition[] {
  const short = Math.min(displayWidth, displayHeight);
  const portrait = displayHeight > displayWidth;
  let rungs = preset.renditions.filter((r) => r.height <= short);
  if (rungs.length === 0) {
    const smallest = [...preset.renditions].sort((a, b) => a.height - b.height)[0];
    rungs = [{ ...smallest, name: `${short}p`, height: short }];
  }
  return rungs.map((r) => {
    const scale = r.height / short;
    const w = portrait ? even(r.height) : even(displayWidth * scale);
    const h = portrait ? even(displayHeight * scale) : even(r.height);
    return { ...r, width: w, outHeight: h };
  });
}
