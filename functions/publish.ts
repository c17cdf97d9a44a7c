import { defineFunction, lambdaHandler } from '../src/pipeline/handler.js';
import { taskInput } from '../src/pipeline/job.js';
import { publishStep } from '../src/pipeline/steps/publish.js';
import { recordPhase } from '../src/pipeline/phase.js';
import { METRIC } from '../src/metrics.js';

/** Publish: staged outputs copied to the output bucket, listed in `$.published`. */
export const definition = defineFunction('publish', taskInput({}), async ({ job }, { rt, log, metrics }) => {
  await recordPhase(rt, job.jobId, 'PUBLISHING', log);
  const r = await publishStep(rt, job, log);
  metrics.add(METRIC.bytesOut, r.outputs.reduce((a, o) => a + o.sizeBytes, 0));
  return r;
});

export const handler = lambdaHandler(definition);
