/**
 * The ECS worker's meter: the task size it is billed for and its run time, with Fargate's
 * one-minute minimum. In ECS the size is the task's own (the task metadata endpoint v4,
 * `Limits`); locally, serverless.yml's worker parameters (src/cost/memory.ts).
 */
import type { Config } from '../config.js';
import type { PriceTable } from '../aws/prices.js';
import { fargateBilledSeconds } from './price.js';
import type { Meter } from './meter.js';
import type { InvocationMeter } from './schema.js';

/** The worker task's size. */
export interface WorkerSize {
  vcpu: number;
  memoryMb: number;
}

/**
 * Reads the task size: `Limits.CPU` (vCPU) and `Limits.Memory` (MiB) of the task metadata
 * (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-metadata-endpoint-v4-fargate.html),
 * else serverless.yml's workerCpu/workerMemoryMb.
 */
export async function workerSize(
  config: Pick<Config, 'ECS_CONTAINER_METADATA_URI_V4' | 'MT_LOCAL_WORKER_SIZE'>,
  fetchImpl: typeof fetch = fetch,
): Promise<WorkerSize> {
  if (config.ECS_CONTAINER_METADATA_URI_V4) {
    const r = await fetchImpl(`${config.ECS_CONTAINER_METADATA_URI_V4}/task`);
    const t = (await r.json()) as { Limits?: { CPU?: number; Memory?: number } };
    if (t.Limits?.CPU && t.Limits.Memory) return { vcpu: t.Limits.CPU, memoryMb: t.Limits.Memory };
    throw new Error('the task metadata has no Limits.CPU and Limits.Memory');
  }
  if (config.MT_LOCAL_WORKER_SIZE) {
    const [vcpu, memoryMb] = config.MT_LOCAL_WORKER_SIZE.split(',').map(Number);
    return { vcpu, memoryMb };
  }
  // Only off ECS (the local stack runs the worker from the repository): the bundle never reads the file.
  const { deployedSizesFromServerless } = await import('./memory.js');
  return deployedSizesFromServerless().worker;
}

/** The worker's meter after `seconds` of running: billed per second, at least the minimum. */
export function workerMeter(
  meter: Meter,
  seconds: number,
  prices: Pick<PriceTable, 'fargateMinimumSeconds'>,
): InvocationMeter {
  const snap = meter.snapshot({ tier1: 1 });
  return { ...snap, ms: Number((seconds * 1000).toFixed(3)), billedMs: fargateBilledSeconds(seconds, prices) * 1000 };
}
