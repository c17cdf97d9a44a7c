/**
 * Process accounting for the benchmark: CPU seconds of waited-for child processes and a
 * helper that runs a benchmark child (a fresh Node process) and returns its JSON answer.
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** User-space clock ticks per second of /proc times (USER_HZ is 100 on every Linux ABI). */
const USER_HZ = 100;

/** CPU seconds, split into user and system time. */
export interface CpuSeconds {
  user: number;
  sys: number;
  total: number;
}

const cpu = (user: number, sys: number): CpuSeconds => ({ user, sys, total: user + sys });

/**
 * CPU seconds of every child this process has waited for (and of their waited-for
 * descendants): fields cutime and cstime of /proc/self/stat. Node has no API for it, and
 * ffmpeg children are exactly what the pipeline's CPU time is made of.
 */
export function childrenCpu(): CpuSeconds {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  // Fields after the command name (which may contain spaces) start at field 3 ("state").
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return cpu(Number(f[13]) / USER_HZ, Number(f[14]) / USER_HZ);
}

/** CPU seconds of this process itself (all threads: s3rver, the SDK, libuv, sharp). */
export function selfCpu(): CpuSeconds {
  const u = process.cpuUsage();
  return cpu(u.user / 1e6, u.system / 1e6);
}

/**
 * CPU seconds of this process's main thread (the event loop: s3rver, the SDK, the handlers)
 * and of its other threads together (libuv's pool: file I/O, crypto; V8's GC and compiler
 * helpers), from /proc/self/task/<tid>/stat. Node 20 names none of its threads, so they are
 * told apart by id only: the main thread's id is the process id.
 */
export function threadsCpu(): Record<string, number> {
  const out: Record<string, number> = { main: 0, other: 0 };
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out[Number(tid) === process.pid ? 'main' : 'other'] += (Number(f[11]) + Number(f[12])) / USER_HZ;
    } catch {
      /* the thread ended */
    }
  }
  return out;
}

/** `b - a` of two threadsCpu() readings. (Threads that ended in between are lost from `other`.) */
export function threadsDelta(a: Record<string, number>, b: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(b).map(([k, v]) => [k, v - (a[k] ?? 0)]));
}

/** `b - a`, field by field. */
export function cpuDelta(a: CpuSeconds, b: CpuSeconds): CpuSeconds {
  return cpu(b.user - a.user, b.sys - a.sys);
}

/** `a + b`, field by field. */
export function cpuSum(a: CpuSeconds, b: CpuSeconds): CpuSeconds {
  return cpu(a.user + b.user, a.sys + b.sys);
}

/** Outcome of one child process run under accounting. */
export interface Accounted<T> {
  result: T;
  wallMs: number;
  /** CPU of the whole process tree, startup (TypeScript loading) included. */
  treeCpu: CpuSeconds;
}

/**
 * Runs `command args` and waits for it, measuring wall time and the CPU of its whole tree
 * (the delta of this process's children counters, so nothing else may run children meanwhile).
 */
export function runAccounted(
  command: string,
  args: string[],
  opts: { captureStdout?: boolean } = {},
): Promise<Accounted<string>> {
  const before = childrenCpu();
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', opts.captureStdout ? 'pipe' : 'ignore', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout?.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (err = (err + d).slice(-8000)));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const wallMs = performance.now() - started;
      if (code !== 0)
        return reject(
          new Error(
            `${command} ${args.slice(0, 3).join(' ')} ... failed (${code ?? signal}): ${err.trim().split('\n').slice(-5).join(' | ')}`,
          ),
        );
      resolve({ result: out, wallMs, treeCpu: cpuDelta(before, childrenCpu()) });
    });
  });
}

/**
 * Runs one of the benchmark's child entry points (`child-*.ts` next to this file) in a fresh
 * Node process, so its peak RSS and children CPU belong to that one measurement. The child
 * prints one JSON document on its last stdout line.
 */
export async function runBenchChild<T>(entry: string, args: string[]): Promise<Accounted<T>> {
  const script = fileURLToPath(new URL(entry, import.meta.url));
  // --expose-gc lets a child collect garbage before reading its memory baseline.
  const r = await runAccounted(process.execPath, ['--expose-gc', '--import', 'tsx', script, ...args], {
    captureStdout: true,
  });
  const last = r.result.trim().split('\n').pop() ?? '';
  return { ...r, result: JSON.parse(last) as T };
}

/** Prints a child's answer as its last stdout line. */
export function answer(value: unknown): void {
  process.stdout.write(`\n${JSON.stringify(value)}\n`);
}

/** CPU and wall time of the processes of one role, summed. */
export interface RoleCpu {
  count: number;
  wallSec: number;
  cpu: CpuSeconds;
}

/**
 * What an ffmpeg/ffprobe process of the pipeline is doing, from its arguments: the segment's
 * video encode (it names a video encoder), an audio chunk (an audio encoder and no video one),
 * or both in one process (a segment with its audio chunks), the thumbnails (keyframes only) and the poster (one PNG frame), the capability checks
 * (`-version`, `-encoders`, `-filters`, the CMAF check's test encode of a lavfi source), probes.
 */
export function processRole(name: string, args: readonly string[]): string {
  if (name === 'ffprobe') return 'ffprobe';
  const has = (a: string) => args.includes(a);
  if (has('-version') || has('-encoders') || has('-filters') || args.some((a) => a === 'lavfi'))
    return 'ffmpeg: capability checks';
  if (has('-c:v') && args[args.indexOf('-c:v') + 1] !== 'png')
    return has('-c:a') ? 'ffmpeg: segment (video, audio chunks, stills)' : 'ffmpeg: video encode';
  if (has('-c:a')) return 'ffmpeg: audio';
  if (has('-skip_frame')) return 'ffmpeg: thumbnails';
  if (has('png')) return 'ffmpeg: poster';
  if (has('segment')) return 'ffmpeg: split';
  return 'ffmpeg: other';
}
