/**
 * Generated sources for shapes that the real-world corpus has no file for, or has only in the
 * hands of users: a phone-like variable-frame-rate MP4 whose first frame lasts far longer than
 * the others (cameras start their clock before the sensor delivers), and an AVI with an odd rate.
 * Made with the system's ffmpeg; the timestamps are rewritten in the bitstream filter (setts), so
 * the frames are encoded once and only their times change, as a phone's muxer writes them.
 */
import { resolveBinaries } from '../../src/media/ffmpeg/binaries.js';
import { runProcess } from '../../src/media/ffmpeg/runner.js';

const ff = (args: string[]) =>
  runProcess(resolveBinaries(process.env).ffmpeg, ['-hide_banner', '-nostdin', '-y', '-loglevel', 'error', ...args], {
    timeoutMs: 120_000,
  });

/** The shape of a phone recording: 90 kHz track, first frame `firstMs`, then 30 fps. */
export interface PhoneShape {
  width: number;
  height: number;
  /** Frames in all (the recording: 44, i.e. 1.6 s with a 184 ms first frame). */
  frames: number;
  firstMs: number;
  /** Keyframe interval in frames (several segments need more than one keyframe). */
  gop: number;
  /** B-frames (phones' H.264 has none or 1-2; both shapes hit the encoder's reorder delay). */
  bframes: number;
}

/**
 * A phone-like MP4 (H.264 + AAC stereo at 48 kHz): frame 0 at 0, frame 1 at `firstMs`, then
 * every 3000 ticks of 90 kHz (30 fps). Decode times move with the presentation times, keeping
 * the encoder's reorder delay before zero.
 */
export async function phoneVfrFixture(out: string, s: PhoneShape): Promise<void> {
  const shift = Math.round((s.firstMs * 90_000) / 1000) - 3000;
  const seconds = ((s.firstMs + (s.frames - 1) * (1000 / 30)) / 1000).toFixed(3);
  await ff([
    '-f',
    'lavfi',
    '-t',
    (s.frames / 30).toFixed(4),
    '-i',
    `testsrc2=size=${s.width}x${s.height}:rate=30`,
    '-f',
    'lavfi',
    '-t',
    seconds,
    '-i',
    'sine=frequency=440:sample_rate=48000:beep_factor=4',
    '-t',
    seconds,
    '-c:v',
    'libx264',
    '-preset',
    'veryfast',
    '-bf',
    String(s.bframes),
    '-g',
    String(s.gop),
    '-keyint_min',
    String(s.gop),
    '-sc_threshold',
    '0',
    '-c:a',
    'aac',
    '-ac',
    '2',
    '-video_track_timescale',
    '90000',
    '-bsf:v',
    `setts=pts=if(eq(PTS\\,0)\\,0\\,PTS+${shift}):dts=if(lte(DTS\\,0)\\,DTS\\,DTS+${shift})`,
    out,
  ]);
}

/** VP9 in AVI at an odd rate (`rate` as ffmpeg's fraction, e.g. 30000/1001), with a tone. */
export async function vp9AviFixture(
  out: string,
  p: { size: string; rate: string; seconds: number; gop: number },
): Promise<void> {
  await ff([
    '-f',
    'lavfi',
    '-i',
    `testsrc2=size=${p.size}:rate=${p.rate}`,
    '-f',
    'lavfi',
    '-i',
    'sine=frequency=440:sample_rate=48000:beep_factor=4',
    '-t',
    String(p.seconds),
    '-c:v',
    'libvpx-vp9',
    '-deadline',
    'realtime',
    '-cpu-used',
    '8',
    '-g',
    String(p.gop),
    '-c:a',
    'pcm_s16le',
    '-ac',
    '2',
    out,
  ]);
}
