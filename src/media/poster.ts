import type { Plan } from './plan.js';

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

/**
 * The `-ss` value (with `-seek_timestamp 1`, so it is the source's own timestamp, not an offset
 * from its start time) that yields the frame at `pts`: half a millisecond before it, so rounding
 * never puts the seek after the frame (frames before the seek point are dropped), and no
 * earlier frame is that close (240 fps is the limit, 4.2 ms apart).
 */
export function posterSeekSec(pts: number, timeBase: { num: number; den: number }): number {
  return Number(((pts * timeBase.num) / timeBase.den - 0.0005).toFixed(6));
}
