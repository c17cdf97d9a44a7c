/**
 * The encode cost of a job, for the encoder decider: how long the slowest segment takes to
 * encode into every rendition, in seconds of one worker, from the frames, the output pixels and
 * the preset's encoder cost. An AV1 or HEVC ladder of the same source costs more than H.264, so
 * the decider weighs the encoder, not only the source.
 */
import type { Plan } from './plan.js';
import type { Preset, Rendition } from './presets.js';

/**
 * Seconds to encode one megapixel-frame with x264 `veryfast` (relative cost 1), decode and
 * scaling included. Measured on the 2-core test machine (shared) with ffmpeg 5.1, 720p:
 * 0.042 s; a Lambda at 3008 MB (2 vCPU) is about the same. The other encoders scale it by
 * `preset.video.relativeCost`.
 */
export const X264_SECONDS_PER_MEGAPIXEL_FRAME = 0.042;

/** Estimated encode seconds of the longest segment (all renditions of it, one worker). */
export function estimateSegmentEncodeSec(plan: Pick<Plan, 'segments'>, renditions: Pick<Rendition, 'width' | 'outHeight'>[], preset: Pick<Preset, 'video'>): number {
  const frames = plan.segments.reduce((m, s) => Math.max(m, s.count), 0);
  const megapixels = renditions.reduce((a, r) => a + (r.width * r.outHeight) / 1e6, 0);
  return Number((frames * megapixels * X264_SECONDS_PER_MEGAPIXEL_FRAME * preset.video.relativeCost).toFixed(3));
}
