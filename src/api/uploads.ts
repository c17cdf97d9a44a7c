/**
 * `POST /uploads`: a presigned PUT URL into the ingest bucket, under `uploads/<uuid>/<name>`.
 * The upload itself starts the job, through the same ingest trigger as any other object.
 */
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { isVideoKey, VIDEO_SUFFIXES } from '../pipeline/ingest.js';
import { ApiError } from './errors.js';

/** How long an upload URL is valid. */
export const UPLOAD_URL_SECONDS = 900;
export const UPLOAD_PREFIX = 'uploads/';
const MAX_NAME = 200;

const CONTENT_TYPES: Record<string, string> = {
  '.mp4': 'video/mp4',
  '.m4v': 'video/x-m4v',
  '.mov': 'video/quicktime',
  '.mkv': 'video/x-matroska',
  '.webm': 'video/webm',
  '.avi': 'video/x-msvideo',
  '.mpg': 'video/mpeg',
  '.mpeg': 'video/mpeg',
  '.ts': 'video/mp2t',
  '.mts': 'video/mp2t',
  '.m2ts': 'video/mp2t',
  '.mxf': 'application/mxf',
  '.flv': 'video/x-flv',
  '.3gp': 'video/3gpp',
  '.wmv': 'video/x-ms-wmv',
  '.ogv': 'video/ogg',
  '.vob': 'video/mpeg',
};

/**
 * A file name safe as the last part of a key: the base name only (no folders, either slash),
 * letters, digits, `.`, `_` and `-` (anything else becomes `_`), no leading dots or dashes,
 * at most 200 characters with the extension kept.
 */
export function sanitizeFilename(name: string): string {
  const base = name.split(/[/\\]/).pop() ?? '';
  let s = base
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^A-Za-z0-9._-]+/g, '_')
    .replace(/_+/g, '_')
    .replace(/^[._-]+/, '');
  if (s.length > MAX_NAME) {
    const ext = path.extname(s).slice(0, 10);
    s = s.slice(0, MAX_NAME - ext.length) + ext;
  }
  return s;
}

/** The Content-Type of an upload: the caller's, else one from the suffix. */
export function contentTypeFor(name: string): string {
  return CONTENT_TYPES[path.extname(name).toLowerCase()] ?? 'application/octet-stream';
}

export interface UploadTicket {
  uploadUrl: string;
  method: 'PUT';
  headers: Record<string, string>;
  bucket: string;
  key: string;
  source: string;
  expiresAt: string;
  expiresInSeconds: number;
}

/** Builds the presigned PUT of a new upload. */
export async function createUploadTicket(
  s3: S3Client,
  bucket: string,
  filename: string,
  contentType: string | undefined,
  now = new Date(),
): Promise<UploadTicket> {
  const name = sanitizeFilename(filename);
  if (!name || !isVideoKey(name)) {
    throw new ApiError(
      'UNSUPPORTED_FILE_TYPE',
      `filename must end in a video suffix (${VIDEO_SUFFIXES.join(' ')}); got "${filename.slice(0, 100)}"`,
    );
  }
  const key = `${UPLOAD_PREFIX}${randomUUID()}/${name}`;
  const type = contentType ?? contentTypeFor(name);
  const uploadUrl = await getSignedUrl(s3, new PutObjectCommand({ Bucket: bucket, Key: key, ContentType: type }), {
    expiresIn: UPLOAD_URL_SECONDS,
  });
  return {
    uploadUrl,
    method: 'PUT',
    headers: { 'content-type': type },
    bucket,
    key,
    source: `s3://${bucket}/${key}`,
    expiresAt: new Date(now.getTime() + UPLOAD_URL_SECONDS * 1000).toISOString(),
    expiresInSeconds: UPLOAD_URL_SECONDS,
  };
}
