/**
 * The running ffmpeg/ffprobe processes of each job in this process, so that a cancel or the
 * job's failure ends them at once instead of waiting for the encoders to finish (a Task that is
 * already running is not stopped by StopExecution: the local runner waits for it, and in AWS a
 * running Lambda runs to completion).
 *
 * A function invocation runs its body inside its job's scope (src/pipeline/handler.ts); every
 * process src/media/ffmpeg/runner.ts starts in that scope takes the scope's AbortSignal, so no step
 * has to pass a signal through by hand. Once a job is stopped, its scope stays aborted: a Task
 * the state machine still schedules or retries for it cannot start a new process.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

/** A job's processes were ended because the job was canceled or failed: its work is discarded. */
export class JobStoppedError extends Error {
  override name = 'JobStopped';
  constructor(
    readonly jobId: string,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`job ${jobId} was stopped (${reason}): its running work is discarded`, options);
  }
}

/** What a process started inside a job's scope sees. */
export interface JobScope {
  jobId: string;
  signal: AbortSignal;
  /** Registers a started process; returns its unregistration. */
  track(pid: number): () => void;
}

const scopes = new AsyncLocalStorage<JobScope>();

/** The scope of the job whose code is running now, if any (src/media/ffmpeg/runner.ts asks). */
export const currentJobScope = (): JobScope | undefined => scopes.getStore();

/**
 * Stopped jobs remembered so a late Task of theirs starts nothing. Bounded: a job is stopped
 * once, and a Task of it arrives within its execution's life, far fewer than this many jobs
 * later (a pessimistic bound: the local runner's Map concurrency is the number of cores).
 */
const MAX_STOPPED_REMEMBERED = 10_000;

interface Entry {
  controller: AbortController;
  pids: Set<number>;
  users: number;
}

/** The registry: one per runtime (src/runtime.ts). */
export class JobProcesses {
  private readonly jobs = new Map<string, Entry>();
  private readonly stopped = new Map<string, JobStoppedError>();

  /** Runs `fn` in the scope of `jobId`: the processes it starts are ended if the job is stopped. */
  async run<T>(jobId: string, fn: () => Promise<T>): Promise<T> {
    let e = this.jobs.get(jobId);
    if (!e) {
      e = { controller: new AbortController(), pids: new Set(), users: 0 };
      const gone = this.stopped.get(jobId);
      if (gone) e.controller.abort(gone);
      this.jobs.set(jobId, e);
    }
    const entry = e;
    entry.users++;
    const scope: JobScope = {
      jobId,
      signal: entry.controller.signal,
      track: (pid) => {
        entry.pids.add(pid);
        return () => entry.pids.delete(pid);
      },
    };
    try {
      return await scopes.run(scope, fn);
    } finally {
      if (--entry.users === 0 && this.jobs.get(jobId) === entry) this.jobs.delete(jobId);
    }
  }

  /**
   * Stops the job: every running process of it is ended (SIGKILL: its output is discarded) and
   * no new one starts. Returns the pids that were running.
   */
  stop(jobId: string, reason: string): number[] {
    const err = this.stopped.get(jobId) ?? new JobStoppedError(jobId, reason);
    this.stopped.set(jobId, err);
    if (this.stopped.size > MAX_STOPPED_REMEMBERED) this.stopped.delete(this.stopped.keys().next().value!);
    const e = this.jobs.get(jobId);
    if (!e) return [];
    const pids = [...e.pids];
    if (!e.controller.signal.aborted) e.controller.abort(err);
    return pids;
  }

  /** The pids of the job's running processes. */
  pids(jobId: string): number[] {
    return [...(this.jobs.get(jobId)?.pids ?? [])];
  }

  /** Whether the job has been stopped in this process. */
  isStopped(jobId: string): boolean {
    return this.stopped.has(jobId);
  }
}
