import { defineFunction, lambdaHandler } from '../src/pipeline/handler.js';
import { taskInput } from '../src/pipeline/job.js';
import { probeStep } from '../src/pipeline/steps/probe.js';
import { METRIC } from '../src/metrics.js';
import type { FunctionDeploy } from '../src/deploy/functionDeploy.js';

/** Probe: ffprobe over a presigned URL; the summary goes to `$.probe`. */
export const definition = defineFunction('probe', taskInput({}), async ({ job }, { rt, log, metrics }) => {
  const summary = await probeStep(rt, job, log);
  metrics.add(METRIC.bytesIn, summary.sizeBytes);
  return summary;
});

export const handler = lambdaHandler(definition);

/** How it is deployed (serverless.yml's entry is generated from this: `npm run generate`). */
export const deploy: FunctionDeploy = {
  role: 'ProbeRole',
  ffmpegLayer: true,
  memorySize: 1024,
  timeout: 290,
  // Streams (T) then packets (2T, src/pipeline/steps/probe.ts) must finish inside the 290 s above.
  environment: { FFPROBE_TIMEOUT_SECONDS: 50 },
};
