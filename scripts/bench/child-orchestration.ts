/**
 * Child entry point: `child-orchestration.ts <segments> <mapConcurrency>`.
 *
 * Runs the real state machine (statemachines/transcode.asl.json, via the local stack's
 * LocalStepFunctions) with stand-in handlers that return at once, so all that is measured is
 * the orchestration: state transitions, the Map over N segment indices, event logs, progress
 * tracking. Runs in a fresh process so its peak RSS belongs to this N alone.
 */
import '../../src/util/quietWarnings.js';
import '../../src/local/polyfill.js';
import { LocalStepFunctions, loadDefinition, localSubstitutions, taskStates } from '../../src/local/stepFunctions.js';
import type { JobInput } from '../../src/pipeline/job.js';
import { answer } from './proc.js';

/** What one orchestration measurement reports. */
export interface OrchestrationResult {
  segments: number;
  mapConcurrency: number;
  wallMs: number;
  msPerSegment: number;
  /** RSS after start-up and a warm-up execution, before the measured one. */
  baselineRssMb: number;
  /** Highest RSS sampled during the measured execution. */
  peakRssMb: number;
  /** Highest V8 heap in use sampled during the measured execution. */
  peakHeapMb: number;
  /** Kernel's peak RSS of the whole process (resourceUsage().maxRSS). */
  maxRssMb: number;
  /** Time after the execution ended until the progress tracker had seen every segment. */
  progressLagMs: number;
  /** MapIterationSucceeded events the local stack's progress tracker counted (should be N). */
  progressSegmentsSeen: number;
  /** Heap and RSS once the tracker caught up and after a full GC: what the run left behind. */
  heapAfterSettleMb: number;
  rssAfterSettleMb: number;
}

const [segments, concurrency] = process.argv.slice(2).map(Number);
const MB = 1024 * 1024;

// Stand-ins for every Task state the local stack maps (so a Task added to the ASL is covered),
// with the real handlers' output shapes where the ASL reads them: Plan's indices and read mode
// (the ReadMode choice), TranscodeSegment's index (its ResultSelector), Assemble's part list
// (the AssembleParts Map). Everything else
// returns nothing.
let planned = 0;
let transcoded = 0;
const noop = async () => ({});
const handlers: Record<string, (input: never) => Promise<unknown>> = {
  ...Object.fromEntries(
    taskStates(loadDefinition(localSubstitutions('work')) as { States: Record<string, unknown> }).map((t) => [
      t.name,
      noop,
    ]),
  ),
  Plan: async () => ({
    segmentCount: planned,
    indices: Array.from({ length: planned }, (_, i) => i),
    readMode: 'range',
  }),
  Publish: async () => ({
    outputs: [],
    encoder: { ffmpegVersion: 'stand-in' },
    tracks: { audio: [], subtitles: [], skipped: [] },
    verification: { status: 'PASSED', limits: {}, renditions: [] },
  }),
  // The MP4 parts Map reads Assemble's part list: none here (its own Map is not what is measured).
  Assemble: async () => ({ renditions: [], parts: [] }),
  // One macrotask of "work": with a handler that resolves in the same microtask run,
  // aws-local-stepfunctions 3.0.0 closes the Parallel branch's event log before forwarding
  // the Map's iteration events and drops about half of them (progress would undercount).
  TranscodeSegment: async (input: { index: number }) => {
    await new Promise((r) => setImmediate(r));
    transcoded++;
    return { index: input.index };
  },
};

const sfn = new LocalStepFunctions(loadDefinition(localSubstitutions('work')), handlers);

async function execute(name: string, n: number): Promise<void> {
  planned = n;
  transcoded = 0;
  // engine "lambda": the encoder decider takes the fan-out branch (Split, Map) whatever the probe says.
  const input = {
    jobId: name,
    source: { bucket: 'ingest', key: 'bench.mp4' },
    settings: { preset: 'h264-ladder', segmentSeconds: 4, engine: 'lambda' },
    userMetadata: {},
    submittedAt: new Date().toISOString(),
    config: { mapConcurrency: concurrency },
  } as JobInput;
  await sfn.start(name, input);
  const end = await sfn.wait(name);
  if (end.status !== 'SUCCEEDED' || transcoded !== n)
    throw new Error(`execution ${name}: ${end.status}, ${transcoded}/${n} segments`);
}

// Warm-up: JIT and module state, so the measured run is the steady state.
await execute('warmup', 200);
(globalThis as { gc?: () => void }).gc?.();
const baseline = process.memoryUsage().rss;
let peak = baseline;
let peakHeap = 0;
const sample = () => {
  const m = process.memoryUsage();
  peak = Math.max(peak, m.rss);
  peakHeap = Math.max(peakHeap, m.heapUsed);
};
const sampler = setInterval(sample, 10);
const started = performance.now();
await execute('measured', segments);
const wallMs = performance.now() - started;
// The runner's event log is consumed asynchronously and can trail the execution; wait
// until the progress tracker has seen every segment before asking what was retained.
const settleBy = performance.now() + 30_000;
while ((await sfn.wait('measured')).segmentsDone < segments && performance.now() < settleBy)
  await new Promise((r) => setTimeout(r, 5));
const progressLagMs = performance.now() - started - wallMs;
clearInterval(sampler);
sample();
(globalThis as { gc?: () => void }).gc?.();

const result: OrchestrationResult = {
  segments,
  mapConcurrency: concurrency,
  wallMs,
  msPerSegment: wallMs / segments,
  baselineRssMb: baseline / MB,
  peakRssMb: peak / MB,
  peakHeapMb: peakHeap / MB,
  maxRssMb: process.resourceUsage().maxRSS / 1024,
  progressLagMs,
  progressSegmentsSeen: (await sfn.wait('measured')).segmentsDone,
  heapAfterSettleMb: process.memoryUsage().heapUsed / MB,
  rssAfterSettleMb: process.memoryUsage().rss / MB,
};
answer(result);
