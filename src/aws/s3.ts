import { createReadStream, createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import {
  S3Client,
  GetObjectCommand,
  PutObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  DeleteObjectsCommand,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { Config } from '../config.js';
import { InputError, TransientError } from '../errors.js';

/** A bucket and key. */
export interface S3Location {
  bucket: string;
  key: string;
}

/**
 * Builds the S3 client. Checksums only when required: s3rver corrupts streamed uploads
 * with the SDK's default trailing checksums.
 */
export function createS3Client(
  config: Pick<Config, 'AWS_REGION' | 'S3_ENDPOINT'>,
  credentials?: { accessKeyId: string; secretAccessKey: string },
): S3Client {
  return new S3Client({
    region: config.AWS_REGION,
    ...(config.S3_ENDPOINT ? { endpoint: config.S3_ENDPOINT, forcePathStyle: true } : {}),
    ...(credentials ? { credentials } : {}),
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts: 5,
  });
}

/** Formats an s3:// URI. */
export const s3Uri = (loc: S3Location) => `s3://${loc.bucket}/${loc.key}`;

/** Parses an s3:// URI. */
export function parseS3Uri(uri: string): S3Location {
  const m = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri);
  if (!m) throw new InputError('INVALID_REQUEST', `not an s3:// URI: ${uri}`);
  return { bucket: m[1], key: m[2] };
}

function isNotFound(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e?.name === 'NotFound' || e?.name === 'NoSuchKey' || e?.$metadata?.httpStatusCode === 404;
}

/** Maps SDK errors that survived the SDK's own retries to our retryable class. */
export function wrapS3Error(err: unknown, what: string): never {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  const status = e?.$metadata?.httpStatusCode ?? 0;
  if (status >= 500 || status === 429 || e?.name === 'SlowDown' || e?.name === 'TimeoutError') {
    throw new TransientError('INTERNAL', `S3 ${what} failed transiently (${e?.name ?? status})`, { cause: err });
  }
  throw err;
}

/** HEAD an object; INPUT_NOT_FOUND when it does not exist. */
export async function headObject(
  s3: S3Client,
  loc: S3Location,
): Promise<{ size: number; etag: string; versionId?: string; contentType?: string; metadata: Record<string, string> }> {
  try {
    const r = await s3.send(new HeadObjectCommand({ Bucket: loc.bucket, Key: loc.key }));
    return {
      size: r.ContentLength ?? 0,
      etag: (r.ETag ?? '').replace(/"/g, ''),
      versionId: r.VersionId,
      contentType: r.ContentType,
      metadata: r.Metadata ?? {},
    };
  } catch (err) {
    if (isNotFound(err))
      throw new InputError('INPUT_NOT_FOUND', `source object ${s3Uri(loc)} does not exist`, { cause: err });
    return wrapS3Error(err, `HEAD ${s3Uri(loc)}`);
  }
}

/** A time-limited GET URL so ffmpeg reads the object over HTTP without a full download. */
export function presignGet(s3: S3Client, loc: S3Location, expiresIn = 3600): Promise<string> {
  return getSignedUrl(s3, new GetObjectCommand({ Bucket: loc.bucket, Key: loc.key }), { expiresIn });
}

/** Downloads an object to a file. */
export async function downloadFile(s3: S3Client, loc: S3Location, file: string): Promise<void> {
  try {
    const r = await s3.send(new GetObjectCommand({ Bucket: loc.bucket, Key: loc.key }));
    await pipeline(r.Body as Readable, createWriteStream(file));
  } catch (err) {
    return wrapS3Error(err, `GET ${s3Uri(loc)}`);
  }
}

/** Uploads a file (multipart when large); returns its size. */
export async function uploadFile(s3: S3Client, loc: S3Location, file: string, contentType?: string): Promise<number> {
  const { size } = await stat(file);
  try {
    await new Upload({
      client: s3,
      params: {
        Bucket: loc.bucket,
        Key: loc.key,
        Body: createReadStream(file),
        ContentType: contentType,
        ContentLength: size,
      },
      queueSize: 4,
      partSize: 16 * 1024 * 1024,
    }).done();
  } catch (err) {
    return wrapS3Error(err, `PUT ${s3Uri(loc)}`);
  }
  return size;
}

/** Writes bytes (small objects: pieces, manifests). */
export async function putBytes(
  s3: S3Client,
  loc: S3Location,
  body: Uint8Array | string,
  contentType?: string,
): Promise<number> {
  try {
    await s3.send(new PutObjectCommand({ Bucket: loc.bucket, Key: loc.key, Body: body, ContentType: contentType }));
  } catch (err) {
    wrapS3Error(err, `PUT ${s3Uri(loc)}`);
  }
  return typeof body === 'string' ? Buffer.byteLength(body) : body.length;
}

/** Reads an object's bytes. */
export async function getBytes(
  s3: S3Client,
  loc: S3Location,
  range?: { start: number; end: number },
): Promise<Uint8Array> {
  let body: Uint8Array;
  try {
    const r = await s3.send(
      new GetObjectCommand({
        Bucket: loc.bucket,
        Key: loc.key,
        ...(range ? { Range: `bytes=${range.start}-${range.end - 1}` } : {}),
      }),
    );
    body = await r.Body!.transformToByteArray();
  } catch (err) {
    return wrapS3Error(err, `GET ${s3Uri(loc)}`);
  }
  // A range read that comes back short is retried (a cut connection), never used.
  if (range && body.length !== range.end - range.start)
    throw new TransientError('INTERNAL', `${loc.key}: ${body.length} bytes of ${range.end - range.start}`);
  return body;
}

/** Writes a JSON document. */
export async function putJson(s3: S3Client, loc: S3Location, value: unknown): Promise<void> {
  try {
    await s3.send(
      new PutObjectCommand({
        Bucket: loc.bucket,
        Key: loc.key,
        Body: JSON.stringify(value),
        ContentType: 'application/json',
      }),
    );
  } catch (err) {
    wrapS3Error(err, `PUT ${s3Uri(loc)}`);
  }
}

/** Reads a JSON document. */
export async function getJson<T = unknown>(s3: S3Client, loc: S3Location): Promise<T> {
  try {
    const r = await s3.send(new GetObjectCommand({ Bucket: loc.bucket, Key: loc.key }));
    return JSON.parse(await r.Body!.transformToString()) as T;
  } catch (err) {
    return wrapS3Error(err, `GET ${s3Uri(loc)}`);
  }
}

/** Lists every key under a prefix (paged), with its size and last-modified time (ms). */
export async function listKeys(
  s3: S3Client,
  bucket: string,
  prefix: string,
): Promise<{ key: string; size: number; lastModifiedMs: number }[]> {
  const out: { key: string; size: number; lastModifiedMs: number }[] = [];
  let token: string | undefined;
  do {
    const r = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
    for (const o of r.Contents ?? [])
      out.push({ key: o.Key!, size: o.Size ?? 0, lastModifiedMs: o.LastModified?.getTime() ?? 0 });
    token = r.IsTruncated ? r.NextContinuationToken : undefined;
  } while (token);
  return out;
}

/** Deletes every object under a prefix; returns how many. */
export async function deletePrefix(s3: S3Client, bucket: string, prefix: string): Promise<number> {
  const keys = await listKeys(s3, bucket, prefix);
  for (let i = 0; i < keys.length; i += 1000) {
    const batch = keys.slice(i, i + 1000);
    await s3.send(
      new DeleteObjectsCommand({
        Bucket: bucket,
        Delete: { Objects: batch.map((k) => ({ Key: k.key })), Quiet: true },
      }),
    );
  }
  return keys.length;
}
