import type { z } from 'zod';
import { getRuntime, type Runtime } from '../runtime.js';
import { createLogger, type Logger } from '../log.js';
import { parseInput } from './job.js';

/**
 * Wraps a pipeline step as a Lambda handler: validates the input, binds a logger to the job
 * id and step, logs the outcome with its duration, and rethrows errors unchanged (their
 * `name` is what the state machine's Retry and Catch match).
 */
export function stepHandler<S extends z.ZodTypeAny, R>(step: string, schema: S, fn: (rt: Runtime, input: z.infer<S>, log: Logger) => Promise<R>) {
  return async (event: unknown): Promise<R> => {
    const rt = getRuntime();
    const input = parseInput(schema, event, `${step} input`);
    const jobId = (input as { jobId?: string; job?: { jobId?: string } }).jobId ?? (input as { job?: { jobId?: string } }).job?.jobId;
    const log = createLogger({ service: 'media-transcoder', step, jobId });
    const started = Date.now();
    try {
      const out = await fn(rt, input, log);
      log.debug('step succeeded', { ms: Date.now() - started });
      return out;
    } catch (err) {
      log.error('step failed', { ms: Date.now() - started, error: err });
      throw err;
    }
  };
}
