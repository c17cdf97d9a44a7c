import { stepHandler } from '../src/pipeline/handler.js';
import { JobInputSchema } from '../src/pipeline/job.js';
import { planStep } from '../src/pipeline/steps/plan.js';

/** Plan: cut points at clean keyframes; the manifest to S3, indices to `$.plan`. */
export const handler = stepHandler('plan', JobInputSchema.passthrough(), planStep);
