/**
 * X-Ray tracing of the AWS clients (Powertools Tracer), loaded only where it can trace.
 *
 * Importing `@aws-lambda-powertools/tracer` loads aws-xray-sdk-core, whose cls-hooked context
 * enables an async_hooks hook with destroy tracking for the whole process: from then on every
 * promise, socket and timer pays JavaScript init/destroy callbacks (measured on Node 20: an
 * `await` 14x slower, 300k awaits in 490 ms instead of 35 ms). Outside a Lambda or ECS
 * execution environment the Tracer disables itself anyway, so the local stack, the CLI and the
 * tests paid that cost for a no-op: there the module is not imported at all.
 */

/** What the runtime needs of a tracer: wrapping an SDK v3 client. */
export interface ClientTracer {
  captureAWSv3Client<T>(client: T): T;
}

/**
 * Whether the Powertools Tracer could be enabled in this environment: it disables itself when
 * AWS_EXECUTION_ENV is unset (not in Lambda or ECS) or POWERTOOLS_TRACE_ENABLED is "false"
 * (Tracer.setTracingEnabled); every other case (SAM local, Amplify mock) it decides itself.
 */
export function tracingPossible(env: NodeJS.ProcessEnv): boolean {
  return Boolean(env.AWS_EXECUTION_ENV) && env.POWERTOOLS_TRACE_ENABLED?.toLowerCase() !== 'false';
}

const powertools = tracingPossible(process.env) ? await import('@aws-lambda-powertools/tracer') : undefined;

/** The Powertools Tracer where it can trace, else a tracer that leaves clients as they are. */
export function clientTracer(serviceName: string): ClientTracer {
  if (powertools) return new powertools.Tracer({ serviceName });
  return { captureAWSv3Client: <T>(client: T) => client };
}
