import { z } from 'zod';
import { defineFunction, lambdaHandler } from '../src/pipeline/handler.js';
import { taskInput } from '../src/pipeline/job.js';
import { ValidationError } from '../src/errors.js';
import { recordPhase } from '../src/pipeline/phase.js';
import { assembleCompleteStep, assemblePartStep, assembleStep } from '../src/pipeline/steps/assemble.js';

/**
 * Assemble, in three phases named by the state machine's Task: `layout` (HLS and DASH manifests
 * from the pieces' facts; each MP4 download laid out, its multipart upload started, its parts
 * listed), `part` (one part of one MP4 joined from the fragments and uploaded: the AssembleParts
 * Map runs these in parallel) and `complete` (the uploads completed).
 */
export const definition = defineFunction(
  'assemble',
  taskInput({
    phase: z.enum(['layout', 'part', 'complete']).default('layout'),
    part: z.object({ rendition: z.string().min(1), part: z.number().int().min(1) }).optional(),
  }),
  async ({ job, phase, part }, { rt, log }) => {
    if (phase === 'part') {
      if (!part) throw new ValidationError('assemble: phase part without a part');
      return assemblePartStep(rt, { jobId: job.jobId, part }, log);
    }
    if (phase === 'complete') return assembleCompleteStep(rt, job, log);
    await recordPhase(rt, job.jobId, 'ASSEMBLING', log);
    return assembleStep(rt, job, log);
  },
);

export const handler = lambdaHandler(definition);
