import { defineFunction, lambdaHandler } from '../src/pipeline/handler.js';
import { taskInput } from '../src/pipeline/job.js';
import { planStep } from '../src/pipeline/steps/plan.js';
import type { FunctionDeploy } from '../src/deploy/functionDeploy.js';

/** Plan: cut points at clean keyframes; the manifest to S3, indices to `$.plan`. */
export const definition = defineFunction('plan', taskInput({}), ({ job }, { rt, log }) => planStep(rt, job, log));

export const handler = lambdaHandler(definition);

/** How it is deployed (serverless.yml's entry is generated from this: `npm run generate`). */
export const deploy: FunctionDeploy = {
  comment: "The plan checks the encoders and filters of the layer's ffmpeg and records its version.",
  role: 'PlanRole',
  ffmpegLayer: true,
  memorySize: 1024,
  timeout: 110,
};
