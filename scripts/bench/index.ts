/**
 * `npm run bench [-- --quick] [--reps N] [file ...]`, `npm run bench -- --model`
 *
 * Measures the pipeline against one plain ffmpeg process doing the same transcode, breaks the
 * pipeline down by step, models the cloud critical path, measures the orchestration overhead
 * per segment and the split/concat throughput. Writes bench-results/<timestamp>.json and this
 * mode's section of docs/BENCHMARKS.md. Full mode: a generated 120 s 1080p source, 3
 * repetitions, 1,000/5,000/10,000 stand-in segments; quick mode: a 30 s 720p clip, 2
 * repetitions, 1,000 segments. `--model`: only the cloud model (modelRun.ts: the segment
 * worker measured under its CPU quota on real content, every state of the path in three cases,
 * the cost), its own doc section; `--reuse-quota` takes the last quota measurement.
 * `--worker-quota`: only that quota measurement (workerQuota.ts), printed and stored.
 */
import '../../src/util/quietWarnings.js';
import '../../src/local/polyfill.js';
import os from 'node:os';
import path from 'node:path';
import { existsSync, statSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { generateSample } from '../../src/media/sample.js';
import { getPreset, type Preset } from '../../src/media/presets.js';
import { runBenchChild, type CpuSeconds } from './proc.js';
import { describeSource, runPlain, type PlainRun, type Source } from './plain.js';
import { runPipeline, type PipelineRun } from './pipeline.js';
import { BEST_CASE, CLOUD_ASSUMPTIONS, modelCloud, withMapConcurrency } from './model.js';
import { measureThroughput } from './throughput.js';
import { measureOneCore } from './oneCore.js';
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

/** The two modes' sizes: full finishes in about 10 minutes on 2 idle cores, quick in about 1. */
const MODES = {
  full: { sample: { width: 1920, height: 1080, fps: 30, durationSec: 120 }, reps: 3, orchestration: [1000, 5000, 10000] },
  quick: { sample: { width: 1280, height: 720, fps: 30, durationSec: 30 }, reps: 2, orchestration: [1000] },
} as const;
/** The deployed Map concurrencies (serverless.yml mapMaxConcurrency: dev 50, prod 200). */
const DEPLOYED_MAP_CONCURRENCY = [50, 200];
const TEN_MINUTES = 600;

const say = (s: string) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${s}\n`);
const medianCpu = (xs: CpuSeconds[]): CpuSeconds => ({ user: median(xs.map((x) => x.user)), sys: median(xs.map((x) => x.sys)), total: median(xs.map((x) => x.total)) });
/** The item whose value is closest to the median (the run whose breakdown is shown). */
const nearest = <T>(xs: T[], value: (x: T) => number, m: number) => xs.reduce((a, b) => (Math.abs(value(b) - m) < Math.abs(value(a) - m) ? b : a));

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
  const pipelineCpuFfmpeg = medianCpu(pipeline.map((p) => p.cpu.ffmpeg));
  const pipelineCpuNode = medianCpu(pipeline.map((p) => p.cpu.node));
  const plainWallSec = median(plain.map((p) => p.wallSec));
  const pipelineWallSec = median(pipeline.map((p) => p.wallSec));
  return {
    plainWallSec,
    pipelineWallSec,
    wallRatio: pipelineWallSec / plainWallSec,
    plainCpu,
    pipelineCpu,
    pipelineCpuFfmpeg,
    pipelineCpuNode,
    cpuRatio: pipelineCpu.total / plainCpu.total,
  };
}

/** Items 1, 2 and 4 on one source: alternating plain and pipeline repetitions, model, throughput. */
async function benchSource(source: Source, generated: boolean, preset: Preset, reps: number, segmentSeconds: number, work: string): Promise<SourceResult> {
  const plain: PlainRun[] = [];
  const pipeline: PipelineRun[] = [];
  for (let i = 0; i < reps; i++) {
    // Alternate which goes first, so a drift in machine load hits both alike.
    const order = i % 2 === 0 ? (['plain', 'pipeline'] as const) : (['pipeline', 'plain'] as const);
    for (const what of order) {
      if (what === 'plain') {
        plain.push(await runPlain(source, preset, work));
        say(`  ${source.label} rep ${i + 1}/${reps} plain: ${plain.at(-1)!.wallSec.toFixed(1)} s wall, ${plain.at(-1)!.cpu.total.toFixed(1)} s CPU`);
      } else {
        pipeline.push(await runPipeline(source.file, preset.name, work));
        say(`  ${source.label} rep ${i + 1}/${reps} pipeline: ${pipeline.at(-1)!.wallSec.toFixed(1)} s wall, ${pipeline.at(-1)!.cpu.total.total.toFixed(1)} s CPU`);
      }
    }
  }
  const comparison = compare(plain, pipeline);
  const mid = nearest(pipeline, (p) => p.wallSec, comparison.pipelineWallSec);
  const bytes = statSync(source.file).size;
  say(`  ${source.label}: segment, audio and thumbnail encodes alone on one core ...`);
  const oneCore = await measureOneCore(source, preset, segmentSeconds, work);
  const modelInput = { steps: mid.steps, sourceSec: source.info.durationSec, sourceBytes: bytes, plainWallSec: comparison.plainWallSec, oneCore };
  const tenMinutes = modelCloud(modelInput, TEN_MINUTES);
  say(`  ${source.label}: split/concat throughput ...`);
  const throughput = await measureThroughput(source, segmentSeconds, work, 3);
  return {
    label: source.label,
    file: path.relative(ROOT, source.file),
    generated,
    durationSec: source.info.durationSec,
    width: source.info.video.width,
    height: source.info.video.height,
    fps: source.info.video.avgFrameRate,
    bytes,
    renditions: source.renditions.map((r) => r.name),
    plain,
    pipeline,
    comparison,
    steps: mid.steps,
    oneCore,
    model: {
      measured: modelCloud(modelInput, source.info.durationSec),
      tenMinutes,
      waves: DEPLOYED_MAP_CONCURRENCY.map((c) => withMapConcurrency(tenMinutes, c)),
      tenMinutesBestCase: modelCloud(modelInput, TEN_MINUTES, BEST_CASE),
    },
    throughput,
  };
}

function targets(sources: SourceResult[], orch: OrchestrationResult[]): TargetCheck[] {
  const out: TargetCheck[] = [];
  for (const s of sources) {
    const c = s.comparison;
    out.push({ name: `${s.label}: pipeline CPU / plain CPU`, target: '<= 1.10', measured: `${c.cpuRatio.toFixed(2)} (${c.pipelineCpu.total.toFixed(1)} s / ${c.plainCpu.total.toFixed(1)} s)`, met: c.cpuRatio <= 1.1 });
    out.push({ name: `${s.label}: pipeline wall / plain wall, same ${os.cpus().length} cores`, target: '<= 1.10', measured: `${c.wallRatio.toFixed(2)} (${c.pipelineWallSec.toFixed(1)} s / ${c.plainWallSec.toFixed(1)} s)`, met: c.wallRatio <= 1.1 });
    out.push({ name: `${s.label}: split speed / file copy`, target: '>= 0.5', measured: s.throughput.split.ratioToCopy.toFixed(3), met: s.throughput.split.ratioToCopy >= 0.5 });
    out.push({ name: `${s.label}: concat speed / file copy`, target: '>= 0.5', measured: s.throughput.concat.ratioToCopy.toFixed(3), met: s.throughput.concat.ratioToCopy >= 0.5 });
    const is1080 = Math.min(s.width, s.height) === 1080;
    out.push({
      name: `${s.label}: modelled fan-out speed-up, 10-minute source`,
      target: '>= 20x (10-minute 1080p)',
      measured: `${s.model.tenMinutes.speedup.toFixed(1)}x (${s.model.tenMinutes.criticalPathSec.toFixed(1)} s vs ${s.model.tenMinutes.plainSec.toFixed(0)} s plain)${is1080 ? '' : '; not a 1080p source'}`,
      met: is1080 ? s.model.tenMinutes.speedup >= 20 : null,
    });
  }
  const worst = Math.max(...orch.map((o) => o.msPerSegment));
  out.push({ name: 'orchestration overhead per segment', target: '< 5 ms', measured: `${worst.toFixed(3)} ms (worst of ${orch.map((o) => o.segments).join(', ')})`, met: worst < 5 });
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
    orchestration.push((await runBenchChild<OrchestrationResult>('./child-orchestration.ts', [String(n), String(mapConcurrency)])).result);
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
    settings: { preset: preset.name, segmentSeconds, repetitions: reps, mapConcurrency, orchestrationSegments: [...cfg.orchestration], throughputRepetitions: 3 },
    assumptions: CLOUD_ASSUMPTIONS,
    sources,
    orchestration,
    targets: targets(sources, orchestration),
  };
  const json = path.join(RESULTS, `${result.startedAt.replace(/[:.]/g, '-')}.json`);
  await writeFile(json, JSON.stringify(result, null, 2) + '\n');
  writeDoc(DOC, result, DOC_HEADER);
  say(`done in ${(result.runSec / 60).toFixed(1)} min: ${path.relative(ROOT, json)}, ${path.relative(ROOT, DOC)}`);
  for (const t of result.targets) say(`  ${t.met === null ? 'n/a   ' : t.met ? 'met   ' : 'MISSED'} ${t.name}: ${t.measured} (target ${t.target})`);
}

/** `--model`: measure, model 10 and 60 minutes in three cases, print the verdicts, document. */
async function modelOnly(preset: Preset, reuseQuota: boolean): Promise<void> {
  const command = `npm run bench -- ${process.argv.slice(2).join(' ')}`;
  say(`${command}: load average ${loadAverage().join(' ')}`);
  const r = await runModel({ results: RESULTS, preset, command, reuseQuota, say });
  await saveModelRun(RESULTS, r);
  const md = renderModel(r);
  await writeNewPathDoc(DOC, md, preset.name);
  process.stdout.write(md + '\n');
  if (!r.benchmark) say(`WARNING: load average ${r.load.start.map((x) => x.toFixed(2)).join(' ')} at start: not a benchmark (CPU figures inflated by contention)`);
  for (const v of r.verdicts) process.stdout.write(v.line + '\n');
}

/** `--worker-quota`: the segment worker under its CPU quota, alone. */
async function quotaOnly(preset: string): Promise<void> {
  const command = `npm run bench -- ${process.argv.slice(2).join(' ')}`;
  say(`${command}: load average ${loadAverage().join(' ')}`);
  const r = await runWorkerQuota(RESULTS, preset, command, say);
  process.stdout.write(renderWorkerQuota(r) + '\n');
}

main().catch((err: unknown) => {
  say(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exit(1);
});
