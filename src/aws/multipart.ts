/**
 * S3 multipart upload by explicit parts, for objects assembled by several workers at once (each
 * uploads its own numbered part; one step completes the upload). Parts are at least 5 MiB except
 * the last (S3's rule); an UploadPart of a part number already sent replaces it, so a retried
 * worker is harmless.
 */
import {
  AbortMultipartUploadCommand,
  CreateMultipartUploadCommand,
  UploadPartCommand,
  CompleteMultipartUploadCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { s3Uri, wrapS3Error, type S3Location } from './s3.js';
import { EncoderError } from '../errors.js';

/** Starts a multipart upload; returns its id. */
export async function createMultipart(s3: S3Client, loc: S3Location, contentType: string): Promise<string> {
  try {
    const r = await s3.send(
      new CreateMultipartUploadCommand({ Bucket: loc.bucket, Key: loc.key, ContentType: contentType }),
    );
    return r.UploadId!;
  } catch (err) {
    return wrapS3Error(err, `CreateMultipartUpload ${s3Uri(loc)}`);
  }
}

/** Uploads part `partNumber` (1-based) of an upload; returns its ETag (CompleteMultipartUpload needs them). */
export async function uploadPart(
  s3: S3Client,
  loc: S3Location,
  uploadId: string,
  partNumber: number,
  body: Uint8Array,
): Promise<string> {
  try {
    const r = await s3.send(
      new UploadPartCommand({
        Bucket: loc.bucket,
        Key: loc.key,
        UploadId: uploadId,
        PartNumber: partNumber,
        Body: body,
        ContentLength: body.length,
      }),
    );
    return r.ETag!;
  } catch (err) {
    return wrapS3Error(err, `UploadPart ${partNumber} ${s3Uri(loc)}`);
  }
}

/** One uploaded part, as its worker recorded it. */
export interface UploadedPart {
  partNumber: number;
  etag: string;
  size: number;
}

/**
 * Completes an upload from the parts its workers recorded, after checking that exactly parts
 * 1..expected are there; returns the object's size. (The workers record their ETags because
 * ListParts is not served by every S3 implementation: s3rver answers MethodNotAllowed.)
 */
export async function completeMultipart(
  s3: S3Client,
  loc: S3Location,
  uploadId: string,
  uploaded: UploadedPart[],
  expected: number,
): Promise<number> {
  const parts = [...uploaded].sort((a, b) => a.partNumber - b.partNumber);
  if (parts.length !== expected || parts.some((p, i) => p.partNumber !== i + 1)) {
    throw new EncoderError(
      'SEGMENT_MISMATCH',
      `${s3Uri(loc)}: ${parts.length} parts uploaded (${parts.map((p) => p.partNumber).join(',')}), ${expected} expected`,
    );
  }
  try {
    await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: loc.bucket,
        Key: loc.key,
        UploadId: uploadId,
        MultipartUpload: { Parts: parts.map((p) => ({ PartNumber: p.partNumber, ETag: p.etag })) },
      }),
    );
  } catch (err) {
    return wrapS3Error(err, `CompleteMultipartUpload ${s3Uri(loc)}`);
  }
  return parts.reduce((a, p) => a + p.size, 0);
}

/** An upload a step started, as recorded for Cleanup (where it writes, and its id). */
export interface OpenUpload extends S3Location {
  uploadId: string;
}

/**
 * Aborts an upload, freeing its stored parts (a failed job's MP4s). An upload already completed
 * or aborted (NoSuchUpload) is nothing to do: returns false. Other failures are thrown (a
 * transient one as TransientError: Cleanup is retried). (The local S3 serves it through
 * src/local/s3Multipart.ts; s3rver alone answers 405 MethodNotAllowed: also false there.)
 */
export async function abortMultipart(s3: S3Client, u: OpenUpload): Promise<boolean> {
  try {
    await s3.send(new AbortMultipartUploadCommand({ Bucket: u.bucket, Key: u.key, UploadId: u.uploadId }));
    return true;
  } catch (err) {
    const name = (err as { name?: string }).name;
    if (name === 'NoSuchUpload' || name === 'MethodNotAllowed') return false;
    return wrapS3Error(err, `AbortMultipartUpload ${s3Uri(u)}`);
  }
}
