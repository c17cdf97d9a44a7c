import { defineFunction, lambdaHandler } from '../src/pipeline/handler.js';
import { taskInput } from '../src/pipeline/job.js';
import { splitStep } from '../src/pipeline/steps/split.js';

/** Split: stream copy of the source into keyframe-aligned pieces in the work bucket. */
export const definition = defineFunction('split', taskInput({}), ({ job }, { rt, log }) => splitStep(rt, job, log));

export const handler = lambdaHandler(definition);
