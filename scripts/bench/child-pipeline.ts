/**
 * Child entry point: `child-pipeline.ts <file> <dataDir> <preset>`.
 *
 * Runs one job on a fresh local stack (s3rver, the real ASL, the handlers in-process, ffmpeg
 * as children) and reports its wall time, its CPU (this process plus every ffmpeg/ffprobe
 * child it waited for) and the handlers' JSON log records, from which the parent derives the
 * per-step timings. A fresh process per repetition keeps the children CPU counters exact.
 */
import '../../src/util/quietWarnings.js';
import '../../src/local/polyfill.js';
import { rm } from 'node:fs/promises';
import childProcess from 'node:child_process';
import { syncBuiltinESMExports } from 'node:module';
import { LocalStack } from '../../src/local/stack.js';
import type { ExecutionProgress } from '../../src/local/stepFunctions.js';
import { runJob } from '../../test/helpers/stack.js';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { answer, childrenCpu, cpuDelta, cpuSum, processRole, selfCpu, threadsCpu, threadsDelta, type CpuSeconds, type RoleCpu } from './proc.js';

/** A handler log record (the fields the breakdown reads). */
export type LogRecord = Record<string, unknown> & { time: string; msg: string; step?: string };

/** A state change seen by the local stack's progress events, stamped on arrival. */
export interface StateMark {
  atMs: number;
  step: string;
  segmentsDone: number;
}

/** What one pipeline repetition reports. */
export interface PipelineChildResult {
  status: string;
  /** Epoch ms when the upload started and when the execution had ended. */
  startedAtMs: number;
  endedAtMs: number;
  wallSec: number;
  /** ffmpeg/ffprobe children and the Node process (s3rver, SDK, handlers, sharp), job only. */
  cpu: { ffmpeg: CpuSeconds; node: CpuSeconds; total: CpuSeconds };
  outputs: { name: string; sizeBytes: number }[];
  /** Child processes the job started, by executable name (ffmpeg, ffprobe). */
  processes: Record<string, number>;
  /** ffmpeg/ffprobe CPU and wall by role (each process's own rusage, from GNU time); empty without /usr/bin/time. */
  roles: Record<string, RoleCpu>;
  /** The Node process's CPU seconds : main thread and other threads, job only. */
  nodeThreads: Record<string, number>;
  logs: LogRecord[];
  states: StateMark[];
}

const [file, dataDir, preset] = process.argv.slice(2);

// Count the processes the handlers start: each ffmpeg/ffprobe start costs CPU before any
// media work, and src/media/runner.ts has no hook that reports them. Replacing the builtin's
// export and syncing it reaches the runner's `import { spawn }` binding. Each one also runs
// under GNU time (`/usr/bin/time -o`), which writes the child's own rusage (wall, user, sys)
// to a file, so the job's CPU splits by process role (video encode, audio chunks, thumbnails,
// probes) instead of one "children" figure. time's own CPU (~1 ms a start) stays outside.
const processes: Record<string, number> = {};
const spawn = childProcess.spawn;
const TIME = '/usr/bin/time';
const timesDir = existsSync(TIME) ? mkdtempSync(path.join(os.tmpdir(), 'bench-times-')) : undefined;
const timed: { role: string; file: string }[] = [];
childProcess.spawn = ((cmd: string, args: readonly string[] = [], ...rest: never[]) => {
  const name = cmd.split('/').pop() ?? cmd;
  processes[name] = (processes[name] ?? 0) + 1;
  if (timesDir && (name === 'ffmpeg' || name === 'ffprobe')) {
    const role = processRole(name, args);
    const file = path.join(timesDir, `${timed.length}.txt`);
    timed.push({ role, file });
    return (spawn as (...a: unknown[]) => unknown)(TIME, ['-f', '%e %U %S', '-o', file, cmd, ...args], ...rest);
  }
  return (spawn as (...a: unknown[]) => unknown)(cmd, args, ...rest);
}) as typeof spawn;
syncBuiltinESMExports();

const logs: LogRecord[] = [];
// Powertools' field names (message, timestamp, level in capitals) mapped to the bench's.
const logSink = (line: string) => {
  const r = JSON.parse(line) as Record<string, unknown>;
  logs.push({ ...r, msg: String(r.message ?? ''), time: String(r.timestamp ?? ''), level: String(r.level ?? '').toLowerCase() } as LogRecord);
};

const stack = await LocalStack.start({ dataDir, logSink });
const states: StateMark[] = [];
stack.sfn.on('progress', (p: ExecutionProgress) => {
  const last = states[states.length - 1];
  if (!last || last.step !== p.step) states.push({ atMs: Date.now(), step: p.step, segmentsDone: p.segmentsDone });
});
for (const k of Object.keys(processes)) delete processes[k];
timed.length = 0;
const self0 = selfCpu();
const threads0 = threadsCpu();
const kids0 = childrenCpu();
const startedAtMs = Date.now();
// engine=lambda: the fan-out path (Split, Map, Concat) even where the decider would pick ECS.
const job = await runJob(stack, file, `bench/${startedAtMs}.mp4`, { preset, engine: 'lambda' });
const endedAtMs = Date.now();
const ffmpeg = cpuDelta(kids0, childrenCpu());
const node = cpuDelta(self0, selfCpu());
const nodeThreads = threadsDelta(threads0, threadsCpu());
await stack.stop();
await rm(dataDir, { recursive: true, force: true });
const roles: Record<string, RoleCpu> = {};
for (const t of timed) {
  // "wall user sys" on the last line (earlier lines: a signal or exit status note).
  const [wall, user, sys] = readFileSync(t.file, 'utf8').trim().split('\n').pop()!.split(' ').map(Number);
  const r = (roles[t.role] ??= { count: 0, wallSec: 0, cpu: { user: 0, sys: 0, total: 0 } });
  r.count++;
  r.wallSec += wall;
  r.cpu = cpuSum(r.cpu, { user, sys, total: user + sys });
}
if (timesDir) await rm(timesDir, { recursive: true, force: true });

const result: PipelineChildResult = {
  status: job.detail.status,
  startedAtMs,
  endedAtMs,
  wallSec: (endedAtMs - startedAtMs) / 1000,
  cpu: { ffmpeg, node, total: cpuSum(ffmpeg, node) },
  outputs: (job.detail.outputs ?? []).map((o) => ({ name: o.name, sizeBytes: o.sizeBytes })),
  processes,
  roles,
  nodeThreads,
  logs: logs.filter((l) => l.jobId === job.jobId || l.level === 'error'),
  states,
};
answer(result);
