import { defineFunction, lambdaHandler } from '../src/pipeline/handler.js';
import { taskInput } from '../src/pipeline/job.js';
import { subtitlesStep } from '../src/pipeline/steps/subtitles.js';
import type { FunctionDeploy } from '../src/deploy/functionDeploy.js';

/** Beside the segments: each text subtitle track of the source as a WebVTT sidecar, written in place. */
export const definition = defineFunction('subtitles', taskInput({}), ({ job }, { rt, log }) =>
  subtitlesStep(rt, job, log),
);

export const handler = lambdaHandler(definition);

/** How it is deployed (serverless.yml's entry is generated from this: `npm run generate`). */
export const deploy: FunctionDeploy = {
  role: 'SourceReaderRole',
  ffmpegLayer: true,
  memorySize: 1769,
  timeout: 890,
  ephemeralStorageSize: 2048,
};
