/**
 * Progress of a running job, from its segments: each segment function, once its result is
 * written, adds its index to the job record (a set: a retried segment counts once) and may
 * announce a `STATUS_UPDATE` event (MediaConvert's name: `jobPercentComplete`, `currentPhase`).
 * Segment functions run concurrently, so who announces is decided by a conditional write on
 * the record: one announcement per 10 % step crossed, or one more once 60 s have passed since
 * the last, whichever comes first; never after the job has ended.
 */
import type { Runtime } from '../runtime.js';
import type { Logger } from '../log.js';
import { buildJobEvent } from './events.js';
import type { JobInput } from './job.js';

/** At most one STATUS_UPDATE per tenth of the job... */
export const PROGRESS_STEP_PERCENT = 10;
/** ...or per this many milliseconds. */
export const PROGRESS_MIN_INTERVAL_MS = 60_000;

/** Percent of a job from its segments: never 100 before COMPLETE (assemble and publish follow). */
export const percentOf = (done: number, total: number) => Math.min(99, Math.floor((100 * done) / total));

/**
 * Counts a finished segment and announces progress when this call wins the step. Failures are
 * logged, never thrown: progress is worth less than re-encoding the segment.
 */
export async function reportSegmentDone(rt: Runtime, job: JobInput, index: number, log: Logger, engine: 'lambda' | 'ecs' = 'lambda', nowMs = Date.now()): Promise<{ announced: boolean; percent?: number }> {
  try {
    const r = await rt.jobs.segmentDone(job.jobId, index);
    if (!r || !r.total) return { announced: false };
    const percent = percentOf(r.done, r.total);
    const step = Math.floor(percent / PROGRESS_STEP_PERCENT);
    // Below the first step only the 60 s rule could announce; PROGRESSING already said 0 %.
    if (step < 1 && nowMs - Date.parse(r.record.updatedAt) < PROGRESS_MIN_INTERVAL_MS) return { announced: false, percent };
    const won = await rt.jobs.claimProgress(job.jobId, { step, percent, phase: 'TRANSCODING', nowMs, minIntervalMs: PROGRESS_MIN_INTERVAL_MS });
    if (!won) return { announced: false, percent };
    await rt.events.put(
      buildJobEvent({
        status: 'STATUS_UPDATE',
        job,
        source: rt.config.EVENT_SOURCE,
        busName: rt.config.EVENT_BUS_NAME,
        executionArn: r.record.executionArn,
        now: new Date(nowMs),
        statusUpdate: { jobPercentComplete: percent, currentPhase: 'TRANSCODING' },
        progress: { step: 'TRANSCODING', segmentsDone: Math.min(r.done, r.total), segmentsTotal: r.total, engine },
      }),
    );
    return { announced: true, percent };
  } catch (err) {
    log.warn('progress not recorded', { index, error: err });
    return { announced: false };
  }
}

/**
 * Seconds left from the segment rate so far: `msSoFar` since the first segment started, `done`
 * of `total` finished. Undefined until one segment has finished (no rate yet). Assemble and
 * publish follow the segments; they are not in this estimate.
 */
export function etaSeconds(done: number, total: number, msSoFar: number): number | undefined {
  if (done < 1 || total < 1 || msSoFar <= 0) return undefined;
  return Math.max(0, Math.round(((total - Math.min(done, total)) * msSoFar) / done / 1000));
}

/** The CLI's progress text of the transcoding step: `segments 3/10  30%  ETA 12s`. */
export function describeProgress(done: number, total: number, msSoFar: number): string {
  const eta = etaSeconds(done, total, msSoFar);
  return `segments ${done}/${total}  ${percentOf(done, total)}%${eta !== undefined ? `  ETA ${eta}s` : ''}`;
}
