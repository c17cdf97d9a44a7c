import { defineFunction, lambdaHandler } from '../src/pipeline/handler.js';
import { taskInput } from '../src/pipeline/job.js';
import { probeStep } from '../src/pipeline/steps/probe.js';
import { METRIC } from '../src/metrics.js';

/** Probe: ffprobe over a presigned URL; the summary goes to `$.probe`. */
export const definition = defineFunction('probe', taskInput({}), async ({ job }, { rt, log, metrics }) => {
  const summary = await probeStep(rt, job, log);
  metrics.add(METRIC.bytesIn, summary.sizeBytes);
  return summary;
});

export const handler = lambdaHandler(definition);
