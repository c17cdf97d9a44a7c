/**
 * Lambda's per-function limits on the local stack, read from serverless.yml (never copied by
 * hand): each function's timeout and ephemeral storage (/tmp), with the provider's and AWS's
 * defaults. An invocation runs in its own scratch folder (each Lambda execution environment has
 * its own /tmp); it fails as Lambda reports it when it runs past its timeout
 * (`Sandbox.Timedout`), fills its /tmp (`ENOSPC`), or returns more than the synchronous
 * response payload allows (`Function.ResponseSizeTooLarge`).
 */
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { bytesUnder } from '../util/bytesUnder.js';
import path from 'node:path';
import YAML from 'yaml';
import type { Runtime } from '../runtime.js';
import { limitError, type Limits } from '../aws/limits.js';

export const SERVERLESS_YML = new URL('../../serverless.yml', import.meta.url);

/** Lambda's default timeout when neither the function nor the provider sets one (seconds). */
const LAMBDA_DEFAULT_TIMEOUT_S = 3; // https://docs.aws.amazon.com/lambda/latest/dg/configuration-timeout.html
/** Lambda's default (and smallest) ephemeral storage (MB). */
const LAMBDA_DEFAULT_EPHEMERAL_MB = 512; // https://docs.aws.amazon.com/lambda/latest/dg/configuration-ephemeral-storage.html

/** A function's limits as deployed. */
export interface FunctionLimits {
  timeoutMs: number;
  ephemeralBytes: number;
}

/** CloudFormation's short-form tags (!Ref, !GetAtt, ...) read as their plain values: only numbers are used here. */
export const CFN_TAGS = [
  'GetAtt',
  'Ref',
  'Sub',
  'If',
  'Equals',
  'Not',
  'Join',
  'Select',
  'Split',
  'Condition',
  'FindInMap',
  'And',
  'Or',
  'ImportValue',
  'GetAZs',
  'Base64',
  'Cidr',
].flatMap((t) => [
  { tag: `!${t}`, resolve: (v: unknown) => v },
  ...(['seq', 'map'] as const).map((collection) => ({ tag: `!${t}`, collection, resolve: (v: unknown) => v })),
]);

interface ServerlessFile {
  provider?: { timeout?: unknown; ephemeralStorageSize?: unknown };
  functions?: Record<string, { timeout?: unknown; ephemeralStorageSize?: unknown }>;
}

/** A number setting, or an error naming it (a `${param:...}` here would be a deploy-time value the local stack cannot know). */
function numberSetting(v: unknown, what: string, fallback: number): number {
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !(v > 0))
    throw new Error(
      `serverless.yml ${what} must be a positive number to be enforced locally, got ${JSON.stringify(v)}`,
    );
  return v;
}

/** Every function's timeout and /tmp size from serverless.yml, by function name. */
export function functionLimitsFromServerless(file: URL | string = SERVERLESS_YML): Record<string, FunctionLimits> {
  const sls = YAML.parse(readFileSync(file, 'utf8'), { customTags: CFN_TAGS as never }) as ServerlessFile;
  const timeout = numberSetting(sls.provider?.timeout, 'provider.timeout', LAMBDA_DEFAULT_TIMEOUT_S);
  const ephemeral = numberSetting(
    sls.provider?.ephemeralStorageSize,
    'provider.ephemeralStorageSize',
    LAMBDA_DEFAULT_EPHEMERAL_MB,
  );
  return Object.fromEntries(
    Object.entries(sls.functions ?? {}).map(([name, f]) => [
      name,
      {
        timeoutMs: numberSetting(f.timeout, `functions.${name}.timeout`, timeout) * 1000,
        ephemeralBytes:
          numberSetting(f.ephemeralStorageSize, `functions.${name}.ephemeralStorageSize`, ephemeral) * 1024 * 1024,
      },
    ]),
  );
}

/**
 * How often /tmp use is sampled (ms). Lambda fails the write that crosses the size; sampling
 * can only see it after the fact, so a burst shorter than this can pass unseen.
 */
export const TMP_SAMPLE_MS = 100;

/** An `ENOSPC` as Node reports a write to a full /tmp. */
function enospc(dir: string, bytes: number, limit: number): Error {
  return Object.assign(
    new Error(
      `ENOSPC: no space left on device, write (${dir}: ${bytes} bytes in use, ephemeral storage ${limit} bytes)`,
    ),
    { name: 'Error', code: 'ENOSPC', errno: -28, syscall: 'write' },
  );
}

/**
 * Runs one invocation under its function's limits: in a fresh scratch folder (the runtime's
 * WORK_DIR for this call only), failing with `Sandbox.Timedout` after `limits.timeoutMs`,
 * with `ENOSPC` once the folder holds more than `limits.ephemeralBytes`, and with
 * `Function.ResponseSizeTooLarge` when the JSON of the result is over `responseBytes`. As in
 * Lambda, a failed invocation's work is abandoned, not awaited; its folder is removed when it ends.
 */
export async function invokeWithinLimits<T>(
  rt: Runtime,
  fn: FunctionLimits,
  responseBytes: Limits['lambdaResponseBytes'],
  invoke: (rt: Runtime) => Promise<T>,
): Promise<T> {
  await mkdir(rt.config.WORK_DIR, { recursive: true });
  const tmp = await mkdtemp(path.join(path.resolve(rt.config.WORK_DIR), 'lambda-'));
  const scoped = Object.create(rt, { config: { value: { ...rt.config, WORK_DIR: tmp }, enumerable: true } }) as Runtime;
  const run = invoke(scoped);
  void run.catch(() => undefined).finally(() => rm(tmp, { recursive: true, force: true }));
  let timer: NodeJS.Timeout | undefined;
  let sampler: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    // setTimeout takes an infinite delay as 1 ms: a timeout switched off sets no timer.
    if (Number.isFinite(fn.timeoutMs))
      timer = setTimeout(
        () =>
          reject(
            Object.assign(new Error(`Task timed out after ${(fn.timeoutMs / 1000).toFixed(2)} seconds`), {
              name: 'Sandbox.Timedout',
            }),
          ),
        fn.timeoutMs,
      );
    let sampling = false;
    sampler = setInterval(() => {
      if (sampling) return;
      sampling = true;
      void bytesUnder(tmp).then((b) => {
        sampling = false;
        if (b > fn.ephemeralBytes) reject(enospc(tmp, b, fn.ephemeralBytes));
      });
    }, TMP_SAMPLE_MS);
  });
  try {
    const result = await Promise.race([run, limit]);
    const bytes = Buffer.byteLength(JSON.stringify(result ?? null));
    if (bytes > responseBytes) throw limitError('lambdaResponseBytes');
    return result;
  } finally {
    clearTimeout(timer);
    clearInterval(sampler);
  }
}
