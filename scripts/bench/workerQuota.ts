/**
 * `npm run bench -- --worker-quota`: the segment worker's time MEASURED under a CPU quota equal
 * to its Lambda function's vCPUs, on real-content 1080p (realSource.ts), every segment of the
 * stretch, the pipeline's own arguments and threads, the ffmpeg binary cold.
 *
 * How: a cgroup-v1 CPU group (cpu.cfs_quota_us / cpu.cfs_period_us = the function's vCPUs:
 * configured memory / 1,769 MB, AWS Lambda's "one vCPU at 1,769 MB"); a job runs on the local
 * stack with its Map at concurrency 1 (child-quota.ts) through an ffmpeg wrapper that moves each
 * segment process into the group after evicting ffmpeg and its shared libraries from the page
 * cache (posix_fadvise DONTNEED), and records the process's wall, user and system seconds and
 * the group's throttled time. A process only gets its quota when the machine has that much to
 * give: every figure is stored with os.loadavg(), and a run that started above MAX_BENCH_LOAD,
 * or in which a full segment was never throttled (another process starved it), is reported as
 * NOT a benchmark.
 */
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { mkdir, readFile, rm, rmdir, writeFile } from 'node:fs/promises';
import { resolveBinaries } from '../../src/media/ffmpeg/binaries.js';
import { getPreset, type Preset } from '../../src/media/plan/presets.js';
import { describeSource, runPlain } from './plain.js';
import { runBenchChild } from './proc.js';
import { median } from './stats.js';
import { realContentSource } from './realSource.js';
import { capabilitiesOf } from '../../src/media/plan/encoders.js';
import { writesCmaf } from '../../src/media/package/cmafCheck.js';
import { lambdaVcpus, LAMBDA_MEMORY_MB } from './awsConstants.js';
import type { QuotaChildResult } from './child-quota.js';

/** Above this 1-minute load average on this 2-core machine a run is not called a benchmark. */
export const MAX_BENCH_LOAD = 1.5;
const CGROUP = '/sys/fs/cgroup/cpu/media-transcoder-bench-quota';
const PERIOD_US = 100_000;

/** One segment process measured in the quota group. */
export interface QuotaSegment {
  index: number;
  frames: number;
  /** ffmpeg process wall seconds in the group (cold binary), its user+system CPU seconds. */
  wallSec: number;
  cpuSec: number;
  /** Time the group was throttled while it ran (the quota biting). */
  throttledSec: number;
  /** The handler's own figures: ffmpeg time and whole handler time (reads, checks, uploads). */
  handlerEncodeSec: number;
  handlerTotalSec: number;
  threads: number;
  load1: number;
}

/** What `--worker-quota` measured. */
export interface WorkerQuotaResult {
  command: string;
  startedAt: string;
  load: { start: number[]; end: number[] };
  /** False when the 1-minute load was above MAX_BENCH_LOAD at the start or end. */
  benchmark: boolean;
  warning?: string;
  memoryMb: number;
  vcpus: number;
  cgroup: { path: string; quotaUs: number; periodUs: number };
  preset: string;
  source: {
    file: string;
    width: number;
    height: number;
    fps: number;
    durationSec: number;
    frames: number;
    note: string;
  };
  pageCache: string;
  /** `ffmpeg -version` in the group: binary and libraries evicted first (cold) and just after (warm). */
  ffmpegStart: { coldSec: number[]; warmSec: number[] };
  /** A cold Plan's capability checks (capabilitiesOf + writesCmaf, as src/runtime.ts runs them) under the Plan function's vCPUs, binary cold: wall s. */
  planChecks: { memoryMb: number; vcpus: number; coldSec: number[] };
  segments: QuotaSegment[];
  stats: {
    medianWallSec: number;
    maxWallSec: number;
    slowestToMedian: number;
    medianCpuSec: number;
    maxCpuSec: number;
    medianHandlerSec: number;
    maxHandlerSec: number;
    segmentSec: number;
  };
  /** Plain ffmpeg, one process, every rendition, this machine's cores, the same source. */
  plain: { wallSec: number; cpuSec: number; cores: number; secPerFrame: number; load1: number };
  jobWallSec: number;
  /** The job's MP4 downloads (bytes) and the source's bytes: bytes per second of real content. */
  bytes: { source: number; mp4: { name: string; sizeBytes: number }[] };
}

const sh = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** ffmpeg's binary and the shared libraries it loads (what a cold sandbox reads from its layer). */
export function ffmpegFiles(ffmpeg: string): string[] {
  let out = '';
  try {
    out = execFileSync('ldd', [ffmpeg], { encoding: 'utf8' });
  } catch {
    /* a static binary */
  }
  const libs = [...out.matchAll(/=>\s*(\/\S+)/g)].map((m) => m[1]);
  return [ffmpeg, ...libs];
}

/** The wrapper the child's stack runs as ffmpeg: segment encodes go into the group, cold, timed. */
export function wrapperScript(real: string, files: string[], log: string): string {
  return `#!/bin/bash
# Written by scripts/bench/workerQuota.ts: segment encodes run in the CPU-quota group, binary cold.
REAL=${sh(real)}
seg=0
for a in "$@"; do
  case "$a" in lavfi|-version|-encoders|-filters) exec "$REAL" "$@";; libx264|libx265|libsvtav1) seg=1;; esac
done
[ $seg = 1 ] || exec "$REAL" "$@"
python3 - ${files.map(sh).join(' ')} <<'PY'
import os, sys
for f in sys.argv[1:]:
    fd = os.open(f, os.O_RDONLY)
    os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    os.close(fd)
PY
echo $$ > ${CGROUP}/cgroup.procs
thr0=$(awk '/throttled_time/{print $2}' ${CGROUP}/cpu.stat)
tf=$(mktemp)
t0=$(date +%s%N)
/usr/bin/time -f '%U %S' -o "$tf" "$REAL" "$@"
rc=$?
t1=$(date +%s%N)
thr1=$(awk '/throttled_time/{print $2}' ${CGROUP}/cpu.stat)
read u s < <(tail -1 "$tf")
rm -f "$tf"
l1=$(cut -d' ' -f1 /proc/loadavg)
echo "{\\"wallNs\\":$((t1-t0)),\\"user\\":$u,\\"sys\\":$s,\\"throttledNs\\":$((thr1-thr0)),\\"rc\\":$rc,\\"load1\\":$l1}" >> ${sh(log)}
exit $rc
`;
}

/** A wrapper that runs every ffmpeg it is given in the group (for the Plan's checks). */
function groupScript(real: string): string {
  return `#!/bin/bash\necho $$ > ${CGROUP}/cgroup.procs\nexec ${sh(real)} "$@"\n`;
}

const evict = (files: string[]) =>
  execFileSync('python3', [
    '-c',
    'import os,sys\nfor f in sys.argv[1:]:\n fd=os.open(f,os.O_RDONLY); os.posix_fadvise(fd,0,0,os.POSIX_FADV_DONTNEED); os.close(fd)',
    ...files,
  ]);

export async function setUpGroup(vcpus: number): Promise<number> {
  if (!existsSync('/sys/fs/cgroup/cpu/cpu.cfs_quota_us'))
    throw new Error('no cgroup-v1 cpu controller at /sys/fs/cgroup/cpu: the quota measurement needs it (and root)');
  await mkdir(CGROUP, { recursive: true });
  const quotaUs = Math.round(vcpus * PERIOD_US);
  await writeFile(path.join(CGROUP, 'cpu.cfs_period_us'), String(PERIOD_US));
  await writeFile(path.join(CGROUP, 'cpu.cfs_quota_us'), String(quotaUs));
  return quotaUs;
}

/** `ffmpeg -version` in the group, cold (evicted) or warm, wall seconds. */
async function ffmpegStart(real: string, files: string[], cold: boolean): Promise<number> {
  if (cold) evict(files);
  const t = process.hrtime.bigint();
  execFileSync('bash', [
    '-c',
    `echo $$ > ${CGROUP}/cgroup.procs && exec ${sh(real)} -hide_banner -version > /dev/null`,
  ]);
  return Number(process.hrtime.bigint() - t) / 1e9;
}

/**
 * The segments that count: all but short ones (the stretch's last segment, or one cut short by
 * a keyframe), i.e. at least 3/4 of the median frame count.
 */
export function fullSegments(segments: QuotaSegment[]): QuotaSegment[] {
  const m = median(segments.map((s) => s.frames));
  return segments.filter((s) => s.frames >= 0.75 * m);
}

/** Median and slowest of the full segments (wall under the quota, CPU, handler). */
export function quotaStats(segments: QuotaSegment[], fps: number): WorkerQuotaResult['stats'] {
  const full = fullSegments(segments);
  const walls = full.map((s) => s.wallSec);
  return {
    medianWallSec: median(walls),
    maxWallSec: Math.max(...walls),
    slowestToMedian: Math.max(...walls) / median(walls),
    medianCpuSec: median(full.map((s) => s.cpuSec)),
    maxCpuSec: Math.max(...full.map((s) => s.cpuSec)),
    medianHandlerSec: median(full.map((s) => s.handlerTotalSec)),
    maxHandlerSec: Math.max(...full.map((s) => s.handlerTotalSec)),
    segmentSec: median(full.map((s) => s.frames)) / fps,
  };
}

/** Runs the measurement; `say` reports progress. */
export async function measureWorkerQuota(opts: {
  results: string;
  preset: Preset;
  command: string;
  say: (s: string) => void;
}): Promise<WorkerQuotaResult> {
  const { say, preset } = opts;
  const startedAt = new Date().toISOString();
  const loadStart = os.loadavg();
  const real = resolveBinaries(process.env).ffmpeg;
  const memoryMb = LAMBDA_MEMORY_MB.transcodeSegment;
  const vcpus = lambdaVcpus(memoryMb);
  const quotaUs = await setUpGroup(vcpus);
  const work = path.join(opts.results, 'work-quota');
  await rm(work, { recursive: true, force: true });
  await mkdir(work, { recursive: true });
  try {
    say('real-content 1080p source ...');
    const file = await realContentSource(real, path.join(opts.results, 'samples', 'real'));
    const files = ffmpegFiles(real);
    const log = path.join(work, 'segments.jsonl');
    const wrapper = path.join(work, 'ffmpeg-quota.sh');
    await writeFile(wrapper, wrapperScript(real, files, log), { mode: 0o755 });
    await writeFile(log, '');

    say(`ffmpeg start in the ${vcpus.toFixed(2)}-vCPU group, cold and warm ...`);
    const coldSec: number[] = [];
    const warmSec: number[] = [];
    for (let i = 0; i < 5; i++) {
      coldSec.push(await ffmpegStart(real, files, true));
      warmSec.push(await ffmpegStart(real, files, false));
    }

    const planMb = LAMBDA_MEMORY_MB.plan;
    const planVcpus = lambdaVcpus(planMb);
    say(`a cold Plan's capability checks in a ${planVcpus.toFixed(2)}-vCPU group ...`);
    await setUpGroup(planVcpus);
    const inGroup = path.join(work, 'ffmpeg-group.sh');
    await writeFile(inGroup, groupScript(real), { mode: 0o755 });
    const planCold: number[] = [];
    for (let i = 0; i < 3; i++) {
      evict(files);
      const t = process.hrtime.bigint();
      await Promise.all([capabilitiesOf(inGroup), writesCmaf(inGroup)]);
      planCold.push(Number(process.hrtime.bigint() - t) / 1e9);
    }
    await setUpGroup(vcpus);

    say(`the job on the local stack, one segment at a time, each in the ${vcpus.toFixed(2)}-vCPU group ...`);
    const child = await runBenchChild<QuotaChildResult>('./child-quota.ts', [
      file,
      path.join(work, 'data'),
      preset.name,
      wrapper,
    ]);
    const job = child.result;
    if (job.status !== 'COMPLETE') throw new Error(`the quota job ended ${job.status}`);
    const lines = (await readFile(log, 'utf8'))
      .trim()
      .split('\n')
      .filter(Boolean)
      .map(
        (l) =>
          JSON.parse(l) as {
            wallNs: number;
            user: number;
            sys: number;
            throttledNs: number;
            rc: number;
            load1: number;
          },
      );
    if (lines.length !== job.segments.length)
      throw new Error(`${lines.length} segment processes timed, ${job.segments.length} segments done`);
    // The Map ran one segment at a time in index order: the i-th process is segment i.
    const segments: QuotaSegment[] = job.segments.map((s, i) => ({
      index: s.index,
      frames: s.frames,
      wallSec: lines[i].wallNs / 1e9,
      cpuSec: lines[i].user + lines[i].sys,
      throttledSec: lines[i].throttledNs / 1e9,
      handlerEncodeSec: s.encodeMs / 1000,
      handlerTotalSec: s.totalMs / 1000,
      threads: s.threads,
      load1: lines[i].load1,
    }));

    say('plain ffmpeg on the same source ...');
    const source = await describeSource(file, 'real-content 1080p', preset);
    const load1 = os.loadavg()[0];
    const plainRun = await runPlain(source, preset, work);
    const frames = Math.round(source.info.durationSec * source.info.video.avgFrameRate);
    const cores = os.cpus().length;
    const loadEnd = os.loadavg();
    // The run's own processes (1.70 vCPU of ffmpeg, the local stack, then plain ffmpeg on both
    // cores) raise the load average themselves, so the end load says nothing about other work.
    // What does: the machine was idle at the start, and every segment's group was throttled
    // (the quota, not another process, bounded it: a starved segment shows 0 s throttled).
    const starved = segments.filter((x) => x.throttledSec < 0.05 && x.frames >= 100).map((x) => x.index);
    const benchmark = loadStart[0] <= MAX_BENCH_LOAD && starved.length === 0;
    return {
      command: opts.command,
      startedAt,
      load: { start: loadStart, end: loadEnd },
      benchmark,
      warning: benchmark
        ? undefined
        : `1-minute load ${loadStart[0].toFixed(2)} at start (limit ${MAX_BENCH_LOAD})${starved.length ? `; segments ${starved.join(', ')} never reached their quota (0 s throttled: another process took the CPU)` : ''}: NOT a benchmark; the quota is a ceiling, contention takes from it`,
      memoryMb,
      vcpus,
      cgroup: { path: CGROUP, quotaUs, periodUs: PERIOD_US },
      preset: preset.name,
      source: {
        file: path.relative(path.dirname(opts.results), file),
        width: source.info.video.width,
        height: source.info.video.height,
        fps: source.info.video.avgFrameRate,
        durationSec: source.info.durationSec,
        frames,
        note: 'Debian opencv-doc clips (an animated film trailer, two handheld camera clips, a fixed camera) cropped to 16:9, upscaled to 1920x1080 (lanczos), 30 fps by repeating frames: no native 1080p real content is reachable here',
      },
      pageCache: `posix_fadvise(DONTNEED) on ffmpeg and its ${files.length - 1} shared libraries before every segment process (pages mapped by another running process stay resident); the local disk re-read is faster than a Lambda layer's first read`,
      ffmpegStart: { coldSec, warmSec },
      planChecks: { memoryMb: planMb, vcpus: planVcpus, coldSec: planCold },
      segments,
      stats: quotaStats(segments, source.info.video.avgFrameRate),
      plain: {
        wallSec: plainRun.wallSec,
        cpuSec: plainRun.cpu.total,
        cores,
        secPerFrame: plainRun.cpu.total / cores / frames,
        load1,
      },
      jobWallSec: job.wallSec,
      bytes: { source: statSync(file).size, mp4: job.outputs.filter((o) => o.name.endsWith('.mp4')) },
    };
  } finally {
    await rm(work, { recursive: true, force: true });
    // The group is empty once its processes ended; leave no group behind.
    await rmdirQuiet(CGROUP);
  }
}

async function rmdirQuiet(dir: string): Promise<void> {
  try {
    await rmdir(dir);
  } catch {
    /* still in use or already gone */
  }
}

/** The markdown of a quota run (also printed). */
export function renderWorkerQuota(r: WorkerQuotaResult): string {
  const f = (x: number, d = 2) => x.toFixed(d);
  r = { ...r, stats: quotaStats(r.segments, r.source.fps) };
  return [
    `#### Segment worker under a ${f(r.vcpus)}-vCPU quota (\`${r.command}\`)`,
    '',
    `Run ${r.startedAt}; load average ${r.load.start.map((x) => f(x)).join(' ')} at start, ${r.load.end.map((x) => f(x)).join(' ')} at end.${r.benchmark ? '' : ` **${r.warning}.**`}`,
    `Quota: cgroup v1 \`${r.cgroup.path}\`, cpu.cfs_quota_us ${r.cgroup.quotaUs} / cpu.cfs_period_us ${r.cgroup.periodUs} = ${f(r.vcpus)} vCPU (${r.memoryMb} MB / 1,769 MB per vCPU). Preset ${r.preset}; the pipeline's own segment arguments and threads (${[...new Set(r.segments.map((s) => s.threads))].join('/')} x264 threads per encoder).`,
    `Source: ${r.source.width}x${r.source.height} ${f(r.source.fps, 3)} fps, ${f(r.source.durationSec, 1)} s, ${r.source.frames} frames: ${r.source.note}. Page cache: ${r.pageCache}.`,
    '',
    `| segment | frames | ffmpeg wall, s | ffmpeg CPU, s | throttled, s | handler total, s | 1-min load |`,
    `| --- | --- | --- | --- | --- | --- | --- |`,
    ...r.segments.map(
      (s) =>
        `| ${s.index} | ${s.frames} | ${f(s.wallSec)} | ${f(s.cpuSec)} | ${f(s.throttledSec)} | ${f(s.handlerTotalSec)} | ${f(s.load1)} |`,
    ),
    '',
    `Full segments (all but short ones), median ${f(r.stats.segmentSec, 2)} s of source: ffmpeg median ${f(r.stats.medianWallSec)} s wall, slowest ${f(r.stats.maxWallSec)} s: **slowest / median ${f(r.stats.slowestToMedian)}**; CPU median ${f(r.stats.medianCpuSec)} s, max ${f(r.stats.maxCpuSec)} s: **slowest / median by CPU ${f(r.stats.maxCpuSec / r.stats.medianCpuSec)}**.`,
    `ffmpeg start (\`-version\`) in the group: cold ${r.ffmpegStart.coldSec.map((x) => f(x, 3)).join(', ')} s; warm ${r.ffmpegStart.warmSec.map((x) => f(x, 3)).join(', ')} s.`,
    `A cold Plan's capability checks (\`capabilitiesOf\` + \`writesCmaf\`, src/runtime.ts) under ${f(r.planChecks.vcpus)} vCPU (${r.planChecks.memoryMb} MB), binary cold: ${r.planChecks.coldSec.map((x) => f(x)).join(', ')} s.`,
    `Plain ffmpeg, same source, ${r.plain.cores} cores: ${f(r.plain.wallSec, 1)} s wall, ${f(r.plain.cpuSec, 1)} s CPU = ${f(r.plain.secPerFrame * 1000, 1)} ms per frame over the cores (1-min load ${f(r.plain.load1)} when it started).`,
    '',
  ].join('\n');
}

/** `--worker-quota` alone: measure, print, store bench-results/worker-quota-<time>.json and -latest.json. */
export async function runWorkerQuota(
  results: string,
  presetName: string,
  command: string,
  say: (s: string) => void,
): Promise<WorkerQuotaResult> {
  const r = await measureWorkerQuota({ results, preset: getPreset(presetName), command, say });
  await mkdir(results, { recursive: true });
  const json = `${JSON.stringify(r, null, 2)}\n`;
  await writeFile(path.join(results, `worker-quota-${r.startedAt.replace(/[:.]/g, '-')}.json`), json);
  await writeFile(path.join(results, 'worker-quota-latest.json'), json);
  if (r.warning) say(`WARNING: ${r.warning}`);
  return r;
}
