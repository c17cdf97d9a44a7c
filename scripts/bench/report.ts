/**
 * Markdown for docs/BENCHMARKS.md. Each run replaces only its own section (between
 * `<!-- bench:<mode>:start -->` and `<!-- bench:<mode>:end -->`), so the quick and full runs
 * sit side by side and hand-written text around them is kept.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { CpuSeconds } from './proc.js';
import type { BenchResult, SourceResult } from './types.js';
import { median } from './stats.js';

const f = (x: number, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : 'n/a');
const cpu = (c: CpuSeconds) => `${f(c.total, 1)} (${f(c.user, 1)} user + ${f(c.sys, 1)} sys)`;
const mb = (bytes: number) => `${f(bytes / 1e6, 1)} MB`;
const verdict = (met: boolean | null) => (met === null ? 'n/a' : met ? 'met' : '**missed**');
const table = (head: string[], rows: (string | number)[][]) =>
  [`| ${head.join(' | ')} |`, `| ${head.map(() => '---').join(' | ')} |`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');

const procs = (s: SourceResult) =>
  Object.entries(s.pipeline[0]?.processes ?? {})
    .map(([name, n]) => `${n} ${name}`)
    .join(' and ');
const startupCpu = (s: SourceResult) =>
  Object.entries(s.pipeline[0]?.processes ?? {}).reduce((a, [name, n]) => a + n * (name === 'ffprobe' ? s.throughput.startupCpuSec.ffprobe : s.throughput.startupCpuSec.ffmpeg), 0);

/**
 * The pipeline's CPU by process role, median over the repetitions (each role's own median, so
 * the rows need not add up to the total exactly), beside the plain run's one process.
 */
function rolesTable(s: SourceResult): string {
  const roles = [...new Set(s.pipeline.flatMap((p) => Object.keys(p.roles ?? {})))].sort();
  if (roles.length === 0) return '';
  const med = (k: string, pick: (r: RoleCpuLike) => number) => median(s.pipeline.map((p) => (p.roles?.[k] ? pick(p.roles[k]) : 0)));
  const plainCpu = s.comparison.plainCpu.total;
  const rows = roles.map((k) => [k, f(med(k, (r) => r.count), 0), f(med(k, (r) => r.cpu.user), 2), f(med(k, (r) => r.cpu.sys), 2), f(med(k, (r) => r.cpu.total), 2), f(med(k, (r) => r.cpu.total) / plainCpu, 3), f(med(k, (r) => r.wallSec), 2)]);
  const node = s.comparison.pipelineCpuNode;
  rows.push(['Node process (s3rver, SDK, handlers, sharp)', '1', f(node.user, 2), f(node.sys, 2), f(node.total, 2), f(node.total / plainCpu, 3), '']);
  rows.push(['**pipeline, job total**', '', f(s.comparison.pipelineCpu.user, 2), f(s.comparison.pipelineCpu.sys, 2), f(s.comparison.pipelineCpu.total, 2), f(s.comparison.cpuRatio, 3), f(s.comparison.pipelineWallSec, 2)]);
  rows.push(['plain ffmpeg (one process)', '1', f(s.comparison.plainCpu.user, 2), f(s.comparison.plainCpu.sys, 2), f(plainCpu, 2), '1.000', f(s.comparison.plainWallSec, 2)]);
  return [
    `The pipeline's CPU by process (median of ${s.pipeline.length}; each ffmpeg/ffprobe under GNU time, its own rusage; "/ plain" is that row's CPU over the plain run's):`,
    '',
    table(['process', 'count', 'user s', 'sys s', 'CPU s', '/ plain', 'wall s (summed)'], rows),
    '',
  ].join('\n');
}
type RoleCpuLike = { count: number; wallSec: number; cpu: CpuSeconds };

function sourceSection(s: SourceResult, r: BenchResult): string {
  const c = s.comparison;
  const st = s.steps;
  const per = st.segments.perSegmentSec;
  const enc = st.segments.encodeSec;
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  const m10 = s.model.tenMinutes;
  const mm = s.model.measured;
  const a = r.assumptions;
  const t = s.throughput;
  return [
    `### Source: ${s.label}`,
    '',
    `${s.generated ? 'Generated with `generateSample` (testsrc2 + sine, keyframe every 2 s)' : `Given file \`${s.file}\``}: ${s.width}x${s.height}, ${f(s.fps, 3)} fps, ${f(s.durationSec, 1)} s, ${mb(s.bytes)}; renditions ${s.renditions.join(', ')}.`,
    '',
    `#### Plain ffmpeg vs the pipeline on the local stack (item 1; median of ${s.plain.length} alternating repetitions)`,
    '',
    table(
      ['', 'plain ffmpeg (one process)', 'pipeline (local stack)', 'pipeline / plain', 'target'],
      [
        ['wall time, s', f(c.plainWallSec), f(c.pipelineWallSec), f(c.wallRatio), '<= 1.10'],
        ['CPU time, s', cpu(c.plainCpu), cpu(c.pipelineCpu), f(c.cpuRatio), '<= 1.10'],
        ['CPU: ffmpeg/ffprobe children, s', f(c.plainCpu.total, 1), f(c.pipelineCpuFfmpeg.total, 1), f(c.pipelineCpuFfmpeg.total / c.plainCpu.total), ''],
        ['CPU: Node process (s3rver, SDK, handlers, sharp), s', '0', f(c.pipelineCpuNode.total, 1), '', ''],
      ],
    ),
    '',
    `Each repetition (wall s / CPU s): plain ${s.plain.map((p) => `${f(p.wallSec, 1)}/${f(p.cpu.total, 1)}`).join(', ')}; ` +
      `pipeline ${s.pipeline.map((p) => `${f(p.wallSec, 1)}/${f(p.cpu.total.total, 1)}`).join(', ')}. ` +
      `The pipeline's CPU is the job's (upload to final event); with Node and TypeScript start-up of the child process it was ${s.pipeline.map((p) => f(p.treeCpu.total, 1)).join(', ')} s. ` +
      `The pipeline started ${procs(s)} per job (plain: one ffmpeg); loading the binary alone costs ${f(t.startupCpuSec.ffmpeg * 1000, 0)} ms CPU per ffmpeg and ${f(t.startupCpuSec.ffprobe * 1000, 0)} ms per ffprobe here, ${f(startupCpu(s), 1)} s in all.`,
    '',
    rolesTable(s),
    '#### The pipeline by step (item 2; the repetition closest to the median wall time)',
    '',
    table(
      ['step', 'seconds', 'notes'],
      [
        ['upload + ingest trigger', f(st.uploadIngestSec), 'PutObject to s3rver, object-created event, execution start'],
        ['probe', f(st.probeSec), 'streams, then every packet, over a presigned URL'],
        ['plan', f(st.planSec), ''],
        ['split', f(st.splitSec), `${st.bytes.splitFiles} pieces (${mb(s.oneCore.splitBytes)} when split locally)`],
        [`transcode, ${st.segments.count} segments`, `${f(mean(per))} mean, ${f(Math.min(...per))} min, ${f(Math.max(...per))} max`, `ffmpeg encode alone: ${f(mean(enc))} mean, ${f(Math.max(...enc))} max; ${r.settings.mapConcurrency} at a time`],
        ['  Map span (first start to last end)', f(st.segments.mapSpanSec), 'Parallel branch 1'],
        ['  audio (in the segment workers now)', f(st.audioSec), 'no separate step'],
        ['  thumbnails + poster + sprite', f(st.thumbnailsSec), 'Parallel branch 3'],
        ['assemble (manifests, MP4 by byte join)', f(st.concatSec), `all renditions, ${mb(st.bytes.videoOutputs)} written`],
        ['publish', f(st.publishSec), ''],
        ['events (PROGRESSING, COMPLETE)', f(st.eventsSec), ''],
        ['cleanup', f(st.cleanupSec), ''],
        ['**step critical path**', f(st.criticalPathSec), 'sum of the above, the Parallel state counted as its longest branch'],
        ['**wall time**', f(st.wallSec), 'upload start to execution end'],
        ['**orchestration overhead**', `${f(st.orchestrationSec)} (${f((100 * st.orchestrationSec) / st.wallSec, 1)} %)`, 'wall time minus the step critical path'],
      ],
    ),
    '',
    `Modelled cloud critical path, one Lambda per segment (assumptions below), for this source and for a 10-minute source like it (${m10.segments} segments):`,
    '',
    table(
      ['term', `this source (${f(mm.durationSec, 0)} s), s`, '10-minute source, s'],
      [
        ['probe', f(mm.terms.probe), f(m10.terms.probe)],
        ['plan', f(mm.terms.plan), f(m10.terms.plan)],
        ['split', f(mm.terms.split), f(m10.terms.split)],
        ['Distributed Map start', f(mm.terms.mapStart), f(m10.terms.mapStart)],
        ['slowest segment (cold start + compute + S3 of its piece)', f(mm.terms.segment), f(m10.terms.segment)],
        ['audio (parallel branch)', f(mm.terms.audio), f(m10.terms.audio)],
        ['thumbnails (parallel branch)', f(mm.terms.thumbnails), f(m10.terms.thumbnails)],
        ['concat', f(mm.terms.concat), f(m10.terms.concat)],
        ['publish', f(mm.terms.publish), f(m10.terms.publish)],
        ['state transitions', f(mm.terms.transitions), f(m10.terms.transitions)],
        ['**modelled critical path**', f(mm.criticalPathSec), f(m10.criticalPathSec)],
        ['plain ffmpeg on this machine', f(mm.plainSec), f(m10.plainSec)],
        ['**speed-up over plain**', `${f(mm.speedup, 1)}x`, `${f(m10.speedup, 1)}x`],
        ...s.model.waves.map((w) => [`speed-up with MAP_MAX_CONCURRENCY ${w.mapConcurrency}`, '', `${f(w.speedup, 1)}x (${f(w.criticalPathSec, 1)} s)`]),
        ['upper bound: cold starts, S3 and transitions free', '', `${f(s.model.tenMinutesBestCase.speedup, 1)}x (${f(s.model.tenMinutesBestCase.criticalPathSec, 1)} s)`],
      ],
    ),
    '',
    `Inputs measured alone on one core of this machine${s.oneCore.pinned ? ' (taskset -c 0)' : ' (not pinned: taskset missing)'}: the longest segment (#${s.oneCore.segment.index}, ${s.oneCore.segment.frames} frames, all renditions) ${f(s.oneCore.segment.sec)} s, the audio ${f(s.oneCore.audioSec)} s, thumbnails and poster ${f(s.oneCore.thumbnailsSec)} s; each segment's handler overhead (manifest, download, frame checks, uploads) from the pipeline run, median ${f(median(st.segments.overheadSec))} s.`,
    '',
    `Assumptions: cold start ${a.coldStartSec} s for every function on the path; S3 at ${a.s3MBps} MB/s per function, added on top of the measured step times (which already include moving the same bytes through the local s3rver); the segment function has ${a.transcodeMemoryMb} MB = ${f(a.transcodeMemoryMb / a.lambdaMbPerVcpu)} vCPU (${a.lambdaMbPerVcpu} MB per vCPU) and its encode scales linearly from one core to that; audio and thumbnails functions have one vCPU; one vCPU = ${a.vcpuSpeedVsLocalCore}x one core of this machine; ${a.transitionsOnPath} state transitions at ${a.transitionSec} s; ${a.mapStartSec} s for the Distributed Map to start its children; one Lambda per segment (the Map's concurrency at least the segment count) unless a MAP_MAX_CONCURRENCY row says otherwise. Whole-file steps and the plain run scale linearly with duration; a segment's time does not.`,
    '',
    `#### Split and concat throughput against a file copy (item 4; page cache warm, median of ${t.repetitions})`,
    '',
    table(
      ['operation', 'bytes', 's', 'MB/s', 'MB/s without ffmpeg start-up', 'fs.copyFile MB/s', 'cp MB/s', 'ratio to the faster copy', 'target'],
      [
        [`split into ${t.pieces} NUT pieces (bytes read)`, mb(t.split.bytes), f(t.split.sec, 3), f(t.split.mbPerSec, 0), f(t.split.mbPerSecExStartup, 0), f(t.split.copyFileMbPerSec, 0), f(t.split.cpMbPerSec, 0), f(t.split.ratioToCopy, 3), '>= 0.5'],
        ['concat pieces + audio to MP4 (bytes written)', mb(t.concat.bytes), f(t.concat.sec, 3), f(t.concat.mbPerSec, 0), f(t.concat.mbPerSecExStartup, 0), f(t.concat.copyFileMbPerSec, 0), f(t.concat.cpMbPerSec, 0), f(t.concat.ratioToCopy, 3), '>= 0.5'],
      ],
    ),
    '',
    `ffmpeg start-up alone (\`ffmpeg -version\`): ${f(t.ffmpegStartupSec, 3)} s. Inside the pipeline (with S3 transfers and checks): split step ${f(st.splitSec)} s, concat step ${f(st.concatSec)} s.`,
  ].join('\n');
}

/** The Markdown section of one run. */
export function renderSection(r: BenchResult): string {
  const m = r.machine;
  const o = r.orchestration;
  return [
    `## ${r.mode === 'full' ? 'Full run' : 'Quick run'} (${r.startedAt.slice(0, 16).replace('T', ' ')} UTC)`,
    '',
    `Command: \`${r.command}\` (finished in ${f(r.runSec / 60, 1)} min; JSON: \`bench-results/${r.startedAt.replace(/[:.]/g, '-')}.json\`)`,
    '',
    table(
      ['machine', ''],
      [
        ['CPU', `${m.cpuModel}, ${m.cores} cores`],
        ['RAM', `${m.ramGb} GB`],
        ['OS', m.kernel],
        ['Node', m.node],
        ['ffmpeg', `${m.ffmpeg.version} (${m.ffmpeg.path}, ${m.ffmpeg.source})`],
        ['load average (1/5/15 min) at start', r.load.start.join(' / ')],
        ['load average at end', r.load.end.join(' / ')],
        ['settings', `preset ${r.settings.preset}, segments of ${r.settings.segmentSeconds} s, ${r.settings.repetitions} repetitions, local Map concurrency ${r.settings.mapConcurrency}`],
      ],
    ),
    '',
    '### Targets',
    '',
    table(['target', 'wanted', 'measured', ''], r.targets.map((t) => [t.name, t.target, t.measured, verdict(t.met)])),
    '',
    ...r.sources.map((s) => sourceSection(s, r) + '\n'),
    `### Orchestration overhead per segment (item 3; the real ASL, stand-in handlers that do no work, Map concurrency ${o[0]?.mapConcurrency ?? ''})`,
    '',
    table(
      ['segments', 'wall, s', 'ms per segment', 'RSS before, MB', 'peak RSS, MB', 'peak heap, MB', 'heap after (GC), MB', 'progress events seen'],
      o.map((x) => [x.segments, f(x.wallMs / 1000), f(x.msPerSegment, 3), f(x.baselineRssMb, 0), f(x.peakRssMb, 0), f(x.peakHeapMb, 0), f(x.heapAfterSettleMb, 0), `${x.progressSegmentsSeen}/${x.segments}`]),
    ),
    '',
  ].join('\n');
}

/** Replaces this run's section of docs/BENCHMARKS.md, or appends it; other text is kept. */
export function writeDoc(file: string, r: BenchResult, header: string): void {
  // The default ladder's runs keep the mode's section; another preset (`--preset av1-ladder`) gets its own.
  const key = r.settings.preset === 'h264-ladder' ? r.mode : `${r.mode}-${r.settings.preset}`;
  const start = `<!-- bench:${key}:start -->`;
  const end = `<!-- bench:${key}:end -->`;
  const block = `${start}\n${renderSection(r)}\n${end}`;
  let doc = existsSync(file) ? readFileSync(file, 'utf8') : header;
  const i = doc.indexOf(start);
  const j = doc.indexOf(end);
  doc = i >= 0 && j > i ? doc.slice(0, i) + block + doc.slice(j + end.length) : `${doc.trimEnd()}\n\n${block}\n`;
  writeFileSync(file, doc);
}
