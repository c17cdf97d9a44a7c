/**
 * The checks `POST /jobs` makes on a source before starting anything: the object exists (HEAD),
 * is not empty or above the size limit, and ffprobe reads its container's duration over a
 * presigned URL, with the same protocol and format whitelists as the pipeline's own probe
 * (src/media/probe/probe.ts), so a playlist or a file referencing other URLs is refused here too.
 */
import type { Runtime } from '../runtime.js';
import { headObject, presignGet, type S3Location } from '../aws/s3.js';
import { InputError } from '../errors.js';
import { protocolWhitelist } from '../media/probe/probe.js';
import { FORMAT_REFUSED_RE, SOURCE_FORMATS } from '../media/ffmpeg/whitelists.js';
import { runProcess, ProcessError, lastLines } from '../media/ffmpeg/runner.js';
import { ApiError, RETRY_AFTER_SECONDS } from './errors.js';

/** Longest the API waits for ffprobe (API Gateway answers 503 itself after 30 s). */
export const SOURCE_PROBE_TIMEOUT_MS = 15_000;

/** What the API knows about a source after the checks. */
export interface SourceFacts {
  sizeBytes: number;
  etag: string;
  formatName?: string;
  /** Container duration in seconds; undefined when the container does not say. */
  durationSec?: number;
}

/** ffprobe arguments of the container-level probe: format name and duration only (pure). */
export function buildDurationProbeArgs(url: string): string[] {
  return [
    '-v',
    'error',
    '-hide_banner',
    '-protocol_whitelist',
    protocolWhitelist(url),
    '-format_whitelist',
    SOURCE_FORMATS,
    '-show_entries',
    'format=format_name,duration',
    '-of',
    'json',
    url,
  ];
}

/** Reads ffprobe's JSON answer of buildDurationProbeArgs. */
export function parseDurationProbe(json: string): { formatName?: string; durationSec?: number } {
  try {
    const j = JSON.parse(json) as { format?: { format_name?: string; duration?: string } };
    const d = Number(j.format?.duration);
    return { formatName: j.format?.format_name, durationSec: Number.isFinite(d) && d > 0 ? d : undefined };
  } catch {
    return {};
  }
}

const unavailable = (message: string, cause: unknown) =>
  new ApiError('SERVICE_UNAVAILABLE', message, { cause, headers: { 'retry-after': String(RETRY_AFTER_SECONDS) } });

/** HEAD, size checks and the duration probe; every refusal is an ApiError with a clear code. */
export async function checkSource(
  rt: Runtime,
  loc: S3Location,
  timeoutMs = SOURCE_PROBE_TIMEOUT_MS,
): Promise<SourceFacts> {
  let head: Awaited<ReturnType<typeof headObject>>;
  try {
    head = await headObject(rt.s3, loc);
  } catch (err) {
    if (err instanceof InputError && err.code === 'INPUT_NOT_FOUND')
      throw new ApiError('SOURCE_NOT_FOUND', `the source object s3://${loc.bucket}/${loc.key} does not exist`, {
        cause: err,
      });
    // S3 refusing the request itself (400: a key it will not take) will refuse it every time:
    // the caller's error, never a 5xx. (403 is the pipeline's permissions: stays a 500.)
    if ((err as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode === 400) {
      throw new ApiError('INVALID_REQUEST', `the storage refuses the source key (${(err as Error).name})`, {
        cause: err,
      });
    }
    throw err;
  }
  if (head.size === 0) throw new ApiError('SOURCE_EMPTY', 'the source object is empty (0 bytes)');
  if (head.size > rt.config.MAX_INPUT_BYTES)
    throw new ApiError(
      'SOURCE_TOO_LARGE',
      `the source is ${head.size} bytes; the limit is ${rt.config.MAX_INPUT_BYTES}`,
    );
  const url = await presignGet(rt.s3, loc, 300);
  let stdout: string;
  try {
    stdout = (await runProcess(rt.binaries.ffprobe, buildDurationProbeArgs(url), { timeoutMs, captureStdout: true }))
      .stdout;
  } catch (err) {
    if (!(err instanceof ProcessError)) throw err;
    if (err.timedOut) throw unavailable('reading the source took too long; retry later', err);
    if (FORMAT_REFUSED_RE.test(err.stderrTail)) {
      throw new ApiError(
        'SOURCE_UNSUPPORTED',
        'the container format is not accepted (playlists, concat lists, image sequences and other formats that reference other files are refused)',
        { cause: err },
      );
    }
    // The object exists (HEAD said so): an HTTP error from S3 here is ours, not the caller's.
    if (/Server returned 5\d\d|Connection refused|Connection reset|timed out/i.test(err.stderrTail))
      throw unavailable('the source could not be read right now; retry later', err);
    if (/Server returned 4\d\d/i.test(err.stderrTail))
      throw new ApiError('INTERNAL', 'the API could not read the source object', { cause: err });
    throw new ApiError(
      'SOURCE_UNREADABLE',
      `the source is not a readable media file: ${lastLines(err.stderrTail, 1).slice(0, 300) || 'ffprobe failed'}`,
      { cause: err },
    );
  }
  return { sizeBytes: head.size, etag: head.etag, ...parseDurationProbe(stdout) };
}
