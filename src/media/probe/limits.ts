import { InputError } from '../../errors.js';
import type { MediaInfo } from './probe.js';

/** What a source may be, each a deploy parameter (see src/config.ts). */
export interface MediaLimits {
  maxInputBytes: number;
  maxDurationSec: number;
  maxWidth: number;
  maxHeight: number;
  maxFrameRate: number;
  maxStreams: number;
}

const exceeded = (what: string) => new InputError('INPUT_LIMIT_EXCEEDED', what);

/** Size is checked from the object's HEAD, before ffprobe reads a byte. */
export function checkSize(bytes: number, l: MediaLimits): void {
  if (bytes > l.maxInputBytes) throw exceeded(`the file is ${bytes} bytes; the limit is ${l.maxInputBytes}`);
}

/** Checked from the stream headers, before any packet is read or decoded. */
export function checkMediaLimits(info: MediaInfo, l: MediaLimits): void {
  const v = info.video;
  if (info.streamCount > l.maxStreams)
    throw exceeded(`the file has ${info.streamCount} streams; the limit is ${l.maxStreams}`);
  if (v.width > l.maxWidth || v.height > l.maxHeight)
    throw exceeded(`the video is ${v.width}x${v.height}; the limit is ${l.maxWidth}x${l.maxHeight}`);
  if (v.avgFrameRate > l.maxFrameRate)
    throw exceeded(`the frame rate is ${v.avgFrameRate.toFixed(2)} fps; the limit is ${l.maxFrameRate}`);
  if (info.durationSec > l.maxDurationSec)
    throw exceeded(`the video lasts ${info.durationSec.toFixed(1)} s; the limit is ${l.maxDurationSec} s`);
}

/** Checked again from the packets: a header can understate the duration or frame count. */
export function checkTimeline(durationSec: number, frames: number, l: MediaLimits): void {
  if (durationSec > l.maxDurationSec)
    throw exceeded(`the video lasts ${durationSec.toFixed(1)} s; the limit is ${l.maxDurationSec} s`);
  if (frames > l.maxDurationSec * l.maxFrameRate)
    throw exceeded(`the video has ${frames} frames; the limit is ${l.maxDurationSec * l.maxFrameRate}`);
}
