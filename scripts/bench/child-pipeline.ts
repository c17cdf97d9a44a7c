/**
 * Child entry point: `child-pipeline.ts <file> <dataDir> <preset> [segmentSeconds]`.
 *
 * Runs one job on a fresh local stack and reports its wall time, its CPU split by process, and
 * the handlers' JSON log records (the parent derives the per-step timings from them). Two
 * processes: this one holds the local stand-ins of AWS (s3rver, dynalite and its limits proxy,
 * aws-local-stepfunctions running the real ASL, the event log and its PutEvents endpoint, the
 * S3 trigger); the function host (child-functions.ts, forked) runs every Task function with
 * its own runtime over HTTP, and starts ffmpeg/ffprobe. So the host's CPU with its children is
 * the work that also runs in AWS, and this process's CPU is the stand-ins'. A fresh pair of
 * processes per repetition keeps the counters to one job.
 */
import '../../src/util/quietWarnings.js';
import '../../src/local/polyfill.js';
import { fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LocalStack } from '../../src/local/stack.js';
import { startPutEventsEndpoint } from '../../src/local/packagedHandlers.js';
import { TASK_FUNCTIONS } from '../../src/local/functions.js';
import type { TaskHandler } from '../../src/local/stepFunctions.js';
import type { ExecutionProgress } from '../../src/local/stepFunctions.js';
import { runJob } from '../../test/helpers/stack.js';
import { answer, cpuDelta, cpuSum, selfCpu, threadsCpu, threadsDelta, type CpuSeconds, type RoleCpu } from './proc.js';
import { profileWindow } from './cpuProfile.js';
import type { HostAnswer, HostCpu, HostFinish, HostRequest } from './child-functions.js';

/** A handler log record (the fields the breakdown reads). */
export type LogRecord = Record<string, unknown> & { time: string; msg: string; step?: string };

/** A state change seen by the local stack's progress events, stamped on arrival. */
export interface StateMark {
  atMs: number;
  step: string;
  segmentsDone: number;
}

/** The job's CPU seconds by where the work would run. */
export interface JobCpu {
  /** What also runs in AWS: the function host's ffmpeg/ffprobe children and its own JS (handlers, SDK, libuv, GC). */
  awsPath: { ffmpeg: CpuSeconds; handlers: CpuSeconds; total: CpuSeconds };
  /** The local stand-ins: this process (s3rver, dynalite, aws-local-stepfunctions, event log, S3 trigger, the upload). */
  standIns: CpuSeconds;
  total: CpuSeconds;
}

/** What one pipeline repetition reports. */
export interface PipelineChildResult {
  status: string;
  /** Epoch ms when the upload started and when the execution had ended. */
  startedAtMs: number;
  endedAtMs: number;
  wallSec: number;
  cpu: JobCpu;
  outputs: { name: string; sizeBytes: number }[];
  /** Child processes the job started, by executable name (ffmpeg, ffprobe). */
  processes: Record<string, number>;
  /** ffmpeg/ffprobe CPU and wall by role (each process's own rusage, from GNU time); empty without /usr/bin/time. */
  roles: Record<string, RoleCpu>;
  /** CPU seconds by thread (main, other) of the function host and of the stand-ins' process, job only. */
  threads: { host: Record<string, number>; standIns: Record<string, number> };
  logs: LogRecord[];
  states: StateMark[];
}

const [file, dataDir, preset, segmentSeconds] = process.argv.slice(2);

/** The function host and a promise-returning call over its IPC channel. */
function startHost() {
  const script = fileURLToPath(new URL('./child-functions.ts', import.meta.url));
  const host = fork(script, [], {
    execArgv: ['--import', 'tsx'],
    serialization: 'advanced',
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let next = 0;
  host.on('message', (a: HostAnswer) => {
    const w = waiting.get(a.id);
    waiting.delete(a.id);
    if (a.ok) w?.resolve(a.value);
    else w?.reject(Object.assign(new Error(a.error.message), { name: a.error.name }));
  });
  host.on('exit', (code) => {
    for (const w of waiting.values()) w.reject(new Error(`function host exited (${code})`));
    waiting.clear();
  });
  // Distributive Omit keeps each request kind's own fields.
  type Body<R> = R extends HostRequest ? Omit<R, 'id'> : never;
  const call = <T>(m: Body<HostRequest>) =>
    new Promise<T>((resolve, reject) => {
      const id = next++;
      waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
      host.send({ ...m, id });
    });
  return { host, call };
}

const { host, call } = startHost();
// Every Task function runs in the host; the local stack keeps its own wiring (which Task calls which function).
const taskHandlers: Record<string, TaskHandler> = Object.fromEntries(
  TASK_FUNCTIONS.map((f) => [f.name, (input: unknown) => call({ t: 'invoke', fn: f.name, input })]),
);

const logs: LogRecord[] = [];
// Powertools' field names (message, timestamp, level in capitals) mapped to the bench's.
const toRecord = (line: string): LogRecord => {
  const r = JSON.parse(line) as Record<string, unknown>;
  return {
    ...r,
    msg: String(r.message ?? ''),
    time: String(r.timestamp ?? ''),
    level: String(r.level ?? '').toLowerCase(),
  } as LogRecord;
};

const stack = await LocalStack.start({
  dataDir,
  ...(segmentSeconds ? { segmentSeconds: Number(segmentSeconds) } : {}),
  logSink: (line) => logs.push(toRecord(line)),
  taskHandlers,
});
const events = await startPutEventsEndpoint({ put: (e) => stack.bus.put(e) });
const hostLogs = path.join(dataDir, 'function-host.jsonl');
await call({ t: 'init', config: stack.config, binaries: stack.rt.binaries, eventsUrl: events.url, logFile: hostLogs });
const states: StateMark[] = [];
stack.sfn.on('progress', (p: ExecutionProgress) => {
  const last = states[states.length - 1];
  if (!last || last.step !== p.step) states.push({ atMs: Date.now(), step: p.step, segmentsDone: p.segmentsDone });
});

// BENCH_CPU_PROF=<dir>: both processes write a CPU profile of the job (scripts/bench/cpuProfile.ts).
const stopProfile = await profileWindow('stand-ins');
const self0 = selfCpu();
const threads0 = threadsCpu();
const host0 = await call<HostCpu>({ t: 'cpu' });
const startedAtMs = Date.now();
// engine=lambda: the fan-out path even where the decider would pick ECS.
const job = await runJob(stack, file, `bench/${startedAtMs}.mp4`, { preset, engine: 'lambda' });
const endedAtMs = Date.now();
const host1 = await call<HostCpu>({ t: 'cpu' });
const standIns = cpuDelta(self0, selfCpu());
const threads = threadsDelta(threads0, threadsCpu());
await stopProfile();
const finish = await call<HostFinish>({ t: 'finish' });
host.disconnect();
await events.close();
await stack.stop();
for (const line of readFileSync(hostLogs, 'utf8').split('\n')) if (line.trim()) logs.push(toRecord(line));
await rm(dataDir, { recursive: true, force: true });

const ffmpeg = cpuDelta(host0.children, host1.children);
const handlers = cpuDelta(host0.self, host1.self);
const awsPath = { ffmpeg, handlers, total: cpuSum(ffmpeg, handlers) };
const result: PipelineChildResult = {
  status: job.detail.status,
  startedAtMs,
  endedAtMs,
  wallSec: (endedAtMs - startedAtMs) / 1000,
  cpu: { awsPath, standIns, total: cpuSum(awsPath.total, standIns) },
  outputs: (job.detail.outputs ?? []).map((o) => ({ name: o.name, sizeBytes: o.sizeBytes })),
  processes: finish.processes,
  roles: finish.roles,
  threads: { host: threadsDelta(host0.threads, host1.threads), standIns: threads },
  logs: logs.filter((l) => l.jobId === job.jobId || l.level === 'error'),
  states,
};
answer(result);
