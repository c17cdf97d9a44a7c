/**
 * `npm run bench -- --model`: measures what the cloud model needs (the segment worker under its
 * CPU quota on real content: workerQuota.ts; the probe and plan figures: newPath.ts), models
 * 10- and 60-minute 1080p in three cases (cloudModel.ts), prints the verdict lines and the
 * cost beside MediaConvert's, and writes the doc section and bench-results/model-*.json.
 * `--reuse-quota` models again from the last measurements (worker-quota-latest.json,
 * newpath-latest.json) without measuring.
 */
import os from 'node:os';
import path from 'node:path';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import type { Preset } from '../../src/media/plan/presets.js';
import { AWS, CASES, LAMBDA_MEMORY_MB, PRICES, PRICES_DATE, type Case } from './awsConstants.js';
import {
  COMPLETE_MULTIPART,
  SPRITE,
  modelAll,
  verdicts,
  type ModelInputs,
  type PathResult,
  type Verdict,
} from './cloudModel.js';
import { measureNewPath } from './newPath.js';
import {
  MAX_BENCH_LOAD,
  fullSegments,
  measureWorkerQuota,
  quotaStats,
  renderWorkerQuota,
  type WorkerQuotaResult,
} from './workerQuota.js';
import { median } from './stats.js';

/** Everything one `--model` run measured and modelled. */
export interface ModelRun {
  command: string;
  startedAt: string;
  load: { start: number[]; end: number[] };
  benchmark: boolean;
  inputs: ModelInputs;
  quota: WorkerQuotaResult;
  notes: string[];
  ten: Record<Case, PathResult>;
  sixty: Record<Case, PathResult>;
  verdicts: Verdict[];
  /** The same model with the other encode basis (wall under the quota vs CPU over vCPUs), for comparison. */
  otherBasis: { basis: 'wall' | 'cpu'; verdicts: Verdict[] };
}

/**
 * How the segment's encode time is taken: on a quiet machine, the ffmpeg wall time under the
 * quota (what the function would see, thread scaling included); when the load was too high for
 * that (the quota is a ceiling, contention takes from it), its CPU seconds over the function's
 * vCPUs, which assumes the threads use the whole quota (optimistic on thread scaling) and is
 * consistent with plain ffmpeg's figure (CPU seconds over the cores).
 */
export function encodeBasis(q: WorkerQuotaResult): 'wall' | 'cpu' {
  return q.benchmark ? 'wall' : 'cpu';
}

/** The model's inputs from the two measurements. */
export function inputsFrom(
  q: WorkerQuotaResult,
  np: Awaited<ReturnType<typeof measureNewPath>>['inputs'],
  basis = encodeBasis(q),
): ModelInputs {
  const full = fullSegments(q.segments);
  const stats = quotaStats(q.segments, q.source.fps);
  const mp4 = q.bytes.mp4.map((o) => o.sizeBytes);
  const t = basis === 'wall' ? full.map((s) => s.wallSec) : full.map((s) => s.cpuSec / q.vcpus);
  return {
    fps: q.source.fps,
    segmentSec: stats.segmentSec,
    segmentMedianSec: median(t),
    segmentMaxSec: Math.max(...t),
    segmentHandlerSec: median(full.map((s) => Math.max(0, s.handlerTotalSec - s.handlerEncodeSec))),
    planChecksSec: median(q.planChecks.coldSec),
    plainSecPerFrame: q.plain.secPerFrame,
    sourceBytesPerSec: q.bytes.source / q.source.durationSec,
    streamProbeSec: np.streamProbeSec,
    streamProbeBytes: np.streamProbeBytes,
    moovBytesPerSec: np.moovBytesPerSec,
    moovParseSecPerSourceSec: np.moovParseSecPerSourceSec,
    planSecPerSourceSec: np.planSecPerSourceSec,
    probeDocBytesPerSec: np.probeDocBytesPerSec,
    outputBytesPerSec: mp4.reduce((a, b) => a + b, 0) / q.source.durationSec,
    largestRenditionBytesPerSec: Math.max(...mp4) / q.source.durationSec,
    renditions: mp4.length,
  };
}

/** Measures (or reuses the last quota measurement with `reuseQuota`), models, documents. */
export async function runModel(opts: {
  results: string;
  preset: Preset;
  command: string;
  reuseQuota: boolean;
  say: (s: string) => void;
}): Promise<ModelRun> {
  const startedAt = new Date().toISOString();
  const loadStart = os.loadavg();
  const latest = path.join(opts.results, 'worker-quota-latest.json');
  let quota: WorkerQuotaResult;
  if (opts.reuseQuota && existsSync(latest)) {
    quota = JSON.parse(await readFile(latest, 'utf8')) as WorkerQuotaResult;
    opts.say(`reusing ${path.relative(path.dirname(opts.results), latest)} (${quota.startedAt})`);
  } else {
    quota = await measureWorkerQuota({
      results: opts.results,
      preset: opts.preset,
      command: opts.command,
      say: opts.say,
    });
    await writeFile(latest, `${JSON.stringify(quota, null, 2)}\n`);
  }
  const npLatest = path.join(opts.results, 'newpath-latest.json');
  let np: Awaited<ReturnType<typeof measureNewPath>>;
  if (opts.reuseQuota && existsSync(npLatest)) {
    np = JSON.parse(await readFile(npLatest, 'utf8')) as typeof np;
    opts.say(`reusing ${path.relative(path.dirname(opts.results), npLatest)}`);
  } else {
    opts.say('probe, moov and plan figures (newPath.ts) ...');
    np = await measureNewPath(path.join(opts.results, 'samples'), path.join(opts.results, 'work-model'), opts.preset);
    await writeFile(npLatest, `${JSON.stringify(np, null, 2)}\n`);
  }
  const inputs = inputsFrom(quota, np.inputs);
  const heights = opts.preset.renditions.flatMap((r) => (r.height !== undefined ? [r.height] : []));
  const { ten, sixty } = modelAll(inputs, heights);
  const loadEnd = os.loadavg();
  const benchmark = quota.benchmark && loadStart[0] <= MAX_BENCH_LOAD && loadEnd[0] <= MAX_BENCH_LOAD;
  const other = encodeBasis(quota) === 'wall' ? 'cpu' : 'wall';
  const alt = modelAll(inputsFrom(quota, np.inputs, other), heights);
  return {
    command: opts.command,
    startedAt,
    load: { start: loadStart, end: loadEnd },
    benchmark,
    inputs,
    quota,
    notes: np.notes,
    ten,
    sixty,
    verdicts: verdicts(ten, sixty),
    otherBasis: { basis: other, verdicts: verdicts(alt.ten, alt.sixty).slice(0, 5) },
  };
}

const f = (x: number, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : 'n/a');
const table = (head: string[], rows: (string | number)[][]) =>
  [
    `| ${head.join(' | ')} |`,
    `| ${head.map(() => '---').join(' | ')} |`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');

function pathTable(r: Record<Case, PathResult>): string {
  const L = r.likely;
  return table(
    ['term', 'state / code', ...CASES.map((c) => `${c}, s`), 'how (likely)'],
    [
      ...L.terms.map((t, i) => [t.name, t.state, ...CASES.map((c) => f(r[c].terms[i].sec)), t.how]),
      [
        '**path to COMPLETE**',
        '',
        ...CASES.map((c) => `**${f(r[c].criticalPathSec, 1)}**`),
        `${L.segments} segments, concurrency ${CASES.map((c) => r[c].concurrency).join('/')}, waves ${CASES.map((c) => r[c].waves).join('/')}`,
      ],
      [
        'Cleanup (after COMPLETE)',
        'Cleanup Task / src/pipeline/steps/cleanup.ts',
        ...CASES.map((c) => f(r[c].afterCompleteSec)),
        'not in the speed-up',
      ],
      [
        'plain ffmpeg, this machine',
        '',
        ...CASES.map((c) => f(r[c].plainSec, 0)),
        'one process, every rendition, CPU s per frame over the cores',
      ],
      ['**speed-up**', '', ...CASES.map((c) => `**${f(r[c].speedup, 1)}x**`), ''],
    ],
  );
}

function costTable(r: PathResult): string {
  return table(
    ['item', 'quantity', 'unit', 'USD'],
    [
      ...r.cost.lines.map((l) => [l.item, f(l.quantity, l.quantity < 100 ? 1 : 0), l.unit, f(l.usd, 5)]),
      ['**job**', '', '', `**${f(r.cost.totalUsd, 4)}**`],
      ['**per output minute**', '', '', `**${f(r.cost.perOutputMinuteUsd, 5)}**`],
      ['MediaConvert Basic, same ladder, per minute', '', '', f(r.cost.mediaConvert.basicPerMinuteUsd, 4)],
      [
        'MediaConvert Professional, same ladder, per minute',
        '',
        '',
        f(r.cost.mediaConvert.professionalPerMinuteUsd, 4),
      ],
    ],
  );
}

/** The markdown of the model section (also printed). */
export function renderModel(r: ModelRun): string {
  const consts = { ...AWS, completeMultipart: COMPLETE_MULTIPART, sprite: SPRITE };
  return [
    `### The cloud model (issue 18): \`${r.command}\``,
    '',
    `Run ${r.startedAt}; load average ${r.load.start.map((x) => f(x)).join(' ')} at start, ${r.load.end.map((x) => f(x)).join(' ')} at end.${r.benchmark ? '' : ` **Not a benchmark: the 1-minute load was above ${MAX_BENCH_LOAD} (shared machine); every CPU figure below is inflated by contention (plain ffmpeg's too), re-run on an idle machine.**`}`,
    '',
    `Segment encode time taken as ${encodeBasis(r.quota) === 'wall' ? 'the ffmpeg wall time under the quota (a quiet machine: thread scaling included)' : "**CPU seconds over the function's vCPUs** (the load was too high for the wall time under the quota to mean anything; this assumes the x264 threads fill the whole quota, optimistic on thread scaling, and matches plain ffmpeg's CPU-over-cores figure)"}.`,
    '',
    'Modelled: the built path (outputs written in place, so Publish writes only the manifests, last; MaxConcurrency 1,000; progress without a hot key: the model charges every segment a DynamoDB write, pessimistic, where the built path LISTs the results and writes only on 10 % steps; the segment worker reads only its own samples in a few ranged GETs and hands ffmpeg a small fMP4 built from the index, no moov read per segment). Each term names its ASL state and code. Times in seconds; three cases from the constants table below.',
    '',
    '```',
    ...r.verdicts.map((v) => v.line),
    '```',
    '',
    `The same model with the segment encode taken as ${r.otherBasis.basis === 'wall' ? 'the ffmpeg wall time under the quota (under this load: contention, not the quota; see the throttled column below)' : 'CPU seconds over the vCPUs'}:`,
    '',
    '```',
    ...r.otherBasis.verdicts.map((v) => v.line),
    '```',
    '',
    '#### 10-minute 1080p',
    '',
    pathTable(r.ten),
    '',
    '#### 60-minute 1080p',
    '',
    pathTable(r.sixty),
    '',
    `#### Cost of a job (likely case; ${PRICES_DATE})`,
    '',
    '10-minute 1080p:',
    '',
    costTable(r.ten.likely),
    '',
    '60-minute 1080p:',
    '',
    costTable(r.sixty.likely),
    '',
    `Pessimistic: $${f(r.ten.pessimistic.cost.perOutputMinuteUsd, 5)} (10 min) and $${f(r.sixty.pessimistic.cost.perOutputMinuteUsd, 5)} (60 min) per output minute. Lambda is billed for each function's modelled duration at its configured memory (${Object.entries(
      LAMBDA_MEMORY_MB,
    )
      .map(([k, mb]) => `${k} ${mb} MB`)
      .join(', ')}), cold starts included (INIT is billed).`,
    '',
    table(
      ['price', 'USD', 'per', 'page'],
      Object.entries(PRICES).map(([k, p]) => [k, String(p.usd), p.per, p.source]),
    ),
    '',
    '#### Constants (optimistic / likely / pessimistic)',
    '',
    table(
      ['constant', 'optimistic', 'likely', 'pessimistic', 'unit', 'AWS publishes it', 'source'],
      Object.entries(consts).map(([k, c]) => [
        k,
        String(c.optimistic),
        String(c.likely),
        String(c.pessimistic),
        c.unit,
        c.published ? 'yes' : '**no**',
        c.source,
      ]),
    ),
    '',
    '#### Measured here (inputs of the model)',
    '',
    table(
      ['input', 'value'],
      Object.entries(r.inputs).map(([k, x]) => [k, f(x as number, 6)]),
    ),
    '',
    renderWorkerQuota(r.quota),
    'Probe and plan figures (newPath.ts, generated sources):',
    '',
    ...r.notes.map((n) => `- ${n}`),
    '',
  ].join('\n');
}

/** Writes bench-results/model-<time>.json. */
export async function saveModelRun(results: string, r: ModelRun): Promise<void> {
  await mkdir(results, { recursive: true });
  await writeFile(
    path.join(results, `model-${r.startedAt.replace(/[:.]/g, '-')}.json`),
    `${JSON.stringify(r, null, 2)}\n`,
  );
}
