import { defineFunction, lambdaHandler } from '../src/pipeline/handler.js';
import { taskInput } from '../src/pipeline/job.js';
import { subtitlesStep } from '../src/pipeline/steps/subtitles.js';

/**
 * Beside the segments: the subtitle sidecars (the name stays from when this branch also made the
 * poster and the sprite; those now come from the segment workers' frames and Assemble).
 */
export const definition = defineFunction('thumbnails', taskInput({}), ({ job }, { rt, log }) => subtitlesStep(rt, job, log));

export const handler = lambdaHandler(definition);
