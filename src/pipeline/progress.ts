/**
 * Progress of a running job, from its segments, without a hot key. A segment is done when its
 * result is in S3 (jobs/<id>/segments/NNNNN.json; a retried segment overwrites its own key, so
 * it counts once): a finished segment function counts them with a LIST (one request per 1,000
 * segments; S3's LIST is strongly consistent), reads the job item once (an eventually
 * consistent GetItem), and writes the item only when it may announce a `STATUS_UPDATE` event
 * (MediaConvert's name: `jobPercentComplete`, `currentPhase`): when its own result, in the
 * order the results were written, took the count across a 10 % step not yet announced, or when 60 s have passed since the last
 * announcement. Of the concurrent callers that qualify, a conditional write on the item picks
 * the one that announces; never after the job has ended. So the item is written O(1) times
 * per step whatever the segment count (900 segments used to ADD 900 indices to one item within
 * seconds: a hot key DynamoDB throttles at ~1,000 writes/s per partition, with two GSIs
 * projecting ALL and the item growing with every index).
 */
import type { Runtime } from '../runtime.js';
import type { Logger } from '../log.js';
import { listKeys } from '../aws/s3.js';
import { buildJobEvent } from './events.js';
import { keys, type JobInput } from './job.js';

/** At most one STATUS_UPDATE per tenth of the job... */
export const PROGRESS_STEP_PERCENT = 10;
/** ...or per this many milliseconds. */
export const PROGRESS_MIN_INTERVAL_MS = 60_000;

/** Percent of a job from its segments: never 100 before COMPLETE (assemble and publish follow). */
export const percentOf = (done: number, total: number) => Math.min(99, Math.floor((100 * done) / total));

const stepOf = (done: number, total: number) => Math.floor(percentOf(done, total) / PROGRESS_STEP_PERCENT);

/**
 * Segments whose result is written, counted from S3 (each index once), and the place of
 * segment `index`'s result among them in the order they were written (last-modified time,
 * then key: every caller that lists the same results ranks them alike). 0 when it is not there.
 */
export async function segmentsDone(
  rt: Runtime,
  jobId: string,
  index?: number,
): Promise<{ done: number; rank: number }> {
  const found = await listKeys(rt.s3, rt.config.WORK_BUCKET, keys.segmentResultsPrefix(jobId));
  found.sort((a, b) => a.lastModifiedMs - b.lastModifiedMs || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const own = index === undefined ? -1 : found.findIndex((o) => o.key === keys.segmentResult(jobId, index));
  return { done: found.length, rank: own + 1 };
}

/**
 * Called by a segment function once its result is written: announces progress when this call
 * wins the step (see above). Failures are logged, never thrown: progress is worth less than
 * re-encoding the segment.
 */
export async function reportSegmentDone(
  rt: Runtime,
  job: JobInput,
  index: number,
  log: Logger,
  engine: 'lambda' | 'ecs' = 'lambda',
  nowMs = Date.now(),
): Promise<{ announced: boolean; percent?: number }> {
  try {
    const [counted, state] = await Promise.all([segmentsDone(rt, job.jobId, index), rt.jobs.progressState(job.jobId)]);
    if (state?.status !== 'PROGRESSING' || !state.segmentsTotal) return { announced: false };
    const total = state.segmentsTotal;
    const done = Math.min(counted.done, total);
    const percent = percentOf(done, total);
    const step = stepOf(done, total);
    // This segment's own result crossed a step (the results written before it were on the step
    // below): one caller per step, however many finish at once, since each has its own place
    // in the order. It announces the count it sees, unless the read shows that step announced.
    // S3's LastModified has one-second resolution: results written in the same second rank by
    // key, so the one that crossed may not rank at the crossing. The caller listed last may
    // then claim a step not yet announced too (the conditional write still picks one).
    const rank = Math.min(counted.rank, total);
    const unannounced = step > (state.progressStep ?? 0);
    const crossed =
      unannounced && rank > 0 && (stepOf(rank, total) > stepOf(rank - 1, total) || counted.rank === counted.done);
    const stale = nowMs - (state.progressAt ?? Date.parse(state.updatedAt)) >= PROGRESS_MIN_INTERVAL_MS;
    if (!crossed && !stale) return { announced: false, percent };
    const won = await rt.jobs.claimProgress(job.jobId, {
      step,
      percent,
      phase: 'TRANSCODING',
      nowMs,
      minIntervalMs: PROGRESS_MIN_INTERVAL_MS,
      done,
    });
    if (!won) return { announced: false, percent };
    await rt.events.put(
      buildJobEvent({
        status: 'STATUS_UPDATE',
        job,
        source: rt.config.EVENT_SOURCE,
        busName: rt.config.EVENT_BUS_NAME,
        executionArn: state.executionArn,
        now: new Date(nowMs),
        statusUpdate: { jobPercentComplete: percent, currentPhase: 'TRANSCODING' },
        progress: { step: 'TRANSCODING', segmentsDone: done, segmentsTotal: total, engine },
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
