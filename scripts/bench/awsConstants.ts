/**
 * Every AWS figure the cloud model (cloudModel.ts) uses, each with optimistic / likely /
 * pessimistic values and where it comes from. `published: false` marks a figure AWS does not
 * publish: its values are chosen, the pessimistic one on the slow side, and `source` says why.
 * The model never picks values to meet a target; docs/BENCHMARKS.md prints this table.
 */

/** One modelled quantity in its three cases. */
export interface Bounds {
  optimistic: number;
  likely: number;
  pessimistic: number;
  unit: string;
  /** The AWS page (or, where AWS publishes nothing, the reasoning behind the values). */
  source: string;
  published: boolean;
}

/** The three cases the model is evaluated in. */
export type Case = 'optimistic' | 'likely' | 'pessimistic';
export const CASES: Case[] = ['optimistic', 'likely', 'pessimistic'];

const b = (
  optimistic: number,
  likely: number,
  pessimistic: number,
  unit: string,
  published: boolean,
  source: string,
): Bounds => ({ optimistic, likely, pessimistic, unit, published, source });
const same = (v: number, unit: string, source: string): Bounds => b(v, v, v, unit, true, source);

const LAMBDA_MEMORY = 'https://docs.aws.amazon.com/lambda/latest/dg/configuration-memory.html';
const LAMBDA_SCALING = 'https://docs.aws.amazon.com/lambda/latest/dg/scaling-behavior.html';
const LAMBDA_QUOTAS = 'https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html';
const SFN_QUOTAS = 'https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html';
const SFN_DMAP = 'https://docs.aws.amazon.com/step-functions/latest/dg/state-map-distributed.html';
const S3_PERF = 'https://docs.aws.amazon.com/AmazonS3/latest/userguide/optimizing-performance.html';
const S3_RANGE =
  'https://docs.aws.amazon.com/whitepapers/latest/s3-optimizing-performance-best-practices/use-byte-range-fetches.html';
const OPERATING_LAMBDA = 'https://aws.amazon.com/blogs/compute/operating-lambda-performance-optimization-part-1/';

/** AWS performance figures and limits. */
export const AWS = {
  lambdaMbPerVcpu: same(
    1769,
    'MB per vCPU',
    `${LAMBDA_MEMORY}: "At 1,769 MB, a function has the equivalent of one vCPU"; 128-10,240 MB (10,240 MB = 6 vCPU, the cap)`,
  ),
  lambdaMaxVcpus: same(
    6,
    'vCPU',
    `${LAMBDA_MEMORY}: up to 6 vCPUs at 10,240 MB (linear credit at 1,769 MB per vCPU gives 5.79 there; only 3,008 MB = 1.70 matters here)`,
  ),
  coldStartLayerSec: b(
    0.25,
    1.0,
    3.0,
    's',
    false,
    `${OPERATING_LAMBDA}: cold starts "vary from under 100 ms to over 1 second"; AWS publishes nothing for a function with an ~80 MB ffmpeg layer and a Node handler bundle: 1 s likely, 3 s pessimistic (layer extraction and module init of the AWS SDK, Powertools). The ffmpeg start from the cold layer is measured separately (--worker-quota)`,
  ),
  coldStartSmallSec: b(
    0.15,
    0.4,
    1.0,
    's',
    false,
    `${OPERATING_LAMBDA}: "under 100 ms to over 1 second"; no figure is published for these Node functions without the ffmpeg layer (emit, publish, cleanup, the part workers): 0.4 s likely, 1 s pessimistic`,
  ),
  lambdaScalePer10s: same(
    1000,
    'environments per 10 s per function',
    `${LAMBDA_SCALING}: "1,000 execution environment instances every 10 seconds" per function; refilled continuously, never above 1,000 at once`,
  ),
  lambdaBurstAvailable: b(
    1000,
    1000,
    0,
    'environments available at once',
    false,
    `${LAMBDA_SCALING}: how many are free when a job starts is not published; a function that has not scaled in the last 10 s can add up to 1,000 at once (optimistic, likely); pessimistic: another job's fan-out of the same function used the 1,000 in the last 10 s, so new environments come at the refill rate, 100 per second`,
  ),
  accountConcurrency: same(
    1000,
    'concurrent executions',
    `${LAMBDA_QUOTAS}: default concurrent executions per account and Region 1,000 (new accounts may have less)`,
  ),
  concurrencyAvailable: b(
    1000,
    1000,
    500,
    'concurrent executions for this job',
    false,
    `what share of the account's 1,000 a job finds free is not published (it is shared by every function and job): optimistic/likely this job alone; pessimistic a second job's fan-out holds half`,
  ),
  mapMaxConcurrency: same(
    1000,
    'child executions',
    'ASL TranscodeSegments/AssembleParts MaxConcurrencyPath $.config.mapConcurrency, MAP_MAX_CONCURRENCY default 1,000 after the in-place change (issue 18 item 2); a Distributed Map runs up to 10,000 children',
  ),
  mapChildLaunchPerSec: b(
    1000,
    300,
    150,
    'child executions started per s',
    false,
    `${SFN_DMAP}: no launch rate is published. Children are Standard executions: ${SFN_QUOTAS} StartExecution throttle refill 300/s (us-east-1, us-east-2, us-west-2, eu-west-1) and 150/s in other Regions: taken as the likely and pessimistic child start rates`,
  ),
  mapStartSec: b(
    0.2,
    1.0,
    3.0,
    's',
    false,
    'Map Run created and its first child started: not published; 1 s likely, 3 s pessimistic',
  ),
  mapCloseSec: b(
    0.3,
    1.5,
    5.0,
    's',
    false,
    `${SFN_DMAP} ResultWriter: the Map Run writes its children's results to S3 (manifest.json, SUCCEEDED_0.json ...) and finishes; not published: 1.5 s likely, 5 s pessimistic`,
  ),
  transitionSec: b(
    0.02,
    0.05,
    0.2,
    's per state transition',
    false,
    'Step Functions Standard publishes no state-transition latency; 50 ms likely, 200 ms pessimistic',
  ),
  transitionBucket: b(
    5000,
    5000,
    800,
    'transitions',
    true,
    `${SFN_QUOTAS}: StateTransition throttle (Standard) bucket 5,000 in the largest Regions, 800 in others; "New AWS accounts have reduced state transition quotas"`,
  ),
  transitionRefillPerSec: b(
    5000,
    5000,
    800,
    'transitions per s',
    true,
    `${SFN_QUOTAS}: StateTransition refill 5,000/s in the largest Regions, 800/s in others`,
  ),
  eventBridgeSec: b(
    0.1,
    0.5,
    2.0,
    's',
    false,
    'S3 Object Created -> EventBridge rule -> StartExecution: no delivery latency is published; 0.5 s likely, 2 s pessimistic',
  ),
  s3FirstByteSec: b(
    0.01,
    0.03,
    0.1,
    's per request',
    false,
    `${S3_PERF}: no first-byte latency is published for S3 Standard; 30 ms likely, 100 ms pessimistic`,
  ),
  s3ConnectionMBps: b(
    90,
    60,
    25,
    'MB/s per connection',
    false,
    `${S3_RANGE}: scale by parallel connections and 8-16 MB range GETs; no per-connection rate (nor a Lambda network bandwidth) is published: 60 MB/s likely, 25 MB/s pessimistic`,
  ),
  s3PutPerSecPerPrefix: same(
    3500,
    'PUT/COPY/POST/DELETE per s per partitioned prefix',
    `${S3_PERF}: "at least 3,500 PUT/COPY/POST/DELETE or 5,500 GET/HEAD requests per second per partitioned prefix"; a new job prefix is one partition until S3 splits it (503 SlowDown meanwhile)`,
  ),
  s3GetPerSecPerPrefix: same(5500, 'GET/HEAD per s per partitioned prefix', S3_PERF),
  dynamoWriteSec: b(
    0.005,
    0.01,
    0.05,
    's',
    false,
    'DynamoDB: "single-digit millisecond" (product page), no latency figure is published for a conditional write; 10 ms likely, 50 ms pessimistic (conditional write from a cold function)',
  ),
  vcpuSpeedVsLocalCore: b(
    1.1,
    1.0,
    0.85,
    "x this machine's core",
    false,
    "AWS does not publish Lambda's CPU model or speed; a vCPU is taken as one core of this machine (AMD EPYC), 0.85 pessimistic (older host generations)",
  ),
  slowestSegmentTail: b(
    1.0,
    1.0,
    1.25,
    'x the slowest measured segment',
    false,
    'the slowest of ~14 measured segments stands for the slowest of 150-900; upscaled real content is softer than native 1080p: +25% pessimistic',
  ),
} as const satisfies Record<string, Bounds>;

/** Configured memory of each function on the path (serverless.yml functions.*.memorySize). */
export const LAMBDA_MEMORY_MB = {
  probe: 1024,
  plan: 1024,
  transcodeSegment: 3008,
  assemble: 3008,
  publish: 512,
  emitEvent: 256,
  cleanup: 512,
} as const;

/** vCPUs of a function with `memoryMb` (AWS: proportional, one per 1,769 MB, at most 6). */
export function lambdaVcpus(memoryMb: number): number {
  return Math.min(AWS.lambdaMaxVcpus.likely, memoryMb / AWS.lambdaMbPerVcpu.likely);
}

/** A price with its unit and page. */
export interface Price {
  usd: number;
  per: string;
  source: string;
}

/**
 * On-demand list prices, us-east-1 (N. Virginia), x86, from the pages named, as of 2025. NOT
 * re-read on 2026-12-02: the stored page excerpts searched that day did not carry the figures,
 * so these are the 2025 list prices as remembered; MediaConvert has billed "normalized minutes"
 * with volume tiers since 2024-09 (AWS M&E blog, "Optimize costs with tiered pricing in AWS
 * Elemental MediaConvert"): its first-tier rates below are the per-minute rates of that table.
 * Check every figure on its page before quoting it outside this repository.
 */
export const PRICES_DATE =
  '2025 list prices, us-east-1, as remembered, not re-read on 2026-12-02: verify on the pages before quoting';
export const PRICES = {
  lambdaGbSecond: {
    usd: 0.0000166667,
    per: 'GB-s (x86, first 6 billion GB-s a month); INIT is billed too',
    source: 'https://aws.amazon.com/lambda/pricing/',
  },
  lambdaRequest: { usd: 0.2 / 1e6, per: 'request', source: 'https://aws.amazon.com/lambda/pricing/' },
  sfnTransition: {
    usd: 0.025 / 1000,
    per: 'state transition (Standard; Distributed Map children are Standard executions, billed the same)',
    source: 'https://aws.amazon.com/step-functions/pricing/',
  },
  s3Put: {
    usd: 0.005 / 1000,
    per: 'PUT/COPY/POST/LIST request (S3 Standard)',
    source: 'https://aws.amazon.com/s3/pricing/',
  },
  s3Get: {
    usd: 0.0004 / 1000,
    per: 'GET request (S3 Standard); transfer to Lambda in the same Region is free',
    source: 'https://aws.amazon.com/s3/pricing/',
  },
  s3StorageGbMonth: {
    usd: 0.023,
    per: 'GB-month (work files live minutes: negligible, counted as 1 hour)',
    source: 'https://aws.amazon.com/s3/pricing/',
  },
  eventBridgeEvent: {
    usd: 1.0 / 1e6,
    per: 'custom event (64 KB chunk)',
    source: 'https://aws.amazon.com/eventbridge/pricing/',
  },
  dynamoWrite: {
    usd: 0.625 / 1e6,
    per: 'write request unit (on-demand)',
    source: 'https://aws.amazon.com/dynamodb/pricing/on-demand/',
  },
  mediaConvertBasicSd: {
    usd: 0.0075,
    per: 'output minute, Basic tier, AVC single pass, SD (< 720 lines), <= 30 fps, first volume tier',
    source: 'https://aws.amazon.com/mediaconvert/pricing/',
  },
  mediaConvertBasicHd: {
    usd: 0.015,
    per: 'output minute, Basic tier, AVC single pass, HD (720-1080), <= 30 fps, first volume tier',
    source: 'https://aws.amazon.com/mediaconvert/pricing/',
  },
  mediaConvertProSd: {
    usd: 0.012,
    per: 'output minute, Professional tier, AVC single pass, SD, <= 30 fps, first volume tier',
    source: 'https://aws.amazon.com/mediaconvert/pricing/',
  },
  mediaConvertProHd: {
    usd: 0.024,
    per: 'output minute, Professional tier, AVC single pass, HD, <= 30 fps, first volume tier',
    source: 'https://aws.amazon.com/mediaconvert/pricing/',
  },
} as const satisfies Record<string, Price>;
