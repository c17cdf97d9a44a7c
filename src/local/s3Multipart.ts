/**
 * AbortMultipartUpload for the local S3. s3rver 3.7 keeps an upload's parts on disk until it is
 * completed and answers `DELETE /<bucket>/<key>?uploadId=` with 405, so an aborted upload's parts
 * would stay forever, and a cleanup that aborts a failed or canceled job's MP4 uploads could not
 * be checked locally. This middleware does what S3 does: removes the upload and its parts (204),
 * or answers `404 NoSuchUpload` for an id it does not know (or one started under another key).
 * Ahead of s3rver's routes, after its XML error encoder.
 */
import { createRequire } from 'node:module';
import { readFile, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { ResourcePaths } from './s3Guards.js';

const require = createRequire(import.meta.url);
const S3Error = require('s3rver/lib/models/error') as new (code: string, message: string) => Error;

/** The part of a Koa context this middleware reads. */
interface Ctx {
  path: string;
  method: string;
  status: number;
  body: unknown;
  query: Record<string, string | string[] | undefined>;
}

/** Where s3rver keeps a bucket's open uploads (one folder per upload id, its key in `key`). */
const uploadsDir = (store: ResourcePaths, bucket: string) =>
  store.getResourcePath(bucket, undefined as unknown as string, 'uploads');

/** Koa middleware: AbortMultipartUpload as S3 answers it. */
export function abortMultipartUploads(store: ResourcePaths) {
  return async (ctx: Ctx, next: () => Promise<void>): Promise<void> => {
    const id = ctx.query.uploadId;
    if (ctx.method !== 'DELETE' || typeof id !== 'string') return next();
    const [, bucket, ...rest] = decodeURIComponent(ctx.path).split('/');
    const key = rest.join('/');
    // Upload ids are s3rver's hex strings: anything else names no upload (and no path).
    if (!bucket || !key || !/^[A-Za-z0-9_-]{1,128}$/.test(id))
      throw new S3Error('NoSuchUpload', 'The specified upload does not exist.');
    const dir = path.join(uploadsDir(store, bucket), id);
    const owner = await readFile(path.join(dir, 'key'), 'utf8').catch(() => undefined);
    if (owner !== key) throw new S3Error('NoSuchUpload', 'The specified upload does not exist.');
    await rm(dir, { recursive: true, force: true });
    ctx.status = 204;
    ctx.body = null;
  };
}

/** The keys of a bucket's open multipart uploads (what ListMultipartUploads would list), for tests and checks. */
export async function openUploads(store: ResourcePaths, bucket: string): Promise<{ uploadId: string; key: string }[]> {
  const dir = uploadsDir(store, bucket);
  const ids = await readdir(dir).catch(() => [] as string[]);
  const out: { uploadId: string; key: string }[] = [];
  for (const id of ids) {
    const key = await readFile(path.join(dir, id, 'key'), 'utf8').catch(() => undefined);
    if (key !== undefined) out.push({ uploadId: id, key });
  }
  return out;
}
