/**
 * The encode cost of a job, for the encoder decider: how long the slowest segment takes to
 * encode into every rendition, in seconds of one worker, from the frames, each rendition's
 * output pixels and its own encoder's cost (a ladder may mix codecs). An AV1 or HEVC rung costs
 * more than an H.264 one of the same size, so the decider weighs the encoders, not only the source.
 */
import type { Plan } from './plan.js';
import { rungVideo, type Preset, type Rendition } from './presets.js';

/**
 * Seconds to encode one megapixel-frame with x264 `veryfast` (relative cost 1), decode and
 * scaling included. Measured on the 2-core test machine (shared) with ffmpeg 5.1, 720p:
 * 0.042 s; a Lambda at 3008 MB (2 vCPU) is about the same. The other encoders scale it by
 * their `relativeCost` (each rung's own: rungVideo).
 */
export const X264_SECONDS_PER_MEGAPIXEL_FRAME = 0.042;

/**
 * Estimated encode seconds of the longest segment (all renditions of it, one worker): the sum
 * over renditions of its megapixels x its encoder's relative cost.
 */
export function estimateSegmentEncodeSec(
  plan: Pick<Plan, 'segments'>,
  renditions: Pick<Rendition, 'width' | 'outHeight' | 'video'>[],
  preset: Pick<Preset, 'video'>,
): number {
  const frames = plan.segments.reduce((m, s) => Math.max(m, s.count), 0);
  const weighted = renditions.reduce(
    (a, r) => a + ((r.width * r.outHeight) / 1e6) * rungVideo(preset, r).relativeCost,
    0,
  );
  return Number((frames * weighted * X264_SECONDS_PER_MEGAPIXEL_FRAME).toFixed(3));
}
