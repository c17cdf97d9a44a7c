import { stepHandler } from '../src/pipeline/handler.js';
import { JobInputSchema } from '../src/pipeline/job.js';
import { probeStep } from '../src/pipeline/steps/probe.js';

/** Probe: ffprobe over a presigned URL; the summary goes to `$.probe`. */
export const handler = stepHandler('probe', JobInputSchema.passthrough(), probeStep);
