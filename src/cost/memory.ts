/**
 * The sizes a job is billed for, as deployed: each Lambda function's memory and the ECS
 * worker's task size. In AWS a function reads its own from AWS_LAMBDA_FUNCTION_MEMORY_SIZE
 * (src/config.ts); the local stack reads serverless.yml the way src/local/lambdaLimits.ts reads
 * the timeouts, resolving `${param:...}` from the file's default params.
 */
import { readFileSync } from 'node:fs';
import YAML from 'yaml';
import { CFN_TAGS, SERVERLESS_YML } from '../local/lambdaLimits.js';

/** Lambda's default memory when neither the function nor the provider sets one (MB). */
const LAMBDA_DEFAULT_MEMORY_MB = 128; // https://docs.aws.amazon.com/lambda/latest/dg/configuration-memory.html

interface ServerlessFile {
  params?: { default?: Record<string, unknown> };
  provider?: { memorySize?: unknown };
  functions?: Record<string, { memorySize?: unknown }>;
}

/** What serverless.yml configures: memory by function name, and the ECS worker's task size. */
export interface DeployedSizes {
  lambdaMemoryMb: Record<string, number>;
  worker: { vcpu: number; memoryMb: number };
}

/** A number setting, resolving one `${param:name}` from the default params. */
function resolve(v: unknown, params: Record<string, unknown>, what: string): number {
  const m = typeof v === 'string' ? /^\$\{param:([A-Za-z0-9]+)\}$/.exec(v) : null;
  const n = m ? Number(params[m[1]]) : Number(v);
  if (!(n > 0))
    throw new Error(
      `serverless.yml ${what} must be a positive number (or a default param) to be metered locally, got ${JSON.stringify(v)}`,
    );
  return n;
}

/** Every function's memory and the worker's size from serverless.yml. */
export function deployedSizesFromServerless(file: URL | string = SERVERLESS_YML): DeployedSizes {
  const sls = YAML.parse(readFileSync(file, 'utf8'), { customTags: CFN_TAGS as never }) as ServerlessFile;
  const params = sls.params?.default ?? {};
  const provider =
    sls.provider?.memorySize === undefined
      ? LAMBDA_DEFAULT_MEMORY_MB
      : resolve(sls.provider.memorySize, params, 'provider.memorySize');
  const lambdaMemoryMb = Object.fromEntries(
    Object.entries(sls.functions ?? {}).map(([name, f]) => [
      name,
      f.memorySize === undefined ? provider : resolve(f.memorySize, params, `functions.${name}.memorySize`),
    ]),
  );
  // The task definition's Cpu is in CPU units (1024 = 1 vCPU).
  return {
    lambdaMemoryMb,
    worker: {
      vcpu: resolve(params.workerCpu, params, 'params.workerCpu') / 1024,
      memoryMb: resolve(params.workerMemoryMb, params, 'params.workerMemoryMb'),
    },
  };
}
