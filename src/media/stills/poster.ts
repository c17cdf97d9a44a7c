import type { Plan } from '../plan/plan.js';

/**
 * Where the poster frame is taken, in source time (seconds, the source's own timestamps).
 *
 * The poster is "about 10% in, at most 10 s in", but it must be a frame that exists: a seek
 * to an arbitrary time past the last frame (a one-frame video: 10% of 40 ms lands after the
 * only frame) makes ffmpeg write nothing and exit 0. So the poster is the latest segment start
 * at or before that target: every segment starts on a kept frame (a clean keyframe, or a
 * clip's first frame), which is also the cheapest frame to seek to.
 */
export function posterFramePts(plan: Pick<Plan, 'segments' | 'startPts' | 'durationSec' | 'timeBase'>): number {
  const tick = plan.timeBase.num / plan.timeBase.den;
  const target = plan.startPts + Math.min(plan.durationSec * 0.1, 10) / tick;
  let pts = plan.segments[0]?.startPts ?? plan.startPts;
  for (const s of plan.segments) if (s.startPts <= target && s.startPts > pts) pts = s.startPts;
  return pts;
}
