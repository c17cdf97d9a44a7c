import { defineFunction, lambdaHandler } from '../src/pipeline/handler.js';
import { taskInput } from '../src/pipeline/job.js';
import { planStep } from '../src/pipeline/steps/plan.js';

/** Plan: cut points at clean keyframes; the manifest to S3, indices to `$.plan`. */
export const definition = defineFunction('plan', taskInput({}), ({ job }, { rt, log }) => planStep(rt, job, log));

export const handler = lambdaHandler(definition);
