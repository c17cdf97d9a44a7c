import { defineFunction, lambdaHandler } from '../src/pipeline/handler.js';
import { taskInput } from '../src/pipeline/job.js';
import { thumbnailsStep } from '../src/pipeline/steps/thumbnails.js';

/** Thumbnails: poster, sprite sheet and WebVTT index. */
export const definition = defineFunction('thumbnails', taskInput({}), ({ job }, { rt, log }) => thumbnailsStep(rt, job, log));

export const handler = lambdaHandler(definition);
