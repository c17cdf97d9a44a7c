/**
 * Guards in front of s3rver (the local S3). s3rver stores every object as files named after its
 * key (`<dir>/<bucket>/<key segments...>/<last>._S3rver_object`, plus `.md5` and `metadata.json`
 * files beside it) and trusts the key: a `..` segment would reach outside its folder, and a
 * segment longer than the filesystem allows (255 bytes) makes its unguarded write stream emit an
 * ENAMETOOLONG `error` event that nobody listens to, which kills the whole process (S3, the
 * API and every running job). Real S3 accepts both kinds of keys; this stand-in refuses them
 * with an S3 error before s3rver touches the disk.
 */
import { createRequire } from 'node:module';
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** The part of a Koa context the guards use. */
export interface KoaContext {
  path: string;
  method: string;
  status: number;
  body: unknown;
}
export type KoaMiddleware = (ctx: KoaContext, next: () => Promise<void>) => Promise<void>;

/** Longest file name (bytes) of the filesystems the local stack runs on (ext4, xfs, tmpfs, APFS). */
export const NAME_MAX = 255;
/** Longest path (bytes) Linux accepts in one system call. */
export const PATH_MAX = 4095;

/** s3rver's own error class: thrown from a middleware, s3rver answers it as S3 XML with its status. */
const require = createRequire(import.meta.url);
const S3Error = require('s3rver/lib/models/error') as new (code: string, message: string) => Error;

/** The request path, percent-decoded (the raw path when it does not decode). */
function decodedPath(p: string): string {
  try {
    return decodeURIComponent(p);
  } catch {
    return p;
  }
}

/** Longest bucket name S3 accepts (bytes; S3 bucket naming rules: 3 to 63 characters). */
export const BUCKET_NAME_MAX = 63;

/**
 * Koa middleware: a request path with a `.` or `..` segment, raw or percent-encoded, is refused
 * (`400 InvalidArgument`), and so is a bucket name longer than S3 allows (`400
 * InvalidBucketName`, as S3 answers; s3rver would try to make a folder of it and answer 500).
 * Both as S3's XML error, like every other refusal of the local S3.
 */
export async function refuseDotSegments(ctx: KoaContext, next: () => Promise<void>): Promise<void> {
  const segments = decodedPath(ctx.path).split('/');
  if (segments.some((seg) => seg === '..' || seg === '.'))
    throw new S3Error('InvalidArgument', 'Keys with . or .. segments are refused by the local S3.');
  if (Buffer.byteLength(segments[1] ?? '') > BUCKET_NAME_MAX)
    throw new S3Error('InvalidBucketName', 'The specified bucket is not valid.');
  await next();
}

/** Where s3rver's filesystem store puts a resource of a key (its own method, so the layout is never copied here). */
export interface ResourcePaths {
  getResourcePath(bucket: string, key: string, resource: string): string;
}

/** s3rver's resources of one object; `metadata.json` gives the longest file name. */
const RESOURCES = ['object', 'object.md5', 'metadata.json'];

/** s3rver's own file-name marker: a key segment holding it could collide with another key's files. */
const S3RVER_MARKER = '._S3rver_';

/** Whether every file s3rver would write for `bucket/key` has a name and a path the filesystem accepts. */
export function isStorableKey(store: ResourcePaths, bucket: string, key: string): boolean {
  if (key.includes(S3RVER_MARKER)) return false;
  return RESOURCES.every((r) => {
    const p = store.getResourcePath(bucket, key, r);
    return Buffer.byteLength(p) <= PATH_MAX && p.split('/').every((seg) => Buffer.byteLength(seg) <= NAME_MAX);
  });
}

/**
 * Koa middleware: a request for a key s3rver could not store is answered before s3rver sees it.
 * Such an object cannot exist here, so a read (GET, HEAD) is `404 NoSuchKey`, exactly what it
 * would be for any absent key (so `POST /jobs` naming one answers SOURCE_NOT_FOUND); a write or
 * anything else is `400 KeyTooLongError` (S3's code for a key it will not take).
 */
export function refuseUnstorableKeys(store: ResourcePaths): KoaMiddleware {
  return async (ctx, next) => {
    const [, bucket, ...rest] = decodedPath(ctx.path).split('/');
    const key = rest.join('/');
    if (!bucket || !key || isStorableKey(store, bucket, key)) return next();
    if (ctx.method === 'GET' || ctx.method === 'HEAD')
      throw new S3Error('NoSuchKey', 'The specified key does not exist.');
    if (key.includes(S3RVER_MARKER))
      throw new S3Error(
        'InvalidArgument',
        `Keys containing ${S3RVER_MARKER} are refused by the local S3 (its own file names).`,
      );
    throw new S3Error(
      'KeyTooLongError',
      `Your key is too long for the local S3 (each key segment at most ${NAME_MAX - 22} bytes).`,
    );
  };
}

/** The write operations of s3rver's filesystem store that guardStoreWrites replaces. */
export interface S3rverStore extends ResourcePaths {
  putObject(object: {
    bucket: string;
    key: string;
    metadata: unknown;
    content: Readable | Buffer;
  }): Promise<{ size: number; md5: string }>;
  putPart(
    bucket: string,
    uploadId: string,
    partNumber: number,
    content: Readable,
  ): Promise<{ size: number; md5: string }>;
  putMetadata(bucket: string, key: string, metadata: unknown, md5: string): Promise<void>;
}

/** Writes a body to a file through stream.pipeline (every error rejects), counting bytes and MD5. */
async function writeCounted(content: Readable | Buffer, file: string): Promise<{ size: number; md5: string }> {
  await mkdir(path.dirname(file), { recursive: true });
  const md5 = createHash('md5');
  let size = 0;
  const count = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      md5.update(chunk);
      size += chunk.length;
      cb(null, chunk);
    },
  });
  await pipeline(Buffer.isBuffer(content) ? Readable.from([content]) : content, count, createWriteStream(file));
  return { size, md5: md5.digest('hex') };
}

/**
 * s3rver's putObject and putPart pipe the body into a file write stream without an `error`
 * listener (any write error, EISDIR, ENOSPC, EACCES, kills the process) and resolve before the
 * file is flushed. The same two writes, same files, with stream.pipeline: an error becomes a
 * rejected promise, which s3rver answers as `500 InternalError` for that one request.
 */
export function guardStoreWrites(store: S3rverStore): void {
  store.putObject = async (object) => {
    const r = await writeCounted(object.content, store.getResourcePath(object.bucket, object.key, 'object'));
    await store.putMetadata(object.bucket, object.key, object.metadata, r.md5);
    return r;
  };
  store.putPart = async (bucket, uploadId, partNumber, content) => {
    const file = path.join(store.getResourcePath(bucket, '', 'uploads'), uploadId, String(partNumber));
    const r = await writeCounted(content, file);
    await writeFile(`${file}.md5`, r.md5);
    return r;
  };
}
