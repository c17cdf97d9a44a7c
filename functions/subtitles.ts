import { defineFunction, lambdaHandler } from '../src/pipeline/handler.js';
import { taskInput } from '../src/pipeline/job.js';
import { subtitlesStep } from '../src/pipeline/steps/subtitles.js';

/** Beside the segments: each text subtitle track of the source as a WebVTT sidecar, written in place. */
export const definition = defineFunction('subtitles', taskInput({}), ({ job }, { rt, log }) => subtitlesStep(rt, job, log));

export const handler = lambdaHandler(definition);
