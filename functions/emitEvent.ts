import { stepHandler } from '../src/pipeline/handler.js';
import { EmitInputSchema } from '../src/pipeline/job.js';
import { emitJobEventStep, type EmitState } from '../src/pipeline/steps/emit.js';

/** Emits one `Transcode Job State Change` event (PROGRESSING, COMPLETE or ERROR) and records the status. */
export const handler = stepHandler('emitEvent', EmitInputSchema, (rt, input, log) => emitJobEventStep(rt, { ...input, job: input.job as EmitState }, log));
