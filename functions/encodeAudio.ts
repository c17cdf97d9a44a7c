import { stepHandler } from '../src/pipeline/handler.js';
import { JobInputSchema } from '../src/pipeline/job.js';
import { encodeAudioStep } from '../src/pipeline/steps/audio.js';

/** Audio: encoded once for the whole range, in parallel with the segments. */
export const handler = stepHandler('encodeAudio', JobInputSchema.passthrough(), encodeAudioStep);
