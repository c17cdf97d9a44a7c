/**
 * What a template may ask of each video codec: the encoder this pipeline builds arguments for
 * (src/media/encode/codecs.ts), the settings it accepts, and the defaults a template gets when it gives
 * only `codec`. The defaults are the built-in presets' own settings, so `{"codec":"hevc"}` encodes
 * exactly as `hevc-ladder` does.
 */
import { PRESETS, type VideoCodec, type VideoEncoder, type VideoSpec } from '../media/plan/presets.js';

/** x264 and x265 share their preset names (fastest first). */
const X26X_SPEEDS = [
  'ultrafast',
  'superfast',
  'veryfast',
  'faster',
  'fast',
  'medium',
  'slow',
  'slower',
  'veryslow',
  'placebo',
];

/** What one codec accepts. */
export interface CodecRules {
  /** The encoders src/media/encode/codecs.ts builds arguments for (the Plan checks ffmpeg has it). */
  encoders: readonly VideoEncoder[];
  speeds: readonly string[];
  /** Profiles of 8-bit output. */
  profiles: readonly string[];
  /** CRF scale: x264/x265 0-51, SVT-AV1 0-63. */
  crf: { min: number; max: number };
  maxBFrames: number;
  /** Whether HDR may be kept (10-bit, signalling kept): only HEVC Main10 is built and tested (colour.ts, test/integration/hdr.test.ts). */
  keepsHdr: boolean;
  /** The settings of `{"codec": ...}` alone. */
  defaults: VideoSpec;
}

/** The rules of every codec a template may name. */
export const CODEC_RULES: Record<VideoCodec, CodecRules> = {
  h264: {
    encoders: ['libx264'],
    speeds: X26X_SPEEDS,
    profiles: ['baseline', 'main', 'high'],
    crf: { min: 0, max: 51 },
    maxBFrames: 16,
    keepsHdr: false,
    defaults: PRESETS['h264-ladder'].video,
  },
  hevc: {
    encoders: ['libx265'],
    speeds: X26X_SPEEDS,
    profiles: ['main'],
    crf: { min: 0, max: 51 },
    maxBFrames: 16,
    keepsHdr: true,
    defaults: PRESETS['hevc-ladder'].video,
  },
  // SVT-AV1 1.4 (Debian 12) presets 0-13; it has no B-frame setting (hierarchical levels instead).
  av1: {
    encoders: ['libsvtav1'],
    speeds: Array.from({ length: 14 }, (_, i) => String(i)),
    profiles: ['main'],
    crf: { min: 0, max: 63 },
    maxBFrames: 0,
    keepsHdr: false,
    defaults: PRESETS['av1-ladder'].video,
  },
};

/** The video codecs a template may name. */
export const TEMPLATE_CODECS = Object.keys(CODEC_RULES) as VideoCodec[];
