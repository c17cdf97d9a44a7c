import { defineFunction, lambdaHandler } from '../src/pipeline/handler.js';
import { taskInput } from '../src/pipeline/job.js';
import { assembleStep } from '../src/pipeline/steps/assemble.js';

/** Assemble: HLS and DASH manifests from the pieces' facts, and each progressive MP4 joined from the same fragments. */
export const definition = defineFunction('assemble', taskInput({}), async ({ job }, { rt, log }) => {
  const r = await assembleStep(rt, job, log);
  return { renditions: r.renditions.map((x) => x.name) };
});

export const handler = lambdaHandler(definition);
