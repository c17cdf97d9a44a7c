/**
 * Child entry point: `child-quota.ts <file> <dataDir> <preset> <ffmpegWrapper>`.
 *
 * One job on a fresh local stack whose Map runs ONE segment at a time (mapConcurrency 1, so
 * SEGMENT_WORKERS_PER_HOST 1 and the encoder threads a Lambda worker gets:
 * src/media/encode/encoderStats.ts encoderThreads), every ffmpeg started through the wrapper that
 * workerQuota.ts wrote: the wrapper puts each segment process in the CPU-quota cgroup, evicts
 * ffmpeg's binary and libraries from the page cache first (a fresh Lambda sandbox reads them
 * from its layer) and records its wall, user and system seconds. The real handlers build the
 * arguments (src/pipeline/steps/segment.ts): nothing here rebuilds them.
 */
import '../../src/util/quietWarnings.js';
import '../../src/local/polyfill.js';
import { rm } from 'node:fs/promises';
import { LocalStack } from '../../src/local/stack.js';
import { resolveBinaries } from '../../src/media/ffmpeg/binaries.js';
import { runJob } from '../../test/helpers/stack.js';
import { answer } from './proc.js';
import type { LogRecord } from './child-pipeline.js';

/** What the quota child reports. */
export interface QuotaChildResult {
  status: string;
  wallSec: number;
  /** The segment handlers' own records (`segment done`: frames, encodeMs, totalMs, threads). */
  segments: { index: number; frames: number; encodeMs: number; totalMs: number; threads: number }[];
  /** The job's outputs (name, bytes): the encoded bytes per second of real content. */
  outputs: { name: string; sizeBytes: number }[];
}

const [file, dataDir, preset, wrapper] = process.argv.slice(2);
const logs: LogRecord[] = [];
const logSink = (line: string) => {
  const r = JSON.parse(line) as Record<string, unknown>;
  logs.push({ ...r, msg: String(r.message ?? ''), time: String(r.timestamp ?? '') } as LogRecord);
};
const real = resolveBinaries(process.env);
const stack = await LocalStack.start({
  dataDir,
  logSink,
  mapConcurrency: 1,
  binaries: { ...real, ffmpeg: wrapper, source: { ...real.source, ffmpeg: 'bench quota wrapper' } },
});
const t0 = Date.now();
const job = await runJob(stack, file, `bench/quota-${t0}.mp4`, { preset, engine: 'lambda' });
const wallSec = (Date.now() - t0) / 1000;
await stack.stop();
await rm(dataDir, { recursive: true, force: true });
const segments = logs
  .filter((l) => l.msg === 'segment done')
  .map((l) => ({
    index: Number(l.index),
    frames: Number(l.frames),
    encodeMs: Number(l.encodeMs),
    totalMs: Number(l.totalMs),
    threads: Number(l.threads),
  }))
  .sort((a, b) => a.index - b.index);
const outputs = (job.detail.outputs ?? []).map((o) => ({ name: o.name, sizeBytes: o.sizeBytes }));
const result: QuotaChildResult = { status: job.detail.status, wallSec, segments, outputs };
answer(result);
