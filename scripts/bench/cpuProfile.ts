/**
 * A V8 CPU profile of this process over a window (the job only, not the start-up), through the
 * inspector protocol: `BENCH_CPU_PROF=<dir>` makes the pipeline's two processes write one each
 * (`host.cpuprofile`, `stand-ins.cpuprofile`); scripts/bench/profile.ts reads them.
 */
import { Session } from 'node:inspector/promises';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';

/** Starts profiling when BENCH_CPU_PROF is set; the returned stop writes `<dir>/<name>.cpuprofile`. */
export async function profileWindow(name: string): Promise<() => Promise<void>> {
  const dir = process.env.BENCH_CPU_PROF;
  if (!dir) return async () => {};
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  // 1 ms sampling: a job of seconds gives thousands of samples.
  await session.post('Profiler.setSamplingInterval', { interval: 1000 });
  await session.post('Profiler.start');
  return async () => {
    const { profile } = await session.post('Profiler.stop');
    await writeFile(path.join(dir, `${name}.cpuprofile`), JSON.stringify(profile));
    session.disconnect();
  };
}
