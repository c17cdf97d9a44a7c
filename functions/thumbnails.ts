import { defineFunction, lambdaHandler } from '../src/pipeline/handler.js';
import { taskInput } from '../src/pipeline/job.js';
import { sideOutputsStep } from '../src/pipeline/steps/sideOutputs.js';

/** Thumbnails and subtitles (beside the segments): poster, sprite sheet and its WebVTT index, subtitle sidecars. */
export const definition = defineFunction('thumbnails', taskInput({}), ({ job }, { rt, log }) => sideOutputsStep(rt, job, log));

export const handler = lambdaHandler(definition);
