import { defineFunction, lambdaHandler } from '../src/pipeline/handler.js';
import { EmitInputSchema, emitJobEventStep } from '../src/pipeline/steps/emit.js';
import { METRIC } from '../src/metrics.js';
import type { FunctionDeploy } from '../src/deploy/functionDeploy.js';

/** Emits one `Transcode Job State Change` event (PROGRESSING, COMPLETE or ERROR) and records the status. */
export const definition = defineFunction('emitEvent', EmitInputSchema, async (input, { rt, log, metrics }) => {
  const r = await emitJobEventStep(rt, input, log);
  if (input.status === 'COMPLETE') metrics.add(METRIC.jobsCompleted, 1);
  if (input.status === 'ERROR') metrics.add(METRIC.jobsFailed, 1);
  return r;
});

export const handler = lambdaHandler(definition);

/** How it is deployed (serverless.yml's entry is generated from this: `npm run generate`). */
export const deploy: FunctionDeploy = { role: 'EmitEventRole', memorySize: 256, timeout: 50 };
