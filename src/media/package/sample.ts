import { resolveBinaries } from '../ffmpeg/binaries.js';
import { runProcess } from '../ffmpeg/runner.js';

/** A synthetic source made from ffmpeg's lavfi generators (no download). */
export interface SampleSpec {
  output: string;
  durationSec: number;
  width: number;
  height: number;
  fps: number;
  /** Sine audio; `false` for a video-only file. */
  audio?: boolean | { channels: number };
  /** Keyframe times in seconds (irregular GOPs); default: every 2 s. */
  keyframes?: number[];
  bFrames?: number;
  /** Drop frames by a pattern to make the frame rate variable. */
  variableFrameRate?: boolean;
  /** With variableFrameRate: move frames off the 1/fps grid too (time base 1/90000). */
  offGrid?: boolean;
  /** Video codec (libx264 default). */
  codec?: string;
  extraArgs?: string[];
}

/** Builds the ffmpeg arguments of a sample (pure). */
export function buildSampleArgs(s: SampleSpec): string[] {
  const args = [
    '-hide_banner',
    '-nostdin',
    '-y',
    '-loglevel',
    'error',
    '-f',
    'lavfi',
    '-i',
    `testsrc2=size=${s.width}x${s.height}:rate=${s.fps}`,
  ];
  const ch = typeof s.audio === 'object' ? s.audio.channels : 2;
  if (s.audio) args.push('-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=48000:beep_factor=4`);
  args.push('-t', String(s.durationSec), '-map', '0:v');
  if (s.audio) args.push('-map', '1:a', '-c:a', 'aac', '-b:a', '128k', '-ac', String(ch));
  const vf = ['format=yuv420p'];
  // Drop two frames in every 11 (and a burst later) so frame durations vary; off the grid, also
  // move every frame by up to 40% of a frame, as phone footage is: an encoder that rounds to
  // 1/fps (ffmpeg's default time base) would then change every timestamp.
  if (s.variableFrameRate) {
    vf.unshift(
      `select=not(eq(mod(n\\,11)\\,4))*not(eq(mod(n\\,11)\\,7))*not(between(n\\,${s.fps * 3}\\,${s.fps * 3 + 5}))`,
      ...(s.offGrid ? ['settb=1/90000', `setpts=PTS+${(0.1 / s.fps).toFixed(6)}*mod(N\\,5)/TB`] : []),
    );
  }
  args.push('-vf', vf.join(','));
  if (s.variableFrameRate) args.push('-vsync', 'vfr');
  if (s.offGrid) args.push('-enc_time_base', '1:90000', '-video_track_timescale', '90000');
  const codec = s.codec ?? 'libx264';
  args.push('-c:v', codec);
  if (codec === 'libx264') {
    args.push('-preset', 'veryfast', '-bf', String(s.bFrames ?? 2), '-sc_threshold', '0');
    if (s.keyframes) args.push('-g', '100000', '-force_key_frames', s.keyframes.join(','));
    else args.push('-g', String(s.fps * 2));
  }
  args.push(...(s.extraArgs ?? []), s.output);
  return args;
}

/** Writes a sample file with ffmpeg. */
export async function generateSample(s: SampleSpec): Promise<void> {
  await runProcess(resolveBinaries(process.env).ffmpeg, buildSampleArgs(s), { timeoutMs: 600_000 });
}
