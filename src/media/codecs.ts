/**
 * Codec-specific encoder arguments of one rendition: everything that differs between x264,
 * x265 and SVT-AV1. The shared rules are the same for all three:
 *
 * - closed GOPs, keyframes only where forced: on a fixed grid of source time (every
 *   `gopSeconds`) and at each segment's first frame, never at scene cuts, so every rendition
 *   has its keyframes at the same frames and each segment's pieces join by stream copy;
 * - CRF with a bitrate cap (`maxrate`, a VBV of twice that);
 * - colour signalling from the colour plan (colour.ts).
 *
 * Timing options (-vsync passthrough, -enc_time_base -1) are not here: they are the same for
 * every codec and stay in args.ts.
 */
import type { Preset, Rendition } from './presets.js';
import { colourTagArgs, x265HdrParams, type ColourPlan } from './colour.js';

/**
 * ffmpeg's keyframe expression: the first frame, then the first frame of every `gopSeconds`
 * period of source time (t is the frame's timestamp, so variable frame rate is handled).
 */
export function forcedKeyframeExpr(gopSeconds: number): string {
  const g = gopSeconds;
  return `expr:if(isnan(prev_forced_t),1,gte(floor(t/${g}),floor(prev_forced_t/${g})+1))`;
}

/** Profile and pixel format of the output: 10-bit Main10 when HDR is kept, else the preset's. */
export function outputFormat(preset: Preset, colour: ColourPlan = { mode: 'sdr' }): { pixFmt: string; profile: string } {
  const v = preset.video;
  if (colour.mode === 'keep') return { pixFmt: v.hdrPixFmt ?? 'yuv420p10le', profile: v.hdrProfile ?? v.profile };
  return { pixFmt: v.pixFmt, profile: v.profile };
}

/**
 * The encoder options of one rendition (after -map/-vf, before the muxer options).
 *
 * x264: `-g` huge with `-keyint_min 1` and `-sc_threshold 0`, keyframes from -force_key_frames
 * (x264 makes forced keyframes IDR, so GOPs are closed).
 *
 * x265: the same through `-x265-params` (`keyint`, `min-keyint`, `scenecut=0`, `open-gop=0`,
 * `bframes`, `vbv-maxrate`/`vbv-bufsize` in kb/s) and `-forced-idr 1`, without which ffmpeg
 * asks x265 for a non-IDR I frame (a CRA) at a forced keyframe. The `hvc1` sample entry is a
 * muxer option (mp4VideoTagArgs): the NUT pieces cannot carry it.
 *
 * SVT-AV1 (1.4, Debian 12): `-g` large so the encoder adds no keyframes of its own;
 * `enable-force-key-frames=1` makes it honour ffmpeg's forced keyframes (without it, measured:
 * only the first frame is a keyframe); `irefresh-type=2` makes them key frames (closed GOP),
 * not forward-keyframes; `scd=0` no scene-cut keyframes. Unknown `-svtav1-params` keys are
 * ignored silently by SVT-AV1 1.4, so tests check the keyframes, not the exit code.
 */
export function videoEncoderArgs(preset: Preset, rendition: Rendition, colour: ColourPlan = { mode: 'sdr' }): string[] {
  const v = preset.video;
  const r = rendition;
  const { profile } = outputFormat(preset, colour);
  const keyframes = ['-force_key_frames', forcedKeyframeExpr(preset.gopSeconds)];
  const tags = colourTagArgs(colour);
  switch (v.encoder) {
    case 'libx264':
      return [
        '-c:v', 'libx264',
        '-preset', v.speed,
        '-profile:v', profile,
        '-crf', String(r.crf),
        '-maxrate', `${r.maxBitrateKbps}k`,
        '-bufsize', `${r.maxBitrateKbps * 2}k`,
        '-bf', String(v.bFrames),
        '-g', '100000', '-keyint_min', '1', '-sc_threshold', '0',
        ...keyframes,
        ...tags,
      ];
    case 'libx265': {
      const params = [
        'keyint=100000', 'min-keyint=1', 'scenecut=0', 'open-gop=0',
        `bframes=${v.bFrames}`,
        `vbv-maxrate=${r.maxBitrateKbps}`, `vbv-bufsize=${r.maxBitrateKbps * 2}`,
        ...x265HdrParams(colour),
        'log-level=error',
      ];
      return [
        '-c:v', 'libx265',
        '-preset', v.speed,
        '-profile:v', profile,
        '-crf', String(r.crf),
        '-forced-idr', '1',
        '-x265-params', params.join(':'),
        ...keyframes,
        ...tags,
      ];
    }
    case 'libsvtav1':
      return [
        '-c:v', 'libsvtav1',
        '-preset', v.speed,
        '-crf', String(r.crf),
        '-maxrate', `${r.maxBitrateKbps}k`,
        '-bufsize', `${r.maxBitrateKbps * 2}k`,
        '-g', '100000',
        '-svtav1-params', 'enable-force-key-frames=1:irefresh-type=2:scd=0',
        ...keyframes,
        ...tags,
      ];
  }
}

/**
 * Options of the MP4 (or CMAF) muxer for the video track: HEVC as `hvc1` (parameter sets in
 * the sample entry), which Apple players and HLS require; ffmpeg's default is `hev1`.
 */
export function mp4VideoTagArgs(preset: Preset): string[] {
  return preset.video.codec === 'hevc' ? ['-tag:v', 'hvc1'] : [];
}

/** What ffprobe reports of an encoded video stream (codec_name, profile, level, pix_fmt). */
export interface EncodedVideo {
  codec: string;
  profile?: string;
  level?: number;
  pixFmt?: string;
}

const H264_PROFILE_IDC: Record<string, number> = { 'Constrained Baseline': 66, Baseline: 66, Main: 77, Extended: 88, High: 100, 'High 10': 110, 'High 4:2:2': 122, 'High 4:4:4 Predictive': 244 };
const hex2 = (n: number) => n.toString(16).padStart(2, '0');

/**
 * The RFC 6381 `CODECS` value of an encoded stream, for HLS `CODECS` and DASH `@codecs`:
 * `avc1.PPCCLL`; `hvc1.P.C.Tlevel.B0` (ISO/IEC 14496-15 annex E; x265 writes progressive,
 * frame-only pictures: constraint byte B0; Main tier); `av01.P.LLT.DD` (AV1 ISOBMFF binding:
 * profile, seq_level_idx, tier, bit depth). Undefined for a stream it cannot describe.
 */
export function codecsString(v: EncodedVideo): string | undefined {
  const depth = /10(le|be)$/.test(v.pixFmt ?? '') ? 10 : 8;
  if (v.codec === 'h264' && v.profile && H264_PROFILE_IDC[v.profile] && v.level) {
    const constraint = v.profile === 'Constrained Baseline' ? 0x40 : 0;
    return `avc1.${hex2(H264_PROFILE_IDC[v.profile])}${hex2(constraint)}${hex2(v.level)}`;
  }
  if (v.codec === 'hevc' && v.level) {
    const p = v.profile === 'Main 10' ? { idc: 2, compat: 4 } : v.profile === 'Main' ? { idc: 1, compat: 6 } : undefined;
    return p ? `hvc1.${p.idc}.${p.compat}.L${v.level}.B0` : undefined;
  }
  if (v.codec === 'av1' && v.level !== undefined) {
    const profile = { Main: 0, High: 1, Professional: 2 }[v.profile ?? 'Main'];
    return profile === undefined ? undefined : `av01.${profile}.${String(v.level).padStart(2, '0')}M.${String(depth).padStart(2, '0')}`;
  }
  return undefined;
}
