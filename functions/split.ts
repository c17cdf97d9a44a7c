import { defineFunction, lambdaHandler } from '../src/pipeline/handler.js';
import { taskInput } from '../src/pipeline/job.js';
import { splitStep } from '../src/pipeline/steps/split.js';
import type { FunctionDeploy } from '../src/deploy/functionDeploy.js';

/** Split: stream copy of the source into keyframe-aligned pieces in the work bucket. */
export const definition = defineFunction('split', taskInput({}), ({ job }, { rt, log }) => splitStep(rt, job, log));

export const handler = lambdaHandler(definition);

/** How it is deployed (serverless.yml's entry is generated from this: `npm run generate`). */
export const deploy: FunctionDeploy = {
  role: 'SourceReaderRole',
  ffmpegLayer: true,
  memorySize: 2048,
  timeout: 890,
  ephemeralStorageSize: 10240,
};
