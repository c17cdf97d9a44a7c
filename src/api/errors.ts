/**
 * Errors of the HTTP API. Every error answer is a JSON body `{"code", "message"}` with the
 * status of its code (docs/API.md lists them; docs/openapi.json has the same table).
 */
import { PipelineError, TransientError, ValidationError } from '../errors.js';
import { JobRecordInvalidError } from '../pipeline/jobStore.js';
import { TemplateInvalidError } from '../templates/schema.js';
import { TemplateBuiltInError } from '../templates/store.js';

/** Every code the API answers with, and its HTTP status. */
export const API_ERRORS = {
  INVALID_JSON: 400,
  INVALID_REQUEST: 400,
  INVALID_CLIP: 400,
  INVALID_JOB_ID: 400,
  UNKNOWN_PRESET: 400,
  UNKNOWN_TEMPLATE: 400,
  TEMPLATE_INVALID: 400,
  SOURCE_NOT_ALLOWED: 400,
  UNSUPPORTED_FILE_TYPE: 400,
  FORBIDDEN_HOST: 403,
  NOT_FOUND: 404,
  JOB_NOT_FOUND: 404,
  TEMPLATE_NOT_FOUND: 404,
  SOURCE_NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  JOB_ALREADY_FINAL: 409,
  TEMPLATE_BUILT_IN: 409,
  TOO_MANY_TEMPLATES: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  CLIP_OUT_OF_RANGE: 422,
  SOURCE_EMPTY: 422,
  SOURCE_TOO_LARGE: 422,
  SOURCE_UNREADABLE: 422,
  SOURCE_UNSUPPORTED: 422,
  INTERNAL: 500,
  JOB_RECORD_INVALID: 500,
  SERVICE_UNAVAILABLE: 503,
} as const;

export type ApiErrorCode = keyof typeof API_ERRORS;

/** An error answered to the caller as is. */
export class ApiError extends Error {
  override name = 'ApiError';
  readonly status: number;
  /** Extra response headers (Retry-After). */
  readonly headers: Record<string, string>;
  /** Machine-readable detail answered beside code and message (TEMPLATE_INVALID: every wrong field). */
  readonly details?: unknown;
  constructor(
    readonly code: ApiErrorCode,
    message: string,
    options?: { cause?: unknown; headers?: Record<string, string>; details?: unknown },
  ) {
    super(message, options);
    this.status = API_ERRORS[code];
    this.headers = options?.headers ?? {};
    if (options?.details !== undefined) this.details = options.details;
  }
}

/** Seconds a client should wait before retrying a 503. */
export const RETRY_AFTER_SECONDS = 5;

/** An AWS SDK error that is worth retrying later (throttling, 5xx, network). */
function isTransientAwsError(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number }; $retryable?: unknown };
  const status = e?.$metadata?.httpStatusCode ?? 0;
  if (status >= 500 || status === 429) return true;
  if (e?.$retryable) return true;
  return [
    'ThrottlingException',
    'TooManyRequestsException',
    'SlowDown',
    'TimeoutError',
    'RequestTimeout',
    'ServiceUnavailable',
    'ECONNRESET',
    'ECONNREFUSED',
  ].includes(e?.name ?? '');
}

/**
 * Turns anything thrown by an operation into an ApiError: ApiErrors as they are, transient
 * failures as 503 (with Retry-After), everything else as 500 with a message that leaks nothing.
 */
export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof TransientError || isTransientAwsError(err)) {
    return new ApiError('SERVICE_UNAVAILABLE', 'the service is temporarily unavailable; retry later', {
      cause: err,
      headers: { 'retry-after': String(RETRY_AFTER_SECONDS) },
    });
  }
  // A stored record that does not match the schema is reported as such, never served.
  if (err instanceof JobRecordInvalidError)
    return new ApiError(
      'JOB_RECORD_INVALID',
      `the stored record of job ${err.jobId} is invalid (it does not match the job record schema); it is logged with the x-request-id`,
      { cause: err },
    );
  if (err instanceof ValidationError)
    return new ApiError('INVALID_REQUEST', err.message.replace(/^INVALID_REQUEST: /, ''), { cause: err });
  if (err instanceof TemplateInvalidError)
    return new ApiError('TEMPLATE_INVALID', err.message.replace(/^TEMPLATE_INVALID: /, ''), {
      cause: err,
      details: err.problems,
    });
  if (err instanceof TemplateBuiltInError) return new ApiError('TEMPLATE_BUILT_IN', err.message, { cause: err });
  if (err instanceof PipelineError && err.code === 'UNKNOWN_TEMPLATE')
    return new ApiError('UNKNOWN_TEMPLATE', err.message.replace(/^UNKNOWN_TEMPLATE: /, ''), { cause: err });
  if (err instanceof PipelineError && err.code === 'UNKNOWN_PRESET')
    return new ApiError('UNKNOWN_PRESET', err.message.replace(/^UNKNOWN_PRESET: /, ''), { cause: err });
  return new ApiError('INTERNAL', 'internal error', { cause: err });
}
