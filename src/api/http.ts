/**
 * The API Gateway HTTP API payload (format version 2.0), only the fields the API reads, and the
 * request/response helpers every operation shares: JSON answers, body size, content type and
 * JSON parsing.
 */
import { ApiError } from './errors.js';

/** An HTTP API v2 request event (what API Gateway and the local adapter hand a handler). */
export interface HttpApiEvent {
  version: '2.0';
  routeKey: string;
  rawPath: string;
  rawQueryString: string;
  headers: Record<string, string | undefined>;
  queryStringParameters?: Record<string, string | undefined>;
  pathParameters?: Record<string, string | undefined>;
  body?: string;
  isBase64Encoded: boolean;
  requestContext: {
    requestId: string;
    routeKey?: string;
    stage?: string;
    time?: string;
    timeEpoch?: number;
    domainName?: string;
    http: { method: string; path: string; protocol?: string; sourceIp?: string; userAgent?: string };
  };
}

/** An HTTP API v2 structured response. */
export interface HttpApiResult {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
  isBase64Encoded?: boolean;
}

/** Largest request body the API reads (bytes, after base64 decoding). */
export const MAX_BODY_BYTES = 64 * 1024;

/** A JSON answer. */
export function jsonResult(statusCode: number, body: unknown, headers: Record<string, string> = {}): HttpApiResult {
  return {
    statusCode,
    headers: {
      'content-type': 'application/json; charset=utf-8',
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      ...headers,
    },
    body: JSON.stringify(body),
    isBase64Encoded: false,
  };
}

/** The error body every failure answers with. */
export function errorResult(err: ApiError, requestId?: string): HttpApiResult {
  return jsonResult(
    err.status,
    { code: err.code, message: err.message, ...(err.details !== undefined ? { details: err.details } : {}) },
    { ...err.headers, ...(requestId ? { 'x-request-id': requestId } : {}) },
  );
}

/** A header, case-insensitively (API Gateway lowercases them; tests may not). */
export function header(event: Pick<HttpApiEvent, 'headers'>, name: string): string | undefined {
  const want = name.toLowerCase();
  for (const [k, v] of Object.entries(event.headers ?? {})) if (k.toLowerCase() === want) return v;
  return undefined;
}

/** The request body as bytes (API Gateway base64-encodes non-text bodies). */
export function bodyBytes(event: Pick<HttpApiEvent, 'body' | 'isBase64Encoded'>): Buffer {
  if (event.body === undefined || event.body === null) return Buffer.alloc(0);
  return event.isBase64Encoded ? Buffer.from(event.body, 'base64') : Buffer.from(event.body, 'utf8');
}

/**
 * Reads a JSON object body: 413 beyond MAX_BODY_BYTES, 415 unless `Content-Type` is
 * `application/json` (parameters such as charset=utf-8 allowed), 400 INVALID_JSON when it does
 * not parse or is not an object.
 */
export function readJsonBody(
  event: Pick<HttpApiEvent, 'body' | 'isBase64Encoded' | 'headers'>,
): Record<string, unknown> {
  const declared = Number(header(event, 'content-length'));
  if (Number.isFinite(declared) && declared > MAX_BODY_BYTES) throw tooLarge();
  const bytes = bodyBytes(event);
  if (bytes.length > MAX_BODY_BYTES) throw tooLarge();
  const type = (header(event, 'content-type') ?? '').split(';')[0].trim().toLowerCase();
  if (type !== 'application/json') {
    throw new ApiError(
      'UNSUPPORTED_MEDIA_TYPE',
      `the body must be JSON sent with Content-Type: application/json${type ? ` (got ${type.slice(0, 100)})` : ''}`,
    );
  }
  const charset = /charset=([^;]+)/i
    .exec(header(event, 'content-type') ?? '')?.[1]
    ?.trim()
    .replace(/"/g, '')
    .toLowerCase();
  if (charset && charset !== 'utf-8' && charset !== 'utf8')
    throw new ApiError('UNSUPPORTED_MEDIA_TYPE', `the body must be UTF-8 (got charset ${charset.slice(0, 40)})`);
  if (bytes.length === 0) throw new ApiError('INVALID_JSON', 'the request body is empty; a JSON object is expected');
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new ApiError('INVALID_JSON', 'the request body is not valid UTF-8');
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new ApiError('INVALID_JSON', `the request body is not valid JSON: ${(err as Error).message.slice(0, 200)}`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new ApiError('INVALID_JSON', 'the request body must be a JSON object');
  return value as Record<string, unknown>;
}

export function tooLarge(): ApiError {
  return new ApiError('PAYLOAD_TOO_LARGE', `the request body is larger than ${MAX_BODY_BYTES} bytes`);
}
