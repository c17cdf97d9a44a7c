import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import { cloudRuntime, type Runtime } from '../runtime.js';
import type { InvocationContext, Logger } from '../log.js';
import type { MetricsRecorder } from '../metrics.js';
import { parseInput } from './job.js';
import { Meter, withMeter } from '../cost/meter.js';
import { writeMeter } from '../cost/store.js';
import { JobStoppedError } from '../media/ffmpeg/jobProcesses.js';

/**
 * Functions whose meter goes nowhere: Cleanup runs after the COMPLETE event and deletes the
 * prefix a meter would be written to.
 */
const UNMETERED = new Set(['cleanup']);

/** Memory (MB) an invocation is metered at when neither Lambda nor serverless.yml says (Lambda's default). */
const UNKNOWN_MEMORY_MB = 128; // https://docs.aws.amazon.com/lambda/latest/dg/configuration-memory.html

/** What a function's body gets besides its validated input. */
export interface Invocation {
  rt: Runtime;
  log: Logger;
  metrics: MetricsRecorder;
  requestId: string;
  /** What this invocation uses (duration, S3 requests): the job's cost is summed from these. */
  meter: Meter;
}

/**
 * One Lambda function's code, independent of where it runs: `invoke` takes the runtime it runs
 * in (the cloud's, built at cold start, or the local stack's) and the event.
 */
export interface FunctionDefinition<R = unknown> {
  /** The function's name in serverless.yml; its ASL placeholder is `<Name>FunctionArn`. */
  readonly name: string;
  invoke(rt: Runtime, event: unknown, ctx?: Partial<InvocationContext>): Promise<R>;
}

/**
 * Defines a function: validates the input against `schema` (a ValidationError, never retried,
 * otherwise), gives the body a logger carrying the Lambda context, the step and the job id,
 * logs the outcome at info with its duration, publishes the invocation's metrics, and rethrows
 * errors unchanged (their `name` is what the state machine's Retry and Catch match). Each
 * invocation of a job is metered (its duration at the function's memory, the S3 requests it
 * sends); unless the body carried the meter with its own result (`meter.carried`), it is
 * written beside the job's work files for the COMPLETE event (src/cost/store.ts), after a
 * failure too (a failed attempt is billed), but not for a job that has already ended.
 */
export function defineFunction<S extends z.ZodTypeAny, R>(
  name: string,
  schema: S,
  body: (input: z.infer<S>, inv: Invocation) => Promise<R>,
): FunctionDefinition<R> {
  return {
    name,
    async invoke(rt, event, ctx) {
      const cold = !rt.warm.has(name);
      rt.warm.add(name);
      const requestId = ctx?.awsRequestId ?? randomUUID();
      const context: InvocationContext = {
        functionName: `${rt.config.SERVICE_NAME}-${name}`,
        ...ctx,
        awsRequestId: requestId,
      };
      const jobId = (event as { job?: { jobId?: unknown } } | undefined)?.job?.jobId;
      const log = rt.log.forInvocation(context, cold, { step: name, ...(typeof jobId === 'string' ? { jobId } : {}) });
      const metrics = rt.metrics.forInvocation(name);
      const meter = new Meter(name, 'lambda', rt.lambdaMemoryMb(name) ?? UNKNOWN_MEMORY_MB);
      const started = Date.now();
      // Before the outcome line: the meter's PUT is part of the invocation (a lost meter only lowers the estimate).
      const writeOwnMeter = async (stopped: boolean) => {
        if (typeof jobId !== 'string' || meter.carried || stopped || UNMETERED.has(name)) return;
        await writeMeter(rt, jobId, requestId, meter.snapshot({ tier1: 1 })).catch((e: unknown) =>
          log.warn('meter not written', { error: e }),
        );
      };
      try {
        const input = parseInput(schema, event, `${name} input`);
        // In its job's scope: a cancel or the job's failure ends the processes it runs (src/media/ffmpeg/jobProcesses.ts).
        const run = () => body(input, { rt, log, metrics, requestId, meter });
        const out = await withMeter(meter, () => (typeof jobId === 'string' ? rt.processes.run(jobId, run) : run()));
        await writeOwnMeter(false);
        log.info('step succeeded', { ms: Date.now() - started });
        return out;
      } catch (err) {
        // A stopped job's prefix is being deleted: nothing more is written under it.
        await writeOwnMeter(err instanceof JobStoppedError || (err as { name?: string })?.name === 'JobStopped');
        log.error('step failed', { ms: Date.now() - started, error: err });
        throw err;
      } finally {
        metrics.flush();
      }
    },
  };
}

/** The Lambda entry point of a definition: the cloud runtime, built once per process. */
export function lambdaHandler<R>(
  def: FunctionDefinition<R>,
): (event: unknown, context?: InvocationContext) => Promise<R> {
  return (event, context) => def.invoke(cloudRuntime(), event, context);
}
