import { defineFunction, lambdaHandler } from '../src/pipeline/handler.js';
import { taskInput } from '../src/pipeline/job.js';
import { encodeAudioStep } from '../src/pipeline/steps/audio.js';

/** Audio: encoded once for the whole range, in parallel with the segments. */
export const definition = defineFunction('encodeAudio', taskInput({}), ({ job }, { rt, log }) => encodeAudioStep(rt, job, log));

export const handler = lambdaHandler(definition);
