import { defineFunction, lambdaHandler } from '../src/pipeline/handler.js';
import { taskInput } from '../src/pipeline/job.js';
import { concatStep } from '../src/pipeline/steps/concat.js';

/** Concat: each rendition's pieces joined by stream copy, audio muxed in. */
export const definition = defineFunction('concat', taskInput({}), async ({ job }, { rt, log }) => {
  const r = await concatStep(rt, job, log);
  return { renditions: r.renditions.map((x) => x.name) };
});

export const handler = lambdaHandler(definition);
