/**
 * Metering of one invocation: the handler wrapper opens a meter, runs the body inside it
 * (AsyncLocalStorage: the local stack runs many invocations in one process, so a process-wide
 * counter would mix jobs), and the S3 client's middleware counts every request sent while it
 * is open into it.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { S3Client } from '@aws-sdk/client-s3';
import type { InvocationMeter, S3Usage } from './schema.js';

/** S3 operations billed in the PUT, COPY, POST, LIST class (S3 pricing page, "Requests & data retrievals"). */
const TIER1 = new Set([
  'PutObjectCommand',
  'CopyObjectCommand',
  'UploadPartCommand',
  'UploadPartCopyCommand',
  'CreateMultipartUploadCommand',
  'CompleteMultipartUploadCommand',
  'ListObjectsCommand',
  'ListObjectsV2Command',
  'ListMultipartUploadsCommand',
  'ListPartsCommand',
  'ListObjectVersionsCommand',
  'ListBucketsCommand',
]);
/** Not billed: "DELETE and CANCEL requests are free" (S3 pricing page). */
const FREE = new Set(['DeleteObjectCommand', 'DeleteObjectsCommand', 'AbortMultipartUploadCommand']);

/** An empty S3 usage. */
export const noS3 = (): S3Usage => ({ tier1Requests: 0, tier2Requests: 0, freeRequests: 0, bytesIn: 0, bytesOut: 0 });

/** Which billing class an S3 command is in. */
export function s3Class(commandName: string): 'tier1' | 'tier2' | 'free' {
  return TIER1.has(commandName) ? 'tier1' : FREE.has(commandName) ? 'free' : 'tier2';
}

/** The usage of one open invocation. */
export class Meter {
  readonly s3: S3Usage = noS3();
  private readonly started = performance.now();
  /** Set by a step that wrote its meter with its own result (the wrapper then writes none). */
  carried = false;

  constructor(
    readonly step: string,
    readonly kind: 'lambda' | 'ecs',
    readonly memoryMb: number,
    readonly vcpu?: number,
  ) {}

  /** Counts one S3 request of `commandName`, with the bytes it sent and received. */
  addS3(commandName: string, bytesOut = 0, bytesIn = 0): void {
    const c = s3Class(commandName);
    if (c === 'tier1') this.s3.tier1Requests++;
    else if (c === 'free') this.s3.freeRequests++;
    else this.s3.tier2Requests++;
    this.s3.bytesOut += bytesOut;
    this.s3.bytesIn += bytesIn;
  }

  /** Counts GETs made outside the SDK (a presigned URL read by range), with their bytes. */
  addPresignedGets(requests: number, bytesIn: number): void {
    this.s3.tier2Requests += requests;
    this.s3.bytesIn += bytesIn;
  }

  /** Milliseconds since the meter opened. */
  elapsedMs(): number {
    return performance.now() - this.started;
  }

  /**
   * The meter as it stands: one invocation, its duration so far (Lambda bills each invocation
   * rounded up to the next millisecond), plus `pending` S3 requests about to be sent (the PUT
   * that carries this very meter).
   */
  snapshot(pending: { tier1?: number; bytesOut?: number } = {}): InvocationMeter {
    const ms = this.elapsedMs();
    return {
      step: this.step,
      kind: this.kind,
      invocations: 1,
      ms: Number(ms.toFixed(3)),
      billedMs: Math.ceil(ms),
      memoryMb: this.memoryMb,
      ...(this.vcpu ? { vcpu: this.vcpu } : {}),
      s3: {
        ...this.s3,
        tier1Requests: this.s3.tier1Requests + (pending.tier1 ?? 0),
        bytesOut: this.s3.bytesOut + (pending.bytesOut ?? 0),
      },
    };
  }
}

const current = new AsyncLocalStorage<Meter>();

/** Runs `fn` with `meter` open: S3 requests it sends are counted into it. */
export function withMeter<T>(meter: Meter, fn: () => Promise<T>): Promise<T> {
  return current.run(meter, fn);
}

/** The meter of the invocation this code runs in, if any. */
export function currentMeter(): Meter | undefined {
  return current.getStore();
}

/** A header's value as a byte count (0 when absent or not a number). */
function lengthOf(headers: Record<string, string | undefined> | undefined): number {
  const v = Number(headers?.['content-length'] ?? headers?.['Content-Length']);
  return Number.isFinite(v) && v > 0 ? v : 0;
}

/**
 * Adds the metering middleware to an S3 client: every attempt (S3 bills each request it
 * answers, a retried one too) is counted into the open meter, with the request body's and the
 * response body's declared lengths.
 */
export function meterS3Requests(s3: S3Client): S3Client {
  s3.middlewareStack.add(
    (next, context) => async (args) => {
      const meter = current.getStore();
      if (!meter) return next(args);
      const req = args.request as { headers?: Record<string, string> };
      let bytesIn = 0;
      try {
        const out = await next(args);
        // A HEAD's content-length is the object's size, not bytes sent.
        if (context.commandName !== 'HeadObjectCommand')
          bytesIn = lengthOf((out.response as { headers?: Record<string, string> }).headers);
        return out;
      } finally {
        meter.addS3(context.commandName ?? 'unknown', lengthOf(req.headers), bytesIn);
      }
    },
    // deserialize: inside the retry loop (one count per attempt), and never reached by
    // getSignedUrl, which stops at finalizeRequest (a presigned URL is not a request).
    { step: 'deserialize', priority: 'low', name: 'costMeter', override: true },
  );
  return s3;
}
