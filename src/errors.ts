/**
 * Error classes of the pipeline. The class `name` is what the state machine's `ErrorEquals`
 * matches, so it is stable; the `code` is what users see in the ERROR event.
 *
 * Permanent errors (bad input, unsupported media, limits) are never retried; transient ones
 * (S3 throttling, a killed worker) are.
 */

/**
 * Every machine-readable error code an ERROR event (and a job's `error.code`) can carry. The
 * table in docs/API.md, the event schema (docs/schemas/job-event.schema.json) and the OpenAPI
 * document's JobError enumerate exactly these (test/unit/errors-events.test.ts keeps them in step).
 * Who is at fault: INPUT_* the file, INVALID_* / UNKNOWN_PRESET the request, ENCODER_* and
 * SEGMENT_MISMATCH the encoder on valid input, the rest the deployment or the run.
 */
export const ERROR_CODES = [
  'INPUT_EMPTY',
  'INPUT_NOT_FOUND',
  'INPUT_UNREADABLE',
  /** Bytes are missing: the file ends before what its own index says it holds. */
  'INPUT_TRUNCATED',
  /** The bytes are there but cannot be decoded (zeroed or damaged frame data). */
  'INPUT_CORRUPT',
  /** The container's index lies: a box size, an edit list or composition offsets that do not fit the data. */
  'INPUT_INCONSISTENT',
  'INPUT_NO_VIDEO',
  'INPUT_NO_FRAMES',
  'INPUT_UNSUPPORTED',
  'INPUT_LIMIT_EXCEEDED',
  'INVALID_REQUEST',
  'INVALID_CLIP',
  'UNKNOWN_PRESET',
  /** A template (inline or stored) that does not pass its schema: every wrong field named. */
  'TEMPLATE_INVALID',
  /** A job names a template that is neither built in nor stored. */
  'UNKNOWN_TEMPLATE',
  /** The template refuses upscaling and a rung is above the source's size. */
  'UPSCALE_REFUSED',
  'SEGMENT_MISMATCH',
  'ENCODER_FAILED',
  'ENCODER_UNAVAILABLE',
  'ENCODER_UNSUPPORTED',
  /** The job's own check of its outputs failed (frames, times, joins, keyframes, bytes, quality): src/pipeline/verify.ts. */
  'VERIFICATION_FAILED',
  'TIMEOUT',
  'CONFIG',
  /** The local stack's process died while the job ran (recovered at the next start). */
  'INTERRUPTED',
  'INTERNAL',
] as const;

/** A machine-readable error code carried in the ERROR event. */
export type ErrorCode = (typeof ERROR_CODES)[number];

/** Base class: every pipeline error has a code and keeps its cause. */
export class PipelineError extends Error {
  override name = 'PipelineError';
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    // The code is part of the message because Step Functions only carries name and message
    // (as `Error` and `Cause`) from the task to the Catch.
    super(`${code}: ${message}`, options);
    this.code = code;
  }
}

/** The input cannot be transcoded as given. Never retried. */
export class InputError extends PipelineError {
  override name = 'InputError';
}

/** A request or state input did not pass its schema. Never retried. */
export class ValidationError extends PipelineError {
  override name = 'ValidationError';
  constructor(message: string, options?: { cause?: unknown }) {
    super('INVALID_REQUEST', message, options);
  }
}

/** Something that may succeed when tried again (throttling, a killed process, a network blip). */
export class TransientError extends PipelineError {
  override name = 'TransientError';
}

/** ffmpeg or ffprobe failed on input that passed the probe: a bug or an exotic stream. */
export class EncoderError extends PipelineError {
  override name = 'EncoderError';
}

/** Configuration is missing or invalid: fails at cold start. */
export class ConfigError extends PipelineError {
  override name = 'ConfigError';
  constructor(message: string) {
    super('CONFIG', message);
  }
}

/** Names of errors the state machine must not retry. */
export const PERMANENT_ERROR_NAMES = ['InputError', 'ValidationError', 'ConfigError', 'EncoderError'] as const;

const CODE_RE = /^([A-Z][A-Z_]+): ([\s\S]*)$/;

/**
 * Extracts `{code, message}` from a Step Functions `{Error, Cause}` pair. The Cause is the
 * plain message locally and a JSON document (`errorMessage`) from a cloud Lambda.
 */
export function describeFailure(error: string | undefined, cause: unknown): { code: string; message: string } {
  let message = typeof cause === 'string' ? cause : cause == null ? '' : JSON.stringify(cause);
  try {
    const parsed = JSON.parse(message) as { errorMessage?: unknown };
    if (parsed && typeof parsed.errorMessage === 'string') message = parsed.errorMessage;
  } catch {
    /* plain text cause */
  }
  const m = CODE_RE.exec(message);
  // Only the pipeline's own codes: any other upper-case prefix (a system error such as
  // `ECONNRESET: ...`) is an internal failure, its text kept whole.
  if (m && (ERROR_CODES as readonly string[]).includes(m[1])) return { code: m[1], message: m[2] };
  if (error === 'States.Timeout') return { code: 'TIMEOUT', message: message || 'A step timed out' };
  return { code: 'INTERNAL', message: message || error || 'Unknown failure' };
}

/**
 * Local stack only: an endpoint could not listen (the port is taken, the address is not on
 * this machine). `npm run serve` prints its message as one line and exits 1.
 */
export class ListenError extends Error {
  override name = 'ListenError';
  constructor(
    /** Which endpoint: `S3 endpoint`, `HTTP API`. */
    readonly endpoint: string,
    readonly address: string,
    readonly port: number,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`the ${endpoint} cannot listen on ${address}:${port}: ${reason}`, options);
  }
}
