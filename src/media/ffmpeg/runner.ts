import { spawn } from 'node:child_process';
import { EncoderError, TransientError } from '../../errors.js';
import { currentJobScope, JobStoppedError } from './jobProcesses.js';
import { ffArgs, type FfCommand } from './command.js';

/** Options of one ffmpeg/ffprobe run. */
export interface RunOptions {
  /** Kill the process after this many milliseconds. */
  timeoutMs: number;
  /** Collect stdout (ffprobe); otherwise it is discarded. */
  captureStdout?: boolean;
  /** Called with every stderr line (ffmpeg progress). */
  onStderrLine?: (line: string) => void;
  /**
   * Aborts the run (SIGTERM of the worker). Without one, the signal of the job scope the
   * caller runs in (src/media/ffmpeg/jobProcesses.ts): a canceled or failed job's process is killed.
   */
  signal?: AbortSignal;
}

/** Result of a successful run. */
export interface RunResult {
  stdout: string;
  stderrTail: string;
  durationMs: number;
}

/** A failed run: exit code or signal, and the tail of stderr. */
export class ProcessError extends Error {
  override name = 'ProcessError';
  constructor(
    message: string,
    readonly exitCode: number | null,
    readonly signal: NodeJS.Signals | null,
    readonly stderrTail: string,
    readonly timedOut: boolean,
  ) {
    super(message);
  }
}

const TAIL_BYTES = 16 * 1024;

/**
 * Runs a binary with an argument list, or an ffmpeg command (command.ts) rendered here, once
 * (never a shell), with a hard timeout and a bounded stderr tail. Rejects with ProcessError on
 * a non-zero exit, a signal or the timeout.
 */
export function runProcess(bin: string, command: string[] | FfCommand, opts: RunOptions): Promise<RunResult> {
  let args: string[];
  try {
    args = Array.isArray(command) ? command : ffArgs(command);
  } catch (err) {
    return Promise.reject(err);
  }
  const started = Date.now();
  const scope = currentJobScope();
  const abort = opts.signal ?? scope?.signal;
  // A stopped job starts nothing new (a Task scheduled or retried after its cancel).
  if (abort?.aborted && abort.reason instanceof JobStoppedError) return Promise.reject(abort.reason);
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { stdio: ['ignore', opts.captureStdout ? 'pipe' : 'ignore', 'pipe'] });
    const untrack = child.pid !== undefined && scope ? scope.track(child.pid) : () => false;
    const out: Buffer[] = [];
    let tail = '';
    let partial = '';
    let timedOut = false;
    child.stdout?.on('data', (d: Buffer) => out.push(d));
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (d: string) => {
      tail = (tail + d).slice(-TAIL_BYTES);
      if (opts.onStderrLine) {
        const lines = (partial + d).split(/\r|\n/);
        partial = lines.pop() ?? '';
        for (const l of lines) if (l) opts.onStderrLine(l);
      }
    });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, opts.timeoutMs);
    // A stopped job's output is discarded: SIGKILL ends it now, whatever the segment length
    // (SIGTERM lets ffmpeg finish writing). Other aborts (the worker's SIGTERM) pass SIGTERM on.
    const stoppedJob = () => (abort?.reason instanceof JobStoppedError ? abort.reason : undefined);
    const onAbort = () => child.kill(stoppedJob() ? 'SIGKILL' : 'SIGTERM');
    if (abort?.aborted) onAbort();
    else abort?.addEventListener('abort', onAbort, { once: true });
    child.on('error', (err) => {
      clearTimeout(timer);
      untrack();
      reject(new ProcessError(`cannot start ${bin}: ${err.message}`, null, null, '', false));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      untrack();
      abort?.removeEventListener('abort', onAbort);
      const durationMs = Date.now() - started;
      tail = redactUrls(tail);
      if (code === 0) return resolve({ stdout: Buffer.concat(out).toString('utf8'), stderrTail: tail, durationMs });
      // Not an encoder failure to retry: the job ended and its work is discarded.
      const stopped = stoppedJob();
      if (stopped) return reject(stopped);
      const why = timedOut
        ? `timed out after ${opts.timeoutMs} ms`
        : signal
          ? `killed by ${signal}`
          : `exited with code ${code}`;
      reject(new ProcessError(`${bin.split('/').pop()} ${why}: ${lastLines(tail, 3)}`, code, signal, tail, timedOut));
    });
  });
}

/**
 * ffmpeg names its input in its messages, and our inputs are presigned URLs whose query holds
 * a signature: every URL in a process's output is replaced before it can reach an error, an
 * event, a job record or a log.
 */
export function redactUrls(text: string): string {
  return text.replace(/[a-z][a-z0-9+.-]*:\/\/[^\s'"]*[^\s'":]/gi, '<input>');
}

/** The last n non-empty lines of a log, joined. */
export function lastLines(text: string, n: number): string {
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean)
    .slice(-n)
    .join(' | ');
}

/**
 * Turns a ProcessError from an encode into a pipeline error: killed or timed out runs are
 * transient (retry); a clean non-zero exit is an encoder failure.
 */
export function classifyEncodeFailure(err: unknown, what: string): never {
  if (err instanceof ProcessError) {
    if (err.timedOut) throw new TransientError('TIMEOUT', `${what}: ${err.message}`, { cause: err });
    if (err.signal) throw new TransientError('ENCODER_FAILED', `${what}: ${err.message}`, { cause: err });
    throw new EncoderError('ENCODER_FAILED', `${what}: ${err.message}`, { cause: err });
  }
  throw err;
}
