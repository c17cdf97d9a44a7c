import { stepHandler } from '../src/pipeline/handler.js';
import { EmitInputSchema } from '../src/pipeline/job.js';
import { buildJobEvent } from '../src/pipeline/events.js';
import type { PublishedOutput } from '../src/pipeline/steps/publish.js';

/** Emits one `Transcode Job State Change` event (COMPLETE, ERROR or PROGRESSING). */
export const handler = stepHandler('emitEvent', EmitInputSchema, async (rt, input, log) => {
  const state = input.job as typeof input.job & { published?: { outputs?: PublishedOutput[] }; error?: { Error?: string; Cause?: unknown } };
  const entry = buildJobEvent({
    status: input.status,
    job: state,
    source: rt.config.EVENT_SOURCE,
    busName: rt.config.EVENT_BUS_NAME,
    executionArn: input.executionArn,
    startTime: input.startTime,
    outputs: state.published?.outputs,
    error: state.error,
  });
  await rt.events.put(entry);
  log.info('event emitted', { status: input.status, ...(state.error ? { error: state.error.Error } : {}) });
  return { emitted: input.status };
});
