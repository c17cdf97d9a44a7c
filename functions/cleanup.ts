import { z } from 'zod';
import { stepHandler } from '../src/pipeline/handler.js';
import { JobId } from '../src/pipeline/job.js';
import { cleanupStep } from '../src/pipeline/steps/cleanup.js';

const Input = z.object({ job: z.object({ jobId: JobId }).passthrough(), failed: z.boolean() });

/** Cleanup: the work prefix always; after a failure the job's output prefix too. */
export const handler = stepHandler('cleanup', Input, (rt, input, log) => cleanupStep(rt, input.job, input.failed, log));
