import { InputError } from '../../errors.js';

/**
 * One output of a ladder, sized by exactly one of `height` (the short side, so portrait video
 * keeps its rung names) or `width` (the long side: a landscape picture's width).
 */
export interface RenditionSpec {
  name: string;
  height?: number;
  width?: number;
  /** Exactly one of `crf` and `targetBitrateKbps`. */
  crf?: number;
  /** VBV mode: `-b:v` target, `-maxrate maxBitrateKbps`, `-bufsize bufferKbps`. */
  targetBitrateKbps?: number;
  /** VBV buffer; default 2 x maxBitrateKbps. */
  bufferKbps?: number;
  maxBitrateKbps: number;
  /** The rung's own codec/encoder settings; absent = the preset's `video`. */
  video?: VideoSpec;
}

/**
 * The codec and encoder settings of one rung: its own, else the preset's. Every reader of a
 * rendition's codec, encoder or HDR handling goes through this, so a ladder can mix codecs.
 */
export function rungVideo(preset: Pick<Preset, 'video'>, rung: Pick<RenditionSpec, 'video'>): VideoSpec {
  return rung.video ?? preset.video;
}

/** Video codecs the presets produce (the CODECS family of the outputs). */
export type VideoCodec = 'h264' | 'hevc' | 'av1';

/** ffmpeg encoders the presets use; each is checked against the resolved ffmpeg at planning. */
export type VideoEncoder = 'libx264' | 'libx265' | 'libsvtav1';

/**
 * The video half of a preset: data only. The arguments are built from it in codecs.ts.
 */
export interface VideoSpec {
  codec: VideoCodec;
  encoder: VideoEncoder;
  /** The encoder's speed preset: an x264/x265 preset name, or an SVT-AV1 preset number. */
  speed: string;
  /** Profile of 8-bit (SDR) output: `high` (H.264), `main` (HEVC, AV1). */
  profile: string;
  /** Pixel format of 8-bit (SDR) output. */
  pixFmt: string;
  bFrames: number;
  /**
   * What an HDR (PQ or HLG) source gets: `tonemap`, 8-bit BT.709 SDR really tone-mapped
   * (colour.ts); or `keep`, 10-bit at `hdrPixFmt`/`hdrProfile` with the source's colour
   * signalling and HDR10 metadata.
   */
  hdr: 'tonemap' | 'keep';
  hdrPixFmt?: string;
  hdrProfile?: string;
  /**
   * Encode cost per output pixel relative to x264 `veryfast` (= 1), used by the encoder
   * decider's estimate (cost.ts). Measured on this project's 2-core test machine with
   * ffmpeg 5.1 on a 720p testsrc2 clip (docs/OUTPUTS.md); real footage widens the gap.
   */
  relativeCost: number;
}

/** A named, data-only preset: adding one is a data change. */
/** Output formats a job can publish: the format registry's names (src/formats/registry.ts). */
export { OUTPUT_FORMATS, type OutputFormat } from '../../formats/registry.js';
import type { OutputFormat } from '../../formats/registry.js';

export interface Preset {
  name: string;
  description: string;
  /** What a job of this preset publishes unless it names its own `outputs`. */
  outputs: OutputFormat[];
  video: VideoSpec;
  /** Keyframe every this many seconds (closed GOPs, aligned across renditions). */
  gopSeconds: number;
  /**
   * Audio of every track: stereo (`channels`) by default; with `surround`, 5.1 sources keep
   * their 6 channels at that bitrate (tracks.ts audioLayoutFor).
   */
  audio: {
    encoder: 'aac';
    bitrateKbps: number;
    channels: number;
    sampleRate: number;
    surround?: { bitrateKbps: number };
  };
  renditions: RenditionSpec[];
  /** Target segment length of a job of this preset (absent: the deployment's SEGMENT_SECONDS). */
  segmentSeconds?: number;
  /** A sprite tile every this many seconds (absent: the deployment's THUMBNAIL_INTERVAL_SECONDS). */
  thumbnailIntervalSeconds?: number;
  /**
   * A rung above the source's size: `skip` it (the default; a source smaller than every rung
   * gets the smallest at its own size) or `refuse` the job (UPSCALE_REFUSED).
   */
  upscale?: 'refuse' | 'skip';
}

const H264: VideoSpec = {
  codec: 'h264',
  encoder: 'libx264',
  speed: 'veryfast',
  profile: 'high',
  pixFmt: 'yuv420p',
  bFrames: 3,
  hdr: 'tonemap',
  relativeCost: 1,
};

/** The presets shipped with the service. */
export const PRESETS: Record<string, Preset> = {
  'h264-ladder': {
    name: 'h264-ladder',
    outputs: ['hls', 'dash', 'mp4'],
    description: 'H.264 High, 1080p/720p/480p, 2 s closed GOPs, AAC stereo 128 kb/s',
    video: H264,
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
    outputs: ['hls', 'dash', 'mp4'],
    description: 'One 480p H.264 rendition (previews, tests)',
    video: H264,
    gopSeconds: 2,
    audio: { encoder: 'aac', bitrateKbps: 96, channels: 2, sampleRate: 48000 },
    renditions: [{ name: '480p', height: 480, crf: 24, maxBitrateKbps: 1500 }],
  },
  'hevc-ladder': {
    name: 'hevc-ladder',
    outputs: ['hls', 'dash', 'mp4'],
    description:
      'HEVC (hvc1) Main, or Main10 keeping HDR10/HLG, 1080p/720p/480p, 2 s closed GOPs, AAC stereo 128 kb/s (5.1 kept at 384 kb/s)',
    video: {
      codec: 'hevc',
      encoder: 'libx265',
      speed: 'faster',
      profile: 'main',
      pixFmt: 'yuv420p',
      bFrames: 3,
      hdr: 'keep',
      hdrPixFmt: 'yuv420p10le',
      hdrProfile: 'main10',
      relativeCost: 2.7,
    },
    gopSeconds: 2,
    audio: { encoder: 'aac', bitrateKbps: 128, channels: 2, sampleRate: 48000, surround: { bitrateKbps: 384 } },
    // x265 reaches x264's quality about 4 CRF points higher and at ~60% of the bitrate.
    renditions: [
      { name: '1080p', height: 1080, crf: 26, maxBitrateKbps: 4000 },
      { name: '720p', height: 720, crf: 27, maxBitrateKbps: 2300 },
      { name: '480p', height: 480, crf: 28, maxBitrateKbps: 1000 },
    ],
  },
  'av1-ladder': {
    name: 'av1-ladder',
    outputs: ['hls', 'dash', 'mp4'],
    description:
      'AV1 (SVT-AV1 preset 8) Main 8-bit, 1080p/720p/480p, 2 s closed GOPs, AAC stereo 128 kb/s; HDR sources tone-mapped to BT.709 (5.1 kept at 384 kb/s)',
    video: {
      codec: 'av1',
      encoder: 'libsvtav1',
      speed: '8',
      profile: 'main',
      pixFmt: 'yuv420p',
      bFrames: 0,
      hdr: 'tonemap',
      relativeCost: 1.6,
    },
    gopSeconds: 2,
    audio: { encoder: 'aac', bitrateKbps: 128, channels: 2, sampleRate: 48000, surround: { bitrateKbps: 384 } },
    // SVT-AV1's CRF scale is 0-63.
    renditions: [
      { name: '1080p', height: 1080, crf: 32, maxBitrateKbps: 3500 },
      { name: '720p', height: 720, crf: 33, maxBitrateKbps: 2000 },
      { name: '480p', height: 480, crf: 34, maxBitrateKbps: 900 },
    ],
  },
};

/** Looks a preset up by name; UNKNOWN_PRESET otherwise. */
export function getPreset(name: string): Preset {
  const p = PRESETS[name];
  if (!p) throw new InputError('UNKNOWN_PRESET', `unknown preset "${name}"; known: ${Object.keys(PRESETS).join(', ')}`);
  return p;
}

/** A rendition resolved against a source: `height` the output's short side, `width`/`outHeight` its frame size. */
export interface Rendition extends Omit<RenditionSpec, 'height' | 'width'> {
  height: number;
  width: number;
  outHeight: number;
}

const even = (x: number) => Math.max(2, Math.round(x / 2) * 2);

/** The rung's size as a scale of the source (short side by `height`, long side by `width`). */
function rungScale(r: RenditionSpec, short: number, long: number): number {
  return r.width !== undefined ? r.width / long : (r.height ?? short) / short;
}

/** Why a rung is above the source (its size and the source's), for UPSCALE_REFUSED. */
const rungSize = (r: RenditionSpec) =>
  r.width !== undefined ? `width ${r.width} px, long side` : `height ${r.height} px, short side`;

/**
 * The renditions to produce for a source of the given display size. A rung above the source
 * (its `height` over the source's short side, or its `width` over the long side) is skipped,
 * never upscaled, and a source smaller than every rung gets the smallest rung at its own size;
 * with `upscale: 'refuse'` such a rung refuses the job instead (UPSCALE_REFUSED).
 */
export function selectRenditions(preset: Preset, displayWidth: number, displayHeight: number): Rendition[] {
  const short = Math.min(displayWidth, displayHeight);
  const long = Math.max(displayWidth, displayHeight);
  const above = preset.renditions.filter((r) => rungScale(r, short, long) > 1);
  if (above.length && preset.upscale === 'refuse') {
    const list = above.map((r) => `${r.name} (${rungSize(r)})`).join(', ');
    throw new InputError(
      'UPSCALE_REFUSED',
      `the template refuses upscaling (upscale: refuse) and the source is ${displayWidth}x${displayHeight}: rung${above.length > 1 ? 's' : ''} ${list} ${above.length > 1 ? 'are' : 'is'} above it`,
    );
  }
  let rungs = preset.renditions.filter((r) => rungScale(r, short, long) <= 1);
  if (rungs.length === 0) {
    const smallest = [...preset.renditions].sort((a, b) => rungScale(a, short, long) - rungScale(b, short, long))[0];
    const { width: _w, ...rest } = smallest;
    rungs = [{ ...rest, name: `${short}p`, height: short }];
  }
  return rungs.map((r) => {
    const scale = rungScale(r, short, long);
    const { width: _w, height: _h, ...rest } = r;
    const w = even(displayWidth * scale);
    const h = even(displayHeight * scale);
    return { ...rest, height: r.height ?? Math.min(w, h), width: w, outHeight: h };
  });
}
