/**
 * The local stack's Task handlers: each Task state of the definition runs the function its
 * resolved Resource names (a local ARN derived from src/local/functions.ts), in-process, under
 * that function's Lambda limits when given (src/local/lambdaLimits.ts).
 */
import type { Runtime } from '../runtime.js';
import type { Limits } from '../aws/limits.js';
import { taskStates } from '../pipeline/aslDefinition.js';
import { TASK_FUNCTIONS, placeholderOf } from './functions.js';
import { invokeWithinLimits, type FunctionLimits } from './lambdaLimits.js';

/** What aws-local-stepfunctions calls for a Task state. */
export type Handler = (input: never) => Promise<unknown>;

/** A function's Task handler: the Task's input in, its result out (or a thrown error, by name). */
export type TaskHandler = (input: unknown) => Promise<unknown>;

/** The ARN the local stack gives a function (well-formed, never called). */
export const localFunctionArn = (name: string) =>
  `arn:aws:lambda:us-east-1:000000000000:function:media-transcoder-local-${name}`;

/** Placeholder values for the local stack, derived from the function list. */
export function localSubstitutions(workBucket: string): Record<string, string> {
  return {
    ...Object.fromEntries(TASK_FUNCTIONS.map((f) => [placeholderOf(f.name), localFunctionArn(f.name)])),
    WorkBucketName: workBucket,
  };
}

/** Lambda's limits the local Task handlers run under: each function's own (serverless.yml) and the response size. */
export interface LocalLambdaLimits {
  functions: Record<string, FunctionLimits>;
  lambdaResponseBytes: Limits['lambdaResponseBytes'];
}

/**
 * The handler of each Task state, keyed by state name as aws-local-stepfunctions wants: each
 * Task's resolved Resource names the function (by its local ARN), whose definition is invoked
 * with the local runtime, unless `overrides` has a handler for that function's name (e.g. its
 * packaged zip, src/local/packagedHandlers.ts). A Task naming no known function is an error
 * here, not at run time. With `lambda`, every in-process invocation runs under its function's
 * timeout, /tmp size and the response payload limit (src/local/lambdaLimits.ts); `timeoutsMs`
 * replaces chosen functions' timeouts (e.g. a tiny one to force a timeout).
 */
export function localTaskHandlers(
  definition: Record<string, unknown>,
  rt: () => Runtime,
  functions = TASK_FUNCTIONS,
  overrides: Record<string, TaskHandler> = {},
  timeoutsMs: Record<string, number> = {},
  lambda?: LocalLambdaLimits,
): Record<string, Handler> {
  const byArn = new Map(functions.map((f) => [localFunctionArn(f.name), f]));
  const out: Record<string, Handler> = {};
  for (const t of taskStates(definition as { States: Record<string, unknown> })) {
    const f = byArn.get(t.resource);
    if (!f) throw new Error(`Task ${t.name}: no local function for resource ${t.resource}`);
    const override = overrides[f.name];
    const ms = timeoutsMs[f.name];
    const own = lambda?.functions[f.name];
    if (lambda && !own) throw new Error(`Task ${t.name}: function ${f.name} is not in serverless.yml`);
    const invoke = (input: unknown) => f.invoke(rt(), input);
    if (own && !override) {
      const limits = { ...own, ...(ms ? { timeoutMs: ms } : {}) };
      out[t.name] = ((input: unknown) =>
        invokeWithinLimits(rt(), limits, lambda!.lambdaResponseBytes, (scoped) => f.invoke(scoped, input))) as Handler;
    } else {
      const limitMs = ms ?? own?.timeoutMs;
      const run = override ?? invoke;
      out[t.name] = (limitMs ? (input: unknown) => withFunctionTimeout(run(input), limitMs) : run) as Handler;
    }
  }
  return out;
}

/**
 * A function's timeout as Lambda reports it: the invocation fails with `Sandbox.Timedout` (the
 * error name the state machine's Retry and the ECS fallback match). The local stack sets one
 * only when asked (LocalStackOptions.functionTimeoutsMs, e.g. a tiny one to force a timeout).
 */
export function withFunctionTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(
      () =>
        reject(
          Object.assign(new Error(`Task timed out after ${(ms / 1000).toFixed(2)} seconds`), {
            name: 'Sandbox.Timedout',
          }),
        ),
      ms,
    );
    p.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}
