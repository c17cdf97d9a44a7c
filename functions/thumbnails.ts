import { stepHandler } from '../src/pipeline/handler.js';
import { JobInputSchema } from '../src/pipeline/job.js';
import { thumbnailsStep } from '../src/pipeline/steps/thumbnails.js';

/** Thumbnails: poster, sprite sheet and WebVTT index. */
export const handler = stepHandler('thumbnails', JobInputSchema.passthrough(), thumbnailsStep);
