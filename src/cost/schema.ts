/**
 * The shapes of a job's metered usage and of the `cost` the COMPLETE event carries: one zod
 * schema each, the TypeScript types inferred from them (docs/COST.md explains every field).
 */
import { z } from 'zod';

const count = z.number().int().min(0);
const amount = z.number().min(0);

/** S3 requests by billing class, and the bytes moved. */
export const S3UsageSchema = z.object({
  /** PUT, COPY, POST, LIST (PutObject, UploadPart, Create/CompleteMultipartUpload, ListObjectsV2, ...). */
  tier1Requests: count,
  /** GET, HEAD and every other billed request. */
  tier2Requests: count,
  /** DELETE and AbortMultipartUpload: not billed. */
  freeRequests: count,
  /** Bytes received from S3 (response bodies). */
  bytesIn: count,
  /** Bytes sent to S3 (request bodies). */
  bytesOut: count,
});
export type S3Usage = z.infer<typeof S3UsageSchema>;

/**
 * What one Lambda invocation used, measured by the handler wrapper (src/pipeline/handler.ts):
 * the meter that travels with a step's result.
 */
export const InvocationMeterSchema = z.object({
  /** The function's name in serverless.yml. */
  step: z.string().min(1),
  kind: z.enum(['lambda', 'ecs']),
  invocations: count,
  /** Wall time measured (ms; for ECS, seconds of the task x 1000). */
  ms: amount,
  /** Lambda: the sum of each invocation's duration rounded up to 1 ms. ECS: the task's run time with Fargate's minimum. */
  billedMs: count,
  /** Lambda: configured memory (MB). ECS: task memory (MB). */
  memoryMb: z.number().int().positive(),
  /** ECS only: the task's vCPU. */
  vcpu: z.number().positive().optional(),
  s3: S3UsageSchema,
});
export type InvocationMeter = z.infer<typeof InvocationMeterSchema>;

/** One step's figures in the COMPLETE event: invocations summed, with its USD. */
export const StepCostSchema = z.object({
  kind: z.enum(['lambda', 'ecs']),
  invocations: count,
  billedMs: count,
  memoryMb: z.number().int().positive(),
  /** Lambda: memory (GB) x billed seconds. ECS: task memory (GB) x billed seconds. */
  gbSeconds: amount,
  /** ECS only. */
  vcpuSeconds: amount.optional(),
  s3: S3UsageSchema,
  usd: amount,
});
export type StepCost = z.infer<typeof StepCostSchema>;

/** `detail.cost` of a COMPLETE event. */
export const JobCostSchema = z.object({
  currency: z.literal('USD'),
  /** The price table's region and date (src/aws/prices.ts). */
  region: z.string().min(1),
  pricesAsOf: z.string().min(1),
  /** By function name (serverless.yml), plus `ecsWorker` for the Fargate task. */
  steps: z.record(z.string(), StepCostSchema),
  stepFunctions: z.object({
    transitions: count,
    /** `estimate`: from the state machine's shape and the path this job took (src/cost/transitions.ts). */
    basis: z.literal('estimate'),
    usd: amount,
  }),
  total: z.object({
    lambdaInvocations: count,
    lambdaGbSeconds: amount,
    ecsVcpuSeconds: amount,
    ecsGbSeconds: amount,
    transitions: count,
    s3: S3UsageSchema,
    events: count,
    usd: amount,
  }),
  /** What the figures leave out (docs/COST.md). */
  notCounted: z.array(z.string()),
});
export type JobCost = z.infer<typeof JobCostSchema>;
