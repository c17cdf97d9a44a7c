/**
 * S3's size and part limits in front of s3rver (which enforces none of them): PutObject and
 * UploadPart sizes and part numbers are refused from the request's headers before s3rver reads
 * the body; CopyObject's source size and CompleteMultipartUpload's part sizes are checked in
 * s3rver's store, where the stored sizes are known. Each refusal is the S3 error AWS answers
 * (src/aws/limits.ts), as S3 XML with its status.
 */
import { createRequire } from 'node:module';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { AWS_LIMITS, type LimitName, type Limits } from '../aws/limits.js';
import type { ResourcePaths } from './s3Guards.js';

const require = createRequire(import.meta.url);
/** s3rver's error class: thrown from a middleware or its store, s3rver answers it as S3 XML with its status. */
const S3Error = require('s3rver/lib/models/error') as new (
  code: string,
  message: string,
  detail?: Record<string, unknown>,
) => Error;

/** The S3 error AWS answers for a limit (its code, status and message from the table). */
const s3LimitError = (name: LimitName, detail?: Record<string, unknown>) =>
  new S3Error(AWS_LIMITS[name].error.code, AWS_LIMITS[name].error.message, detail);

/** The part of a Koa context the limits read. */
export interface KoaRequestContext {
  method: string;
  path: string;
  query: Record<string, unknown>;
  headers: Record<string, string | string[] | undefined>;
}

/**
 * The body size a PUT declares. SigV4 streaming uploads (`aws-chunked`) send the payload size
 * in x-amz-decoded-content-length and the framed size in Content-Length.
 */
function declaredBytes(headers: KoaRequestContext['headers']): number | undefined {
  const v = headers['x-amz-decoded-content-length'] ?? headers['content-length'];
  const n = Number(Array.isArray(v) ? v[0] : v);
  return v === undefined || !Number.isFinite(n) ? undefined : n;
}

/**
 * Koa middleware: PutObject over s3PutObjectBytes and UploadPart over s3PartMaxBytes are
 * `400 EntityTooLarge`; a part number outside 1..s3PartNumberMax is `400 InvalidArgument`.
 * Copies (x-amz-copy-source) are left to the store check (the size is the source's).
 */
export function enforceS3RequestLimits(limits: Limits) {
  return async (ctx: KoaRequestContext, next: () => Promise<void>): Promise<void> => {
    if (ctx.method !== 'PUT' || ctx.headers['x-amz-copy-source'] !== undefined) return next();
    const [, bucket, ...rest] = ctx.path.split('/');
    if (!bucket || rest.length === 0) return next();
    const bytes = declaredBytes(ctx.headers);
    if ('uploadId' in ctx.query && 'partNumber' in ctx.query) {
      const n = Number(ctx.query.partNumber);
      if (!Number.isInteger(n) || n < 1 || n > limits.s3PartNumberMax)
        throw s3LimitError('s3PartNumberMax', {
          ArgumentName: 'partNumber',
          ArgumentValue: String(ctx.query.partNumber),
        });
      if (bytes !== undefined && bytes > limits.s3PartMaxBytes)
        throw s3LimitError('s3PartMaxBytes', { ProposedSize: bytes, MaxSizeAllowed: limits.s3PartMaxBytes });
    } else if (bytes !== undefined && bytes > limits.s3PutObjectBytes) {
      throw s3LimitError('s3PutObjectBytes', { ProposedSize: bytes, MaxSizeAllowed: limits.s3PutObjectBytes });
    }
    return next();
  };
}

/** The store operations whose limits depend on what is stored. */
export interface LimitedStore extends ResourcePaths {
  copyObject(
    srcBucket: string,
    srcKey: string,
    destBucket: string,
    destKey: string,
    replacementMetadata: unknown,
  ): Promise<unknown>;
  putObjectMultipart(
    bucket: string,
    uploadId: string,
    parts: { number: number; etag: string }[],
  ): Promise<{ size: number; md5: string }>;
}

/**
 * Wraps s3rver's store: CopyObject of a source larger than s3CopySourceBytes is `400
 * InvalidRequest`; CompleteMultipartUpload with a part other than the last smaller than
 * s3PartMinBytes is `400 EntityTooSmall`, and one whose parts add up to more than
 * s3ObjectBytes `400 EntityTooLarge`. Refused before anything is written: the upload stays
 * open (as in S3, which keeps its parts until it is completed or aborted).
 */
export function enforceS3StoreLimits(store: LimitedStore, limits: Limits): void {
  const copy = store.copyObject.bind(store);
  store.copyObject = async (srcBucket, srcKey, destBucket, destKey, meta) => {
    const { size } = await stat(store.getResourcePath(srcBucket, srcKey, 'object'));
    if (size > limits.s3CopySourceBytes) {
      // AWS's message names its own limit in bytes: a scaled-down limit is named the same way.
      const e = AWS_LIMITS.s3CopySourceBytes.error;
      throw new S3Error(e.code, e.message.replace(/\d+$/, String(limits.s3CopySourceBytes)));
    }
    return copy(srcBucket, srcKey, destBucket, destKey, meta);
  };
  const complete = store.putObjectMultipart.bind(store);
  store.putObjectMultipart = async (bucket, uploadId, parts) => {
    const dir = path.join(store.getResourcePath(bucket, '', 'uploads'), uploadId);
    const sorted = [...parts].sort((a, b) => a.number - b.number);
    // A part never uploaded is s3rver's own error (InvalidPart) once it reads it.
    const sizes = await Promise.all(
      sorted.map((p) =>
        stat(path.join(dir, String(p.number))).then(
          (s) => s.size,
          () => 0,
        ),
      ),
    );
    sorted.forEach((p, i) => {
      // A minimum switched off (Infinity, like every limit) is no minimum.
      if (i < sorted.length - 1 && Number.isFinite(limits.s3PartMinBytes) && sizes[i] < limits.s3PartMinBytes) {
        throw s3LimitError('s3PartMinBytes', {
          ProposedSize: sizes[i],
          MinSizeAllowed: limits.s3PartMinBytes,
          PartNumber: p.number,
          ETag: p.etag,
        });
      }
    });
    const total = sizes.reduce((a, b) => a + b, 0);
    if (total > limits.s3ObjectBytes)
      throw s3LimitError('s3ObjectBytes', { ProposedSize: total, MaxSizeAllowed: limits.s3ObjectBytes });
    return complete(bucket, uploadId, parts);
  };
}
