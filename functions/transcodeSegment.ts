import { defineFunction, lambdaHandler } from '../src/pipeline/handler.js';
import { SegmentTaskSchema } from '../src/pipeline/job.js';
import { transcodeSegmentStep } from '../src/pipeline/steps/segment.js';
import { METRIC } from '../src/metrics.js';
import { reportSegmentDone } from '../src/pipeline/progress.js';
import type { FunctionDeploy } from '../src/deploy/functionDeploy.js';

/** One Map iteration: one segment into every rendition. */
export const definition = defineFunction('transcodeSegment', SegmentTaskSchema, async (task, { rt, log, metrics }) => {
  const r = await transcodeSegmentStep(rt, { jobId: task.job.jobId, index: task.index }, log);
  metrics.add(METRIC.segmentSeconds, r.durationSec);
  // After the result is written: the record counts it, and maybe a STATUS_UPDATE goes out.
  await reportSegmentDone(rt, task.job, task.index, log);
  // The verification facts (a time per frame per rendition) stay in the result in S3: the Map
  // item's output is state, bounded at 256 KiB.
  return { ...r, verify: undefined };
});

export const handler = lambdaHandler(definition);

/** How it is deployed (serverless.yml's entry is generated from this: `npm run generate`). */
export const deploy: FunctionDeploy = {
  comment: 'Memory is a deploy parameter (about one vCPU per 1,769 MB; the speed model assumes 3,008).',
  role: 'WorkReadWriteRole',
  ffmpegLayer: true,
  memorySize: '${param:transcodeMemoryMb}',
  timeout: 890,
  ephemeralStorageSize: 2048,
};
