import { stepHandler } from '../src/pipeline/handler.js';
import { JobInputSchema } from '../src/pipeline/job.js';
import { splitStep } from '../src/pipeline/steps/split.js';

/** Split: stream copy of the source into keyframe-aligned pieces in the work bucket. */
export const handler = stepHandler('split', JobInputSchema.passthrough(), splitStep);
