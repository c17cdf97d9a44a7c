import { defineFunction, lambdaHandler } from '../src/pipeline/handler.js';
import { SegmentTaskSchema } from '../src/pipeline/job.js';
import { transcodeSegmentStep } from '../src/pipeline/steps/segment.js';
import { METRIC } from '../src/metrics.js';

/** One Map iteration: one segment into every rendition. */
export const definition = defineFunction('transcodeSegment', SegmentTaskSchema, async (task, { rt, log, metrics }) => {
  const r = await transcodeSegmentStep(rt, { jobId: task.job.jobId, index: task.index }, log);
  metrics.add(METRIC.segmentSeconds, r.durationSec);
  return r;
});

export const handler = lambdaHandler(definition);
