/**
 * The price table a job's cost estimate is computed from (src/cost/price.ts): on-demand list
 * prices of US East (N. Virginia), x86_64 (serverless.yml `provider.architecture`), without free
 * tiers, savings plans or volume tiers (the first tier is the most expensive: pessimistic).
 * Each price names its source page, the day it was read there and whether that reading was
 * checked against the page in this repository's research (`verified`); docs/COST.md lists them.
 * A deployment in another region or at another price sets its own table (PRICES_JSON is not
 * read yet: the table is code, reviewed like code).
 */

/** One price: USD per `unit`, where it comes from, and when it was read. */
export interface Price {
  usd: number;
  unit: string;
  source: string;
  asOf: string;
  /** False when the figure could not be checked against the source page itself (see `note`). */
  verified: boolean;
  note?: string;
}

/** Every price the estimate uses. */
export interface PriceTable {
  region: string;
  asOf: string;
  lambdaGbSecond: Price;
  lambdaRequest: Price;
  fargateVcpuHour: Price;
  fargateGbHour: Price;
  /** Fargate bills per second with a one-minute minimum per task. */
  fargateMinimumSeconds: number;
  sfnStateTransition: Price;
  /** S3 Standard PUT, COPY, POST, LIST (and the multipart calls, which are POST/PUT). */
  s3Tier1Request: Price;
  /** S3 Standard GET, HEAD, SELECT and all other requests (DELETE and abort are free). */
  s3Tier2Request: Price;
  /** Bytes between S3 and Lambda/Fargate in the same region: no transfer charge. */
  s3TransferSameRegionGb: Price;
  eventBridgeEvent: Price;
}

const LAMBDA = 'https://aws.amazon.com/lambda/pricing/';
const FARGATE = 'https://aws.amazon.com/fargate/pricing/';
const SFN = 'https://aws.amazon.com/step-functions/pricing/';
const S3 = 'https://aws.amazon.com/s3/pricing/';
const EB = 'https://aws.amazon.com/eventbridge/pricing/';

/** The table in use: us-east-1, read 2026-12-02. */
export const PRICES_US_EAST_1: PriceTable = {
  region: 'us-east-1',
  asOf: '2026-12-02',
  lambdaGbSecond: {
    usd: 0.0000166667,
    unit: 'GB-second (x86_64, first 6 billion GB-s a month)',
    source: LAMBDA,
    asOf: '2026-12-02',
    verified: false,
    note: 'the AWS page renders its table with script; the figure is the one quoted by several third-party copies of it (cloudchipr.com, 2024; a 2025 Lambda course); later tiers are cheaper',
  },
  lambdaRequest: {
    usd: 0.2 / 1e6,
    unit: 'request',
    source: LAMBDA,
    asOf: '2026-12-02',
    verified: false,
    note: '$0.20 per million, third-party copies of the page',
  },
  fargateVcpuHour: {
    usd: 0.04048,
    unit: 'vCPU-hour (Linux/x86)',
    source: FARGATE,
    asOf: '2026-12-02',
    verified: false,
    note: 'third-party copies of the page (vantage.sh, wring.co 2026-03, factualminds.com 2026-06 agree)',
  },
  fargateGbHour: {
    usd: 0.004445,
    unit: 'GB-hour (Linux/x86)',
    source: FARGATE,
    asOf: '2026-12-02',
    verified: false,
    note: 'same copies as the vCPU price',
  },
  fargateMinimumSeconds: 60,
  sfnStateTransition: {
    usd: 0.025 / 1000,
    unit: 'state transition (Standard)',
    source: SFN,
    asOf: '2026-12-02',
    verified: true,
    note: 'US East (N. Virginia) $0.0250 per 1,000, the pricing page table',
  },
  s3Tier1Request: {
    usd: 0.005 / 1000,
    unit: 'PUT, COPY, POST or LIST request (S3 Standard)',
    source: S3,
    asOf: '2026-12-02',
    verified: false,
    note: '$0.005 per 1,000, third-party copies (cloudkaramchari.com)',
  },
  s3Tier2Request: {
    usd: 0.0004 / 1000,
    unit: 'GET, HEAD or other request (S3 Standard)',
    source: S3,
    asOf: '2026-12-02',
    verified: false,
    note: '$0.0004 per 1,000, not found in the stored pages: the long-standing list price',
  },
  s3TransferSameRegionGb: {
    usd: 0,
    unit: 'GB between S3 and a service in the same region',
    source: S3,
    asOf: '2026-12-02',
    verified: false,
    note: 'S3 FAQ: no transfer charge between S3 and EC2 in the same region; outputs served to viewers are not part of a job',
  },
  eventBridgeEvent: {
    usd: 1 / 1e6,
    unit: 'custom event put',
    source: EB,
    asOf: '2026-12-02',
    verified: false,
    note: '$1.00 per million custom events',
  },
};
