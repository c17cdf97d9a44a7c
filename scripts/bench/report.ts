/**
 * Markdown for docs/BENCHMARKS.md. Each run replaces only its own section (between
 * `<!-- bench:<mode>:start -->` and `<!-- bench:<mode>:end -->`), so the quick and full runs
 * sit side by side and hand-written text around them is kept.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { CpuSeconds } from './proc.js';
import type { BenchResult, SourceResult } from './types.js';
import { median } from './stats.js';
import { MAX_BENCH_LOAD } from './workerQuota.js';

const f = (x: number, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : 'n/a');
const cpu = (c: CpuSeconds) => `${f(c.total, 1)} (${f(c.user, 1)} user + ${f(c.sys, 1)} sys)`;
const mb = (bytes: number) => `${f(bytes / 1e6, 1)} MB`;
const verdict = (met: boolean | null) => (met === null ? 'n/a' : met ? 'met' : '**missed**');
const table = (head: string[], rows: (string | number)[][]) =>
  [
    `| ${head.join(' | ')} |`,
    `| ${head.map(() => '---').join(' | ')} |`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');

const procs = (s: SourceResult) =>
  Object.entries(s.pipeline[0]?.processes ?? {})
    .map(([name, n]) => `${n} ${name}`)
    .join(' and ');
const startupCpu = (s: SourceResult) =>
  Object.entries(s.pipeline[0]?.processes ?? {}).reduce(
    (a, [name, n]) => a + n * (name === 'ffprobe' ? s.startupCpuSec.ffprobe : s.startupCpuSec.ffmpeg),
    0,
  );
type RoleCpuLike = { count: number; wallSec: number; cpu: CpuSeconds };

/**
 * The pipeline's CPU by process, median over the repetitions (each row's own median, so the
 * rows need not add up to the totals exactly), beside the plain run's one process.
 */
function cpuTable(s: SourceResult): string {
  const c = s.comparison;
  const plainCpu = c.plainCpu.total;
  const roles = [...new Set(s.pipeline.flatMap((p) => Object.keys(p.roles ?? {})))].sort();
  const med = (k: string, pick: (r: RoleCpuLike) => number) =>
    median(s.pipeline.map((p) => (p.roles?.[k] ? pick(p.roles[k]) : 0)));
  const row = (name: string, count: string, x: CpuSeconds, wall = '') => [
    name,
    count,
    f(x.user),
    f(x.sys),
    f(x.total),
    f(x.total / plainCpu, 3),
    wall,
  ];
  const thr = (pick: (p: PipelineRunLike) => number) => f(median(s.pipeline.map(pick)));
  const rows = [
    row('**AWS path** (what also runs in AWS)', '', c.awsPathCpu),
    ...roles.map((k) => [
      `  ${k}`,
      f(
        med(k, (r) => r.count),
        0,
      ),
      f(med(k, (r) => r.cpu.user)),
      f(med(k, (r) => r.cpu.sys)),
      f(med(k, (r) => r.cpu.total)),
      f(med(k, (r) => r.cpu.total) / plainCpu, 3),
      f(med(k, (r) => r.wallSec)),
    ]),
    row('  function host: handlers, SDK clients, logs (Node)', '1', c.awsPathHandlersCpu),
    row(
      '**local stand-ins** (s3rver, dynalite, aws-local-stepfunctions, event log, S3 trigger, the upload)',
      '1',
      c.standInsCpu,
    ),
    row('**local job, total**', '', c.pipelineCpu, f(c.pipelineWallSec)),
    row('plain ffmpeg (one process)', '1', c.plainCpu, f(c.plainWallSec)),
  ];
  return [
    `The job's CPU by process (median of ${s.pipeline.length}; every ffmpeg/ffprobe under GNU time, its own rusage; the two Node processes by their own rusage, job only; "/ plain" is the row's CPU over the plain run's; wall of the processes summed):`,
    '',
    table(['process', 'count', 'user s', 'sys s', 'CPU s', '/ plain', 'wall s'], rows),
    '',
    `Node threads, CPU s (main / others: libuv pool, GC, JIT): function host ${thr((p) => p.threads.host.main ?? 0)} / ${thr((p) => p.threads.host.other ?? 0)}; stand-ins ${thr((p) => p.threads.standIns.main ?? 0)} / ${thr((p) => p.threads.standIns.other ?? 0)}.`,
    '',
  ].join('\n');
}
type PipelineRunLike = SourceResult['pipeline'][number];

function stepsTable(s: SourceResult): string {
  const st = s.steps;
  const per = st.segments.perSegmentSec;
  const enc = st.segments.encodeSec;
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  const fns = Object.entries(st.functions).sort((a, b) => a[1].firstStartSec - b[1].firstStartSec);
  return [
    `#### The job by function (the repetition closest to the median wall time; seconds after the upload began)`,
    '',
    table(
      ['function', 'calls', 'handler s (summed)', 'first start', 'last end'],
      [
        ['upload + S3 trigger + execution start', '', '', '0.00', f(st.uploadIngestSec)],
        ...fns.map(([name, t]) => [name, t.calls, f(t.sumSec), f(t.firstStartSec), f(t.lastEndSec)]),
        ['**wall time**', '', '', '', f(st.wallSec)],
      ],
    ),
    '',
    `Segments: ${st.segments.count}, handler ${f(mean(per))} s mean (${f(Math.min(...per))} min, ${f(Math.max(...per))} max), of which ffmpeg ${f(mean(enc))} s mean (${f(Math.max(...enc))} max), the rest (source reads, fragment checks, uploads) median ${f(median(st.segments.overheadSec))} s; Map span ${f(st.segments.mapSpanSec)} s at the local Map concurrency. No function was running for ${f(st.idleSec)} s of the wall time (${f((100 * st.idleSec) / st.wallSec, 1)} %: the trigger, state transitions, waits between states).`,
    '',
  ].join('\n');
}

function sourceSection(s: SourceResult): string {
  const c = s.comparison;
  return [
    `### Source: ${s.label}`,
    '',
    `${s.generated ? 'Generated with `generateSample` (testsrc2 + sine, keyframe every 2 s)' : `Given file \`${s.file}\``}: ${s.width}x${s.height}, ${f(s.fps, 3)} fps, ${f(s.durationSec, 1)} s, ${mb(s.bytes)}; renditions ${s.renditions.join(', ')}.`,
    '',
    `#### Plain ffmpeg vs the pipeline (median of ${s.plain.length} alternating repetitions)`,
    '',
    table(
      ['', 'plain ffmpeg (one process)', 'pipeline', 'pipeline / plain', 'target'],
      [
        [
          'CPU: AWS path (handlers + ffmpeg/ffprobe), s',
          cpu(c.plainCpu),
          cpu(c.awsPathCpu),
          f(c.awsPathRatio),
          '<= 1.10',
        ],
        ['CPU: local stand-ins, s', '', cpu(c.standInsCpu), f(c.standInsRatio), 'reported'],
        ['CPU: whole local job, s', '', cpu(c.pipelineCpu), f(c.cpuRatio), 'reported'],
        ['wall time, same cores, s', f(c.plainWallSec), f(c.pipelineWallSec), f(c.wallRatio), 'reported'],
      ],
    ),
    '',
    `Each repetition (wall s / AWS-path CPU s / stand-ins CPU s): plain ${s.plain.map((p) => `${f(p.wallSec, 1)}/${f(p.cpu.total, 1)}`).join(', ')}; ` +
      `pipeline ${s.pipeline.map((p) => `${f(p.wallSec, 1)}/${f(p.cpu.awsPath.total.total, 1)}/${f(p.cpu.standIns.total, 1)}`).join(', ')}. ` +
      `The CPU is the job's (upload start to the execution's end); with the start-up of both Node processes (TypeScript loading, the stack's start) the process trees used ${s.pipeline.map((p) => f(p.treeCpu, 1)).join(', ')} s. ` +
      `The job started ${procs(s)} (plain: one ffmpeg); loading the binary alone costs ${f(s.startupCpuSec.ffmpeg * 1000, 0)} ms CPU per ffmpeg and ${f(s.startupCpuSec.ffprobe * 1000, 0)} ms per ffprobe here, ${f(startupCpu(s), 1)} s in all.`,
    '',
    cpuTable(s),
    stepsTable(s),
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
        [
          'settings',
          `preset ${r.settings.preset}, segments of ${r.settings.segmentSeconds} s, ${r.settings.repetitions} repetitions, local Map concurrency ${r.settings.mapConcurrency}`,
        ],
      ],
    ),
    '',
    r.load.start[0] > MAX_BENCH_LOAD
      ? `**Not a benchmark: the 1-minute load was ${r.load.start[0]} at the start (other work on ${m.cores} cores inflates every CPU figure).**\n`
      : '',
    '### Targets',
    '',
    table(
      ['target', 'wanted', 'measured', ''],
      r.targets.map((t) => [t.name, t.target, t.measured, verdict(t.met)]),
    ),
    '',
    ...r.sources.map((s) => `${sourceSection(s)}\n`),
    `### Orchestration overhead per segment (the real ASL, stand-in handlers that do no work, Map concurrency ${o[0]?.mapConcurrency ?? ''})`,
    '',
    table(
      [
        'segments',
        'wall, s',
        'ms per segment',
        'RSS before, MB',
        'peak RSS, MB',
        'peak heap, MB',
        'heap after (GC), MB',
        'progress events seen',
      ],
      o.map((x) => [
        x.segments,
        f(x.wallMs / 1000),
        f(x.msPerSegment, 3),
        f(x.baselineRssMb, 0),
        f(x.peakRssMb, 0),
        f(x.peakHeapMb, 0),
        f(x.heapAfterSettleMb, 0),
        `${x.progressSegmentsSeen}/${x.segments}`,
      ]),
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
