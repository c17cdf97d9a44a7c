import { stepHandler } from '../src/pipeline/handler.js';
import { JobInputSchema } from '../src/pipeline/job.js';
import { concatStep } from '../src/pipeline/steps/concat.js';

/** Concat: each rendition's pieces joined by stream copy, audio muxed in. */
export const handler = stepHandler('concat', JobInputSchema.passthrough(), async (rt, job, log) => {
  const r = await concatStep(rt, job, log);
  return { renditions: r.renditions.map((x) => x.name) };
});
