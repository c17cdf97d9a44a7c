import os from 'node:os';
import type { Runtime } from '../runtime.js';
import type { Logger } from '../log.js';
import { mapLimit } from '../util/mapLimit.js';
import { readJobDocument } from '../pipeline/jobDocument.js';
import { keys } from '../pipeline/job.js';
import { putJson } from '../aws/s3.js';
import { encoderInfo } from '../media/plan/encoders.js';
import { splitStep } from '../pipeline/steps/split.js';
import { transcodeSegmentStep } from '../pipeline/steps/segment.js';
import { subtitlesStep } from '../pipeline/steps/subtitles.js';
import { clearSegmentFallbacks } from '../pipeline/steps/fallback.js';
import { assembleCompleteStep, assemblePartStep, assembleStep } from '../pipeline/steps/assemble.js';

/** How the worker spreads one job over the machine's cores. */
export interface WorkerPlan {
  /** Segments encoded at the same time. */
  concurrency: number;
  /** Encoder threads per segment run (x264 `-threads`). */
  threads: number;
}

/** One ffmpeg per core; when there are fewer segments than cores, each gets more threads. */
export function planWorker(cores: number, segments: number, requested?: number): WorkerPlan {
  const concurrency = Math.max(1, Math.min(requested ?? cores, segments || 1));
  return { concurrency, threads: Math.max(1, Math.floor(cores / concurrency)) };
}

/**
 * The whole job's encode on one machine, with the Lambda path's steps: split (only where the
 * source cannot be read by range), then every segment (up to one per core at a time, each with
 * its audio chunks) and the thumbnails together, then the package (manifests, MP4 downloads).
 * It writes the same pieces (in place, under the job's output prefix), manifests and
 * renditions.json as the Lambda path, so Publish,
 * EmitComplete and Cleanup are shared.
 */
export async function runJobOnOneMachine(
  rt: Runtime,
  jobId: string,
  log: Logger,
  opts: { concurrency?: number; cores?: number } = {},
): Promise<Record<string, number>> {
  const timings: Record<string, number> = {};
  const timed = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
    const t = Date.now();
    try {
      return await fn();
    } finally {
      timings[`${name}Ms`] = Date.now() - t;
    }
  };
  const job = { jobId };
  const m = await readJobDocument(rt, jobId);
  // The manifest names the ffmpeg that encodes the job (the COMPLETE event reports it): the Plan
  // wrote the Lambda layer's; this machine's may be another build.
  const { ffmpegVersion } = await encoderInfo(rt.binaries.ffmpeg);
  if (m.ffmpegVersion !== ffmpegVersion) {
    await putJson(rt.s3, { bucket: rt.config.WORK_BUCKET, key: keys.jobDocument(jobId) }, { ...m, ffmpegVersion });
    log.info('encoder', { ffmpegVersion, planned: m.ffmpegVersion });
  }
  // A fallback from the fan-out: the Map's records of timed-out segments are what sent the job
  // here; this machine encodes every segment, so its Assemble must not find them.
  await clearSegmentFallbacks(rt, jobId);
  // The split pass only where the source cannot be read by range (the plan says which).
  if (m.plan.read?.mode !== 'range') await timed('split', () => splitStep(rt, job, log.child({ step: 'split' })));
  const cores = opts.cores ?? os.availableParallelism();
  const plan = planWorker(cores, m.plan.segments.length, opts.concurrency);
  log.info('encoding', { segments: m.plan.segments.length, cores, ...plan });
  const segLog = log.child({ step: 'transcodeSegment' });
  await timed('encode', () =>
    Promise.all([
      mapLimit(m.plan.segments, plan.concurrency, (s) =>
        transcodeSegmentStep(rt, { jobId, index: s.index }, segLog, { threads: plan.threads }),
      ),
      subtitlesStep(rt, job, log.child({ step: 'subtitles' })),
    ]),
  );
  // The state machine's Assemble, AssembleParts and AssembleComplete, here in one process.
  await timed('assemble', async () => {
    const alog = log.child({ step: 'assemble' });
    const { parts } = await assembleStep(rt, job, alog);
    await mapLimit(parts, plan.concurrency, (part) => assemblePartStep(rt, { jobId, part }, alog));
    await assembleCompleteStep(rt, job, alog);
  });
  return timings;
}
