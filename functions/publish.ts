import { defineFunction, lambdaHandler } from '../src/pipeline/handler.js';
import { taskInput } from '../src/pipeline/job.js';
import { publishStep } from '../src/pipeline/steps/publish.js';
import { enterPublishing } from '../src/pipeline/phase.js';
import { METRIC } from '../src/metrics.js';
import type { FunctionDeploy } from '../src/deploy/functionDeploy.js';

/**
 * Publish: the manifests written last to the output bucket (the commit point; the pieces are
 * already there), what the job wrote listed in `$.published`. Refused when the job has ended.
 */
export const definition = defineFunction('publish', taskInput({}), async ({ job }, { rt, log, metrics }) => {
  await enterPublishing(rt, job.jobId, log);
  const r = await publishStep(rt, job, log);
  metrics.add(
    METRIC.bytesOut,
    r.outputs.reduce((a, o) => a + o.sizeBytes, 0),
  );
  return r;
});

export const handler = lambdaHandler(definition);

/** How it is deployed (serverless.yml's entry is generated from this: `npm run generate`). */
export const deploy: FunctionDeploy = { role: 'PublishRole', timeout: 290 };
