import { z } from 'zod';
import { defineFunction, lambdaHandler } from '../src/pipeline/handler.js';
import { StateErrorSchema, taskInput } from '../src/pipeline/job.js';
import { ValidationError } from '../src/errors.js';
import { recordPhase } from '../src/pipeline/phase.js';
import { assembleCompleteStep, assemblePartStep, assembleStep } from '../src/pipeline/steps/assemble.js';
import { recordSegmentFallback } from '../src/pipeline/steps/fallback.js';
import type { FunctionDeploy } from '../src/deploy/functionDeploy.js';

/**
 * Assemble, in three phases named by the state machine's Task: `layout` (HLS and DASH manifests
 * from the pieces' facts; each MP4 download laid out, its multipart upload started, its parts
 * listed), `part` (one part of one MP4 joined from the fragments and uploaded: the AssembleParts
 * Map runs these in parallel) and `complete` (the uploads completed); and `fallback`, called by
 * a TranscodeSegments Map item whose segment function timed out after its retries: recorded
 * for the layout phase, which then sends the job to ECS (src/pipeline/steps/fallback.ts).
 */
export const definition = defineFunction(
  'assemble',
  taskInput({
    phase: z.enum(['layout', 'part', 'complete', 'fallback']).default('layout'),
    part: z
      .object({ format: z.string().min(1).optional(), rendition: z.string().min(1), part: z.number().int().min(1) })
      .optional(),
    /** Phase `fallback`: the segment and the error its Map item caught. */
    index: z.number().int().min(0).optional(),
    fallback: StateErrorSchema.optional(),
  }),
  async ({ job, phase, part, index, fallback }, { rt, log }) => {
    if (phase === 'fallback') {
      if (index === undefined || !fallback)
        throw new ValidationError('assemble: phase fallback without an index and its error');
      return recordSegmentFallback(rt, job.jobId, index, fallback, log);
    }
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

/** How it is deployed (serverless.yml's entry is generated from this: `npm run generate`). */
export const deploy: FunctionDeploy = {
  comment:
    "Manifests from the pieces' facts (no fragment read), the sprite and poster (sharp), the MP4 layout, and each MP4 part (AssembleParts): memory bounds the largest part it joins (docs/STREAMING.md).",
  role: 'AssembleRole',
  memorySize: 3008,
  timeout: 890,
};
