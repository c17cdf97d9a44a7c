/**
 * A job's cost from its meters: the arithmetic only (no I/O), so it is checked against
 * hand-computed figures (test/unit/cost.test.ts). How each figure is billed:
 * - Lambda: configured memory (GB, 1024 MB each) x duration rounded up to 1 ms, per invocation;
 * - Fargate: task vCPU and memory x run time, per second, at least one minute per task;
 * - Step Functions Standard: one state transition per state executed, retries included, plus
 *   one per Distributed Map child execution started (src/cost/transitions.ts);
 * - S3: PUT/COPY/POST/LIST and GET/other requests at their two prices; DELETE free; transfer
 *   within the region free.
 */
import type { PriceTable } from '../aws/prices.js';
import { noS3 } from './meter.js';
import type { InvocationMeter, JobCost, S3Usage, StepCost } from './schema.js';

/** Rounds a USD or unit figure for the event (sub-micro-dollar digits carry no meaning). */
const round = (v: number, digits = 9) => Number(v.toFixed(digits));

/** Adds S3 usages. */
export function addS3(a: S3Usage, b: S3Usage): S3Usage {
  return {
    tier1Requests: a.tier1Requests + b.tier1Requests,
    tier2Requests: a.tier2Requests + b.tier2Requests,
    freeRequests: a.freeRequests + b.freeRequests,
    bytesIn: a.bytesIn + b.bytesIn,
    bytesOut: a.bytesOut + b.bytesOut,
  };
}

/** USD of an S3 usage. */
export function s3Usd(s: S3Usage, p: PriceTable): number {
  return (
    s.tier1Requests * p.s3Tier1Request.usd +
    s.tier2Requests * p.s3Tier2Request.usd +
    ((s.bytesIn + s.bytesOut) / 1024 ** 3) * p.s3TransferSameRegionGb.usd
  );
}

/** Billed seconds of one Fargate task that ran `seconds`: per second, at least the minimum. */
export function fargateBilledSeconds(seconds: number, p: Pick<PriceTable, 'fargateMinimumSeconds'>): number {
  return Math.max(p.fargateMinimumSeconds, Math.ceil(seconds));
}

/** One step's cost from its invocations' meters (all of one function). */
export function stepCost(meters: InvocationMeter[], p: PriceTable): StepCost {
  const kind = meters[0]?.kind ?? 'lambda';
  const s3 = meters.reduce((a, m) => addS3(a, m.s3), noS3());
  const invocations = meters.reduce((a, m) => a + m.invocations, 0);
  const billedMs = meters.reduce((a, m) => a + m.billedMs, 0);
  // GB-seconds per meter: a function's memory can differ between invocations (a redeploy).
  const gbSeconds = meters.reduce((a, m) => a + (m.memoryMb / 1024) * (m.billedMs / 1000), 0);
  const memoryMb = Math.max(...meters.map((m) => m.memoryMb), 1);
  if (kind === 'ecs') {
    const vcpuSeconds = meters.reduce((a, m) => a + (m.vcpu ?? 0) * (m.billedMs / 1000), 0);
    const usd = (vcpuSeconds / 3600) * p.fargateVcpuHour.usd + (gbSeconds / 3600) * p.fargateGbHour.usd + s3Usd(s3, p);
    return {
      kind,
      invocations,
      billedMs,
      memoryMb,
      gbSeconds: round(gbSeconds, 6),
      vcpuSeconds: round(vcpuSeconds, 6),
      s3,
      usd: round(usd),
    };
  }
  const usd = gbSeconds * p.lambdaGbSecond.usd + invocations * p.lambdaRequest.usd + s3Usd(s3, p);
  return { kind, invocations, billedMs, memoryMb, gbSeconds: round(gbSeconds, 6), s3, usd: round(usd) };
}

/** What the cost of a job is computed from. */
export interface CostInputs {
  meters: InvocationMeter[];
  transitions: number;
  /** Events put on the bus for this job (PROGRESSING, STATUS_UPDATEs, COMPLETE). */
  events: number;
  notCounted: string[];
}

/** The `cost` of a COMPLETE event: per step (function), and in total. */
export function jobCost(inputs: CostInputs, p: PriceTable): JobCost {
  const byStep = new Map<string, InvocationMeter[]>();
  for (const m of inputs.meters) byStep.set(m.step, [...(byStep.get(m.step) ?? []), m]);
  const steps = Object.fromEntries(
    [...byStep.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([name, ms]) => [name, stepCost(ms, p)]),
  );
  const all = Object.values(steps);
  const lambda = all.filter((s) => s.kind === 'lambda');
  const ecs = all.filter((s) => s.kind === 'ecs');
  const sfnUsd = inputs.transitions * p.sfnStateTransition.usd;
  const eventsUsd = inputs.events * p.eventBridgeEvent.usd;
  return {
    currency: 'USD',
    region: p.region,
    pricesAsOf: p.asOf,
    steps,
    stepFunctions: { transitions: inputs.transitions, basis: 'estimate', usd: round(sfnUsd) },
    total: {
      lambdaInvocations: lambda.reduce((a, s) => a + s.invocations, 0),
      lambdaGbSeconds: round(
        lambda.reduce((a, s) => a + s.gbSeconds, 0),
        6,
      ),
      ecsVcpuSeconds: round(
        ecs.reduce((a, s) => a + (s.vcpuSeconds ?? 0), 0),
        6,
      ),
      ecsGbSeconds: round(
        ecs.reduce((a, s) => a + s.gbSeconds, 0),
        6,
      ),
      transitions: inputs.transitions,
      s3: all.reduce((a, s) => addS3(a, s.s3), noS3()),
      events: inputs.events,
      usd: round(all.reduce((a, s) => a + s.usd, 0) + sfnUsd + eventsUsd),
    },
    notCounted: inputs.notCounted,
  };
}
