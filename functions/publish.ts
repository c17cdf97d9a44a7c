import { stepHandler } from '../src/pipeline/handler.js';
import { JobInputSchema } from '../src/pipeline/job.js';
import { publishStep } from '../src/pipeline/steps/publish.js';

/** Publish: staged outputs copied to the output bucket, listed in `$.published`. */
export const handler = stepHandler('publish', JobInputSchema.passthrough(), publishStep);
