/**
 * `npm run bench [-- --quick] [--reps N] [file ...]`, `npm run bench -- --model`
 *
 * Measures the pipeline against one plain ffmpeg process doing the same transcode, with the
 * pipeline's CPU split into the work that also runs in AWS (the function host: handlers, SDK,
 * ffmpeg/ffprobe) and the local stand-ins (s3rver, dynalite, aws-local-stepfunctions, the event
 * log), breaks the job down by function, and measures the orchestration overhead per segment.
 * Writes bench-results/<timestamp>.json and this mode's section of docs/BENCHMARKS.md. Full
 * mode: a generated 120 s 1080p source, 3 repetitions, 1,000/5,000/10,000 stand-in segments;
 * quick mode: a 30 s 720p clip, 3 repetitions, 1,000 segments. `--model`: only the cloud
 * model (modelRun.ts: the segment worker measured under its CPU quota on real content, every
 * state of the path in three cases, the cost), its own doc section; `--reuse-quota` takes the
 * last quota measurement. `--worker-quota`: only that quota measurement (workerQuota.ts),
 * printed and stored.
 */
import '../../src/util/quietWarnings.js';
import '../../src/local/polyfill.js';
import os from 'node:os';
import path from 'node:path';
import { existsSync, statSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { generateSample } from '../../src/media/package/sample.js';
import { resolveBinaries } from '../../src/media/ffmpeg/binaries.js';
import { getPreset, type Preset } from '../../src/media/plan/presets.js';
import { runAccounted, runBenchChild, type CpuSeconds } from './proc.js';
import { describeSource, runPlain, type PlainRun, type Source } from './plain.js';
import { runPipeline, type PipelineRun } from './pipeline.js';
import { loadAverage, machineInfo } from './machine.js';
import { writeDoc } from './report.js';
import { median } from './stats.js';
import { writeNewPathDoc } from './newPath.js';
import { renderModel, runModel, saveModelRun } from './modelRun.js';
import { renderWorkerQuota, runWorkerQuota } from './workerQuota.js';
import type { OrchestrationResult } from './child-orchestration.js';
import type { BenchResult, Comparison, SourceResult, TargetCheck } from './types.js';

const ROOT = path.resolve(new URL('../..', import.meta.url).pathname);
const RESULTS = path.join(ROOT, 'bench-results');
const DOC = path.join(ROOT, 'docs', 'BENCHMARKS.md');

/** The two modes' sizes: full takes about 10 minutes on 2 idle cores, quick about 2 (the lead's re-run budget: 6). */
const MODES = {
  full: {
    sample: { width: 1920, height: 1080, fps: 30, durationSec: 120 },
    reps: 3,
    orchestration: [1000, 5000, 10000],
  },
  quick: { sample: { width: 1280, height: 720, fps: 30, durationSec: 30 }, reps: 3, orchestration: [1000] },
} as const;
/** The issue's target: the AWS path's CPU within 10 % of plain ffmpeg's. */
const AWS_PATH_TARGET = 1.1;

const say = (s: string) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${s}\n`);
const medianCpu = (xs: CpuSeconds[]): CpuSeconds => ({
  user: median(xs.map((x) => x.user)),
  sys: median(xs.map((x) => x.sys)),
  total: median(xs.map((x) => x.total)),
});
/** The item whose value is closest to the median (the run whose breakdown is shown). */
const nearest = <T>(xs: T[], value: (x: T) => number, m: number) =>
  xs.reduce((a, b) => (Math.abs(value(b) - m) < Math.abs(value(a) - m) ? b : a));

/** Makes (or reuses) the generated sample of a mode under bench-results/samples/. */
async function sample(mode: keyof typeof MODES): Promise<string> {
  const s = MODES[mode].sample;
  const file = path.join(RESULTS, 'samples', `sample-${s.durationSec}s-${s.width}x${s.height}-${s.fps}fps.mp4`);
  if (!existsSync(file)) {
    say(`generating ${path.relative(ROOT, file)} ...`);
    await mkdir(path.dirname(file), { recursive: true });
    await generateSample({ output: `${file}.part.mp4`, ...s, audio: true });
    await rename(`${file}.part.mp4`, file);
  }
  return file;
}

function compare(plain: PlainRun[], pipeline: PipelineRun[]): Comparison {
  const plainCpu = medianCpu(plain.map((p) => p.cpu));
  const pipelineCpu = medianCpu(pipeline.map((p) => p.cpu.total));
  const awsPathCpu = medianCpu(pipeline.map((p) => p.cpu.awsPath.total));
  const standInsCpu = medianCpu(pipeline.map((p) => p.cpu.standIns));
  const plainWallSec = median(plain.map((p) => p.wallSec));
  const pipelineWallSec = median(pipeline.map((p) => p.wallSec));
  return {
    plainWallSec,
    pipelineWallSec,
    wallRatio: pipelineWallSec / plainWallSec,
    plainCpu,
    pipelineCpu,
    awsPathCpu,
    awsPathFfmpegCpu: medianCpu(pipeline.map((p) => p.cpu.awsPath.ffmpeg)),
    awsPathHandlersCpu: medianCpu(pipeline.map((p) => p.cpu.awsPath.handlers)),
    standInsCpu,
    cpuRatio: pipelineCpu.total / plainCpu.total,
    awsPathRatio: awsPathCpu.total / plainCpu.total,
    standInsRatio: standInsCpu.total / plainCpu.total,
  };
}

/** Median CPU of loading ffmpeg and ffprobe (`-version`): the fixed cost of every process the pipeline starts. */
async function startupCpu(): Promise<{ ffmpeg: number; ffprobe: number }> {
  const bins = resolveBinaries(process.env);
  const one = async (bin: string) => {
    const xs: number[] = [];
    for (let i = 0; i < 5; i++)
      xs.push((await runAccounted(bin, ['-hide_banner', '-loglevel', 'error', '-version'])).treeCpu.total);
    return median(xs);
  };
  return { ffmpeg: await one(bins.ffmpeg), ffprobe: await one(bins.ffprobe) };
}

/** One source: alternating plain and pipeline repetitions. */
async function benchSource(
  source: Source,
  generated: boolean,
  preset: Preset,
  reps: number,
  segmentSeconds: number,
  work: string,
): Promise<SourceResult> {
  const plain: PlainRun[] = [];
  const pipeline: PipelineRun[] = [];
  for (let i = 0; i < reps; i++) {
    // Alternate which goes first, so a drift in machine load hits both alike.
    const order = i % 2 === 0 ? (['plain', 'pipeline'] as const) : (['pipeline', 'plain'] as const);
    for (const what of order) {
      if (what === 'plain') {
        plain.push(await runPlain(source, preset, work));
        say(
          `  ${source.label} rep ${i + 1}/${reps} plain: ${plain.at(-1)!.wallSec.toFixed(1)} s wall, ${plain.at(-1)!.cpu.total.toFixed(1)} s CPU`,
        );
      } else {
        const p = await runPipeline(source.file, preset.name, segmentSeconds, work);
        pipeline.push(p);
        say(
          `  ${source.label} rep ${i + 1}/${reps} pipeline: ${p.wallSec.toFixed(1)} s wall, ${p.cpu.total.total.toFixed(1)} s CPU (AWS path ${p.cpu.awsPath.total.total.toFixed(1)}, stand-ins ${p.cpu.standIns.total.toFixed(1)})`,
        );
      }
    }
  }
  const comparison = compare(plain, pipeline);
  const mid = nearest(pipeline, (p) => p.wallSec, comparison.pipelineWallSec);
  return {
    label: source.label,
    file: path.relative(ROOT, source.file),
    generated,
    durationSec: source.info.durationSec,
    width: source.info.video.width,
    height: source.info.video.height,
    fps: source.info.video.avgFrameRate,
    bytes: statSync(source.file).size,
    renditions: source.renditions.map((r) => r.name),
    plain,
    pipeline,
    comparison,
    steps: mid.steps,
    startupCpuSec: await startupCpu(),
  };
}

function targets(sources: SourceResult[], orch: OrchestrationResult[]): TargetCheck[] {
  const out: TargetCheck[] = [];
  const r = (x: number, a: number, b: number) => `${x.toFixed(2)} (${a.toFixed(1)} s / ${b.toFixed(1)} s)`;
  for (const s of sources) {
    const c = s.comparison;
    const plain = c.plainCpu.total;
    out.push({
      name: `${s.label}: AWS-path CPU (handlers + ffmpeg/ffprobe) / plain CPU`,
      target: `<= ${AWS_PATH_TARGET.toFixed(2)}`,
      measured: r(c.awsPathRatio, c.awsPathCpu.total, plain),
      met: c.awsPathRatio <= AWS_PATH_TARGET,
    });
    out.push({
      name: `${s.label}: local stand-ins' CPU / plain CPU`,
      target: 'reported beside it',
      measured: r(c.standInsRatio, c.standInsCpu.total, plain),
      met: null,
    });
    out.push({
      name: `${s.label}: whole local job CPU / plain CPU`,
      target: 'reported',
      measured: r(c.cpuRatio, c.pipelineCpu.total, plain),
      met: null,
    });
    out.push({
      name: `${s.label}: wall / plain wall, same ${os.cpus().length} cores`,
      target: 'reported',
      measured: r(c.wallRatio, c.pipelineWallSec, c.plainWallSec),
      met: null,
    });
  }
  const worst = Math.max(...orch.map((o) => o.msPerSegment));
  out.push({
    name: 'orchestration overhead per segment',
    target: '< 5 ms',
    measured: `${worst.toFixed(3)} ms (worst of ${orch.map((o) => o.segments).join(', ')})`,
    met: worst < 5,
  });
  if (orch.length > 1) {
    const first = orch[0];
    const last = orch[orch.length - 1];
    const growth = last.peakRssMb / first.peakRssMb;
    out.push({
      name: `memory flat up to ${last.segments} segments`,
      target: 'peak RSS within 1.10x of the 1,000-segment run',
      measured: `${growth.toFixed(2)}x (${first.peakRssMb.toFixed(0)} -> ${last.peakRssMb.toFixed(0)} MB peak RSS; heap after the run ${first.heapAfterSettleMb.toFixed(0)} -> ${last.heapAfterSettleMb.toFixed(0)} MB)`,
      met: growth <= 1.1,
    });
  }
  return out;
}

const DOC_HEADER = `# Benchmarks

\`npm run bench\` (full) and \`npm run bench -- --quick\` write the sections below; the text outside
the marked sections is kept across runs. Code: \`scripts/bench/\`; raw results: \`bench-results/\`.
`;

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      quick: { type: 'boolean', default: false },
      model: { type: 'boolean', default: false },
      'worker-quota': { type: 'boolean', default: false },
      'reuse-quota': { type: 'boolean', default: false },
      reps: { type: 'string' },
      preset: { type: 'string', default: 'h264-ladder' },
      'segment-seconds': { type: 'string', default: '4' },
    },
  });
  if (values['worker-quota']) return quotaOnly(values.preset!);
  if (values.model) return modelOnly(getPreset(values.preset!), values['reuse-quota']!);
  const mode = values.quick ? 'quick' : 'full';
  const cfg = MODES[mode];
  const reps = values.reps ? Number(values.reps) : cfg.reps;
  const segmentSeconds = Number(values['segment-seconds']);
  const preset = getPreset(values.preset!);
  // The local stack's Map concurrency (src/local/stack.ts): one segment per core.
  const mapConcurrency = os.cpus().length;
  const startedAt = new Date();
  const load = loadAverage();
  const argv = process.argv.slice(2);
  const command = `npm run bench${argv.length ? ` -- ${argv.join(' ')}` : ''}`;
  say(`${command}: ${mode} mode, load average ${load.join(' ')}`);
  const work = path.join(RESULTS, 'work');
  await rm(work, { recursive: true, force: true });
  await mkdir(work, { recursive: true });
  const machine = await machineInfo();

  const inputs: { file: string; label: string; generated: boolean }[] = [];
  const gen = await sample(mode);
  const s = cfg.sample;
  inputs.push({ file: gen, label: `generated ${s.height}p ${s.durationSec} s`, generated: true });
  for (const p of positionals) {
    if (!existsSync(p) || !statSync(p).isFile()) throw new Error(`not a file: ${p}`);
    inputs.push({ file: path.resolve(p), label: path.basename(p), generated: false });
  }

  const sources: SourceResult[] = [];
  for (const input of inputs) {
    say(`source ${input.label}: ${reps} repetitions of plain ffmpeg and the pipeline, alternating`);
    const source = await describeSource(input.file, input.label, preset);
    sources.push(await benchSource(source, input.generated, preset, reps, segmentSeconds, work));
  }

  const orchestration: OrchestrationResult[] = [];
  for (const n of cfg.orchestration) {
    say(`orchestration: ${n} stand-in segments`);
    orchestration.push(
      (await runBenchChild<OrchestrationResult>('./child-orchestration.ts', [String(n), String(mapConcurrency)]))
        .result,
    );
  }
  await rm(work, { recursive: true, force: true });

  const finishedAt = new Date();
  const result: BenchResult = {
    mode,
    command,
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    runSec: (finishedAt.getTime() - startedAt.getTime()) / 1000,
    load: { start: load, end: loadAverage() },
    machine,
    settings: {
      preset: preset.name,
      segmentSeconds,
      repetitions: reps,
      mapConcurrency,
      orchestrationSegments: [...cfg.orchestration],
    },
    sources,
    orchestration,
    targets: targets(sources, orchestration),
  };
  const json = path.join(RESULTS, `${result.startedAt.replace(/[:.]/g, '-')}.json`);
  await writeFile(json, `${JSON.stringify(result, null, 2)}\n`);
  writeDoc(DOC, result, DOC_HEADER);
  say(`done in ${(result.runSec / 60).toFixed(1)} min: ${path.relative(ROOT, json)}, ${path.relative(ROOT, DOC)}`);
  for (const t of result.targets)
    say(`  ${t.met === null ? 'n/a   ' : t.met ? 'met   ' : 'MISSED'} ${t.name}: ${t.measured} (target ${t.target})`);
}

/** `--model`: measure, model 10 and 60 minutes in three cases, print the verdicts, document. */
async function modelOnly(preset: Preset, reuseQuota: boolean): Promise<void> {
  const command = `npm run bench -- ${process.argv.slice(2).join(' ')}`;
  say(`${command}: load average ${loadAverage().join(' ')}`);
  const r = await runModel({ results: RESULTS, preset, command, reuseQuota, say });
  await saveModelRun(RESULTS, r);
  const md = renderModel(r);
  await writeNewPathDoc(DOC, md, preset.name);
  process.stdout.write(`${md}\n`);
  if (!r.benchmark)
    say(
      `WARNING: load average ${r.load.start.map((x) => x.toFixed(2)).join(' ')} at start: not a benchmark (CPU figures inflated by contention)`,
    );
  for (const v of r.verdicts) process.stdout.write(`${v.line}\n`);
}

/** `--worker-quota`: the segment worker under its CPU quota, alone. */
async function quotaOnly(preset: string): Promise<void> {
  const command = `npm run bench -- ${process.argv.slice(2).join(' ')}`;
  say(`${command}: load average ${loadAverage().join(' ')}`);
  const r = await runWorkerQuota(RESULTS, preset, command, say);
  process.stdout.write(`${renderWorkerQuota(r)}\n`);
}

main().catch((err: unknown) => {
  say(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exit(1);
});
