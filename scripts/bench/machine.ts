/** What the numbers were measured on: hardware, load, Node, ffmpeg. */
import os from 'node:os';
import { readFileSync } from 'node:fs';
import { resolveBinaries } from '../../src/media/ffmpeg/binaries.js';
import { runProcess } from '../../src/media/ffmpeg/runner.js';

/** The machine and toolchain of a run. */
export interface MachineInfo {
  cpuModel: string;
  cores: number;
  ramGb: number;
  kernel: string;
  node: string;
  ffmpeg: { path: string; source: string; version: string };
  ffprobe: { path: string; source: string };
}

/** The 1-, 5- and 15-minute load averages. */
export const loadAverage = (): [number, number, number] =>
  os.loadavg().map((x) => Number(x.toFixed(2))) as [number, number, number];

/** Collects the machine and toolchain facts. */
export async function machineInfo(): Promise<MachineInfo> {
  const b = resolveBinaries(process.env);
  const v = await runProcess(b.ffmpeg, ['-hide_banner', '-version'], { timeoutMs: 10_000, captureStdout: true });
  const cpuModel =
    os.cpus()[0]?.model ?? /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? 'unknown';
  return {
    cpuModel,
    cores: os.cpus().length,
    ramGb: Number((os.totalmem() / 2 ** 30).toFixed(1)),
    kernel: `${os.type()} ${os.release()}`,
    node: process.version,
    ffmpeg: { path: b.ffmpeg, source: b.source.ffmpeg, version: v.stdout.split('\n')[0].trim() },
    ffprobe: { path: b.ffprobe, source: b.source.ffprobe },
  };
}
