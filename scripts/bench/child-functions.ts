/**
 * Child entry point (forked by child-pipeline.ts with an IPC channel): the function host.
 *
 * Runs the state machine's Task functions (the same definitions the local stack calls
 * in-process) in a Node process of their own, with their own runtime talking to the local
 * stack's S3, DynamoDB and EventBridge stand-ins over HTTP, as a Lambda does to AWS. So this
 * process's CPU, with its ffmpeg/ffprobe children, is the work that also runs in AWS (the
 * handlers' JS, the SDK clients, ffmpeg), and the stack's process keeps only the stand-ins
 * (s3rver, dynalite, aws-local-stepfunctions, the event log): per-process rusage splits the two
 * with no sampling or guessing.
 *
 * Messages in: `init` (config, binaries, PutEvents URL, log file), `invoke` (function name,
 * input), `cpu` (CPU so far), `finish` (per-role ffmpeg rusage; logs flushed). Every answer
 * carries the request's `id`.
 */
import '../../src/util/quietWarnings.js';
import childProcess from 'node:child_process';
import { createWriteStream, existsSync, mkdtempSync, readFileSync, type WriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { syncBuiltinESMExports } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { createRuntime, type Runtime } from '../../src/runtime.js';
import type { Config } from '../../src/config.js';
import type { Binaries } from '../../src/media/ffmpeg/binaries.js';
import { createS3Client } from '../../src/aws/s3.js';
import { createDynamoClient } from '../../src/aws/dynamodb.js';
import { EventBridgePublisher } from '../../src/aws/events.js';
import { JobStore } from '../../src/pipeline/jobStore.js';
import { TASK_FUNCTIONS } from '../../src/local/functions.js';
import { LOCAL_CREDENTIALS } from '../../src/local/stack.js';
import { LOCAL_DB_CREDENTIALS } from '../../src/local/jobsDb.js';
import { profileWindow } from './cpuProfile.js';
import { childrenCpu, cpuSum, processRole, selfCpu, threadsCpu, type CpuSeconds, type RoleCpu } from './proc.js';

/** A request from the stack's process. */
export type HostRequest =
  | { t: 'init'; id: number; config: Config; binaries: Binaries; eventsUrl: string; logFile: string }
  | { t: 'invoke'; id: number; fn: string; input: unknown }
  | { t: 'cpu'; id: number }
  | { t: 'finish'; id: number };

/** This process's CPU so far: itself (handlers, SDK, libuv, GC) and its waited-for children (ffmpeg, ffprobe). */
export interface HostCpu {
  self: CpuSeconds;
  children: CpuSeconds;
  threads: Record<string, number>;
}

/** What `finish` answers: the ffmpeg/ffprobe processes started and their rusage by role. */
export interface HostFinish {
  processes: Record<string, number>;
  roles: Record<string, RoleCpu>;
}

/** An answer; `error` keeps the thrown error's `name` (the state machine's Retry/Catch match it). */
export type HostAnswer =
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; error: { name: string; message: string } };

// Count the processes the handlers start and run each ffmpeg/ffprobe under GNU time
// (`/usr/bin/time -o`: the child's own rusage), so the job's ffmpeg CPU splits by role.
// src/media/ffmpeg/runner.ts has no hook for it: replacing the builtin's export and syncing it
// reaches the runner's `import { spawn }` binding. time's own CPU (~1 ms a start) stays outside.
const processes: Record<string, number> = {};
const spawn = childProcess.spawn;
const TIME = '/usr/bin/time';
const timesDir = existsSync(TIME) ? mkdtempSync(path.join(os.tmpdir(), 'bench-times-')) : undefined;
const timed: { role: string; file: string }[] = [];
childProcess.spawn = ((cmd: string, args: readonly string[] = [], ...rest: never[]) => {
  const name = cmd.split('/').pop() ?? cmd;
  processes[name] = (processes[name] ?? 0) + 1;
  if (timesDir && (name === 'ffmpeg' || name === 'ffprobe')) {
    const file = path.join(timesDir, `${timed.length}.txt`);
    timed.push({ role: processRole(name, args), file });
    return (spawn as (...a: unknown[]) => unknown)(TIME, ['-f', '%e %U %S', '-o', file, cmd, ...args], ...rest);
  }
  return (spawn as (...a: unknown[]) => unknown)(cmd, args, ...rest);
}) as typeof spawn;
syncBuiltinESMExports();

let rt: Runtime | undefined;
/** Ends the job's CPU profile (BENCH_CPU_PROF), started at the first `cpu` request. */
let stopProfile: (() => Promise<void>) | undefined;
let logs: WriteStream | undefined;

function roles(): Record<string, RoleCpu> {
  const out: Record<string, RoleCpu> = {};
  for (const t of timed) {
    // "wall user sys" on the last line (earlier lines: a signal or exit status note).
    const [wall, user, sys] = readFileSync(t.file, 'utf8').trim().split('\n').pop()!.split(' ').map(Number);
    const r = (out[t.role] ??= { count: 0, wallSec: 0, cpu: { user: 0, sys: 0, total: 0 } });
    r.count++;
    r.wallSec += wall;
    r.cpu = cpuSum(r.cpu, { user, sys, total: user + sys });
  }
  return out;
}

async function handle(m: HostRequest): Promise<unknown> {
  switch (m.t) {
    case 'init': {
      const c = m.config;
      logs = createWriteStream(m.logFile);
      const sink = (line: string) => void logs!.write(line.endsWith('\n') ? line : `${line}\n`);
      rt = createRuntime(c, {
        s3: createS3Client(c, LOCAL_CREDENTIALS),
        jobs: new JobStore(createDynamoClient(c, LOCAL_DB_CREDENTIALS), c.JOBS_TABLE),
        // The real EventBridge client against the stack's PutEvents endpoint, as in AWS.
        events: new EventBridgePublisher(
          new EventBridgeClient({ region: c.AWS_REGION, endpoint: m.eventsUrl, credentials: LOCAL_CREDENTIALS }),
        ),
        callbacks: { allowLoopback: true },
        binaries: m.binaries,
        logSink: sink,
      });
      // Only the job's processes are counted: none ran before init.
      for (const k of Object.keys(processes)) delete processes[k];
      timed.length = 0;
      return null;
    }
    case 'invoke': {
      const f = TASK_FUNCTIONS.find((x) => x.name === m.fn);
      if (!f) throw new Error(`function host: no function ${m.fn}`);
      if (!rt) throw new Error('function host: invoked before init');
      return f.invoke(rt, m.input);
    }
    case 'cpu':
      stopProfile ??= await profileWindow('host');
      return { self: selfCpu(), children: childrenCpu(), threads: threadsCpu() } satisfies HostCpu;
    case 'finish': {
      await stopProfile?.();
      await new Promise<void>((resolve) => (logs ? logs.end(resolve) : resolve()));
      const r: HostFinish = { processes: { ...processes }, roles: roles() };
      if (timesDir) await rm(timesDir, { recursive: true, force: true });
      return r;
    }
  }
}

process.on('message', (m: HostRequest) => {
  handle(m).then(
    (value) => process.send!({ id: m.id, ok: true, value: value === undefined ? null : value } satisfies HostAnswer),
    (err: unknown) => {
      const e = err instanceof Error ? err : new Error(String(err));
      process.send!({ id: m.id, ok: false, error: { name: e.name, message: e.message } } satisfies HostAnswer);
    },
  );
});
// The stack's process going away ends this one (its IPC channel closes).
process.on('disconnect', () => process.exit(0));
