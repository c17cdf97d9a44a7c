/**
 * Codec-specific encoder arguments of one rendition: everything that differs between x264,
 * x265 and SVT-AV1. The shared rules are the same for all three:
 *
 * - closed GOPs, keyframes only where forced: on a fixed grid of source time (every
 *   `gopSeconds`) and at each segment's first frame, never at scene cuts, so every rendition
 *   has its keyframes at the same frames and each segment's pieces join by stream copy;
 * - each rung's own codec settings (presets.ts rungVideo) and rate control: CRF with a
 *   bitrate cap (`maxrate`, a VBV of twice that unless given), or a target bitrate in a VBV;
 * - colour signalling from the colour plan (colour.ts).
 *
 * Timing options (-vsync passthrough, -enc_time_base -1) are not here: they are the same for
 * every codec and stay in args.ts.
 */
import { rungVideo, type Preset, type RenditionSpec, type VideoSpec } from '../plan/presets.js';
import { colourTagArgs, rungColour, x265HdrParams, type ColourPlan } from './colour.js';
import { InputError } from '../../errors.js';

/**
 * ffmpeg's keyframe expression: the first frame, then the first frame of every `gopSeconds`
 * period of source time (t is the frame's timestamp, so variable frame rate is handled).
 */
export function forcedKeyframeExpr(gopSeconds: number): string {
  const g = gopSeconds;
  return `expr:if(isnan(prev_forced_t),1,gte(floor(t/${g}),floor(prev_forced_t/${g})+1))`;
}

/** Profile and pixel format of a rung's output: 10-bit Main10 when HDR is kept, else its 8-bit ones. */
export function outputFormat(
  video: VideoSpec,
  colour: ColourPlan = { mode: 'sdr' },
): { pixFmt: string; profile: string } {
  const v = video;
  if (rungColour(colour, v).mode === 'keep')
    return { pixFmt: v.hdrPixFmt ?? 'yuv420p10le', profile: v.hdrProfile ?? v.profile };
  return { pixFmt: v.pixFmt, profile: v.profile };
}

/** A rung's rate control: constant quality capped by a VBV, or a target bitrate in a VBV. */
export type RateControl =
  | { mode: 'crf'; crf: number; maxKbps: number; bufferKbps: number }
  | { mode: 'vbv'; targetKbps: number; maxKbps: number; bufferKbps: number };

/**
 * What a rung asks of its encoder's rate control, or why it cannot be served: exactly one of
 * `crf` and `targetBitrateKbps`; the buffer is twice the peak rate unless given.
 */
export function rateControl(
  r: Pick<RenditionSpec, 'name' | 'crf' | 'targetBitrateKbps' | 'bufferKbps' | 'maxBitrateKbps'>,
): RateControl {
  const bufferKbps = r.bufferKbps ?? r.maxBitrateKbps * 2;
  if ((r.crf === undefined) === (r.targetBitrateKbps === undefined)) {
    throw new InputError('INVALID_REQUEST', `rendition "${r.name}" needs exactly one of crf and targetBitrateKbps`);
  }
  if (r.targetBitrateKbps !== undefined) {
    if (r.targetBitrateKbps > r.maxBitrateKbps)
      throw new InputError(
        'INVALID_REQUEST',
        `rendition "${r.name}": targetBitrateKbps ${r.targetBitrateKbps} is above maxBitrateKbps ${r.maxBitrateKbps}`,
      );
    return { mode: 'vbv', targetKbps: r.targetBitrateKbps, maxKbps: r.maxBitrateKbps, bufferKbps };
  }
  return { mode: 'crf', crf: r.crf!, maxKbps: r.maxBitrateKbps, bufferKbps };
}

/**
 * Why a rung's rate control cannot be served by its encoder, or undefined. SVT-AV1 1.4
 * (Debian 12's) refuses a target bitrate (its `rc=1` VBR, `rc=2` CBR) together with the forced
 * keyframes every rung needs: measured here, `-b:v` with `enable-force-key-frames=1` fails with
 * "Force key frame is only supported with RA CRF/CQP mode". Its peak cap is the capped-CRF
 * `mbr` (ffmpeg's -maxrate), so an AV1 rung gives a `crf`.
 */
export function rateControlProblem(r: RenditionSpec, video: VideoSpec): string | undefined {
  const rc = rateControl(r);
  if (video.encoder === 'libsvtav1' && rc.mode === 'vbv') {
    return `rendition "${r.name}": libsvtav1 cannot keep the aligned keyframes with a target bitrate (SVT-AV1 forces keyframes only in CRF mode); give it a crf (capped at maxBitrateKbps)`;
  }
  return undefined;
}

/**
 * The encoder options of one rung (after -map/-vf, before the muxer options), from its own
 * codec settings (rungVideo) and rate control. `colour` is the job's plan; what this rung makes
 * of an HDR source is its own `hdr` (colour.rungColour).
 *
 * x264: `-g` huge with `-keyint_min 1` and `-sc_threshold 0`, keyframes from -force_key_frames
 * (x264 makes forced keyframes IDR, so GOPs are closed).
 *
 * x265: the same through `-x265-params` (`keyint`, `min-keyint`, `scenecut=0`, `open-gop=0`,
 * `bframes`, `vbv-maxrate`/`vbv-bufsize` in kb/s) and `-forced-idr 1`, without which ffmpeg
 * asks x265 for a non-IDR I frame (a CRA) at a forced keyframe. The `hvc1` sample entry is a
 * muxer option (mp4VideoTagArgs).
 *
 * SVT-AV1 (1.4, Debian 12): `-g` large so the encoder adds no keyframes of its own;
 * `enable-force-key-frames=1` makes it honour ffmpeg's forced keyframes (without it, measured:
 * only the first frame is a keyframe); `irefresh-type=2` makes them key frames (closed GOP),
 * not forward-keyframes; `scd=0` no scene-cut keyframes. Unknown `-svtav1-params` keys are
 * ignored silently by SVT-AV1 1.4, so tests check the keyframes, not the exit code. CRF only
 * (rateControlProblem); `-maxrate` is its `mbr` cap (ffmpeg ignores `-bufsize` in CRF mode).
 *
 * Rate control (rateControl): CRF with the VBV cap, or VBV mode: `-b:v` the target instead of
 * `-crf` (x264, x265), the same cap and buffer.
 */
export function videoEncoderArgs(
  preset: Pick<Preset, 'video' | 'gopSeconds'>,
  rendition: RenditionSpec,
  colour: ColourPlan = { mode: 'sdr' },
): string[] {
  const v = rungVideo(preset, rendition);
  const c = rungColour(colour, v);
  const { profile } = outputFormat(v, c);
  const rc = rateControl(rendition);
  const problem = rateControlProblem(rendition, v);
  if (problem) throw new InputError('ENCODER_UNAVAILABLE', problem);
  const quality = rc.mode === 'crf' ? ['-crf', String(rc.crf)] : ['-b:v', `${rc.targetKbps}k`];
  const vbv = ['-maxrate', `${rc.maxKbps}k`, '-bufsize', `${rc.bufferKbps}k`];
  const keyframes = ['-force_key_frames', forcedKeyframeExpr(preset.gopSeconds)];
  const tags = colourTagArgs(c);
  switch (v.encoder) {
    case 'libx264':
      return [
        '-c:v',
        'libx264',
        '-preset',
        v.speed,
        '-profile:v',
        profile,
        ...quality,
        ...vbv,
        '-bf',
        String(v.bFrames),
        '-g',
        '100000',
        '-keyint_min',
        '1',
        '-sc_threshold',
        '0',
        ...keyframes,
        ...tags,
      ];
    case 'libx265': {
      const params = [
        'keyint=100000',
        'min-keyint=1',
        'scenecut=0',
        'open-gop=0',
        `bframes=${v.bFrames}`,
        `vbv-maxrate=${rc.maxKbps}`,
        `vbv-bufsize=${rc.bufferKbps}`,
        ...x265HdrParams(c),
        'log-level=error',
      ];
      return [
        '-c:v',
        'libx265',
        '-preset',
        v.speed,
        '-profile:v',
        profile,
        ...quality,
        '-forced-idr',
        '1',
        '-x265-params',
        params.join(':'),
        ...keyframes,
        ...tags,
      ];
    }
    case 'libsvtav1':
      return [
        '-c:v',
        'libsvtav1',
        '-preset',
        v.speed,
        ...quality,
        ...vbv,
        '-g',
        '100000',
        '-svtav1-params',
        'enable-force-key-frames=1:irefresh-type=2:scd=0',
        ...keyframes,
        ...tags,
      ];
  }
}

/**
 * Options of the MP4 (or CMAF) muxer for a rung's video track: HEVC as `hvc1` (parameter sets
 * in the sample entry), which Apple players and HLS require; ffmpeg's default is `hev1`.
 */
export function mp4VideoTagArgs(video: Pick<VideoSpec, 'codec'>): string[] {
  return video.codec === 'hevc' ? ['-tag:v', 'hvc1'] : [];
}
