/**
 * Process accounting for the benchmark: CPU seconds of waited-for child processes and a
 * helper that runs a benchmark child (a fresh Node process) and returns its JSON answer.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
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
export function runAccounted(command: string, args: string[], opts: { captureStdout?: boolean } = {}): Promise<Accounted<string>> {
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
      if (code !== 0) return reject(new Error(`${command} ${args.slice(0, 3).join(' ')} ... failed (${code ?? signal}): ${err.trim().split('\n').slice(-5).join(' | ')}`));
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
  const r = await runAccounted(process.execPath, ['--expose-gc', '--import', 'tsx', script, ...args], { captureStdout: true });
  const last = r.result.trim().split('\n').pop() ?? '';
  return { ...r, result: JSON.parse(last) as T };
}

/** Prints a child's answer as its last stdout line. */
export function answer(value: unknown): void {
  process.stdout.write('\n' + JSON.stringify(value) + '\n');
}
