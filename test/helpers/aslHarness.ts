/**
 * Runs the real state machine definition in aws-local-stepfunctions with stub task handlers
 * (no S3, no ffmpeg): every Task state answers with a canned result unless a test gives its
 * own handler. Waits and retry intervals are zero, so a whole run takes milliseconds.
 */
import '../../src/local/polyfill.js';
import { StateMachine } from 'aws-local-stepfunctions';
import { loadDefinition, localSubstitutions, taskStates } from '../../src/local/stepFunctions.js';

type Json = Record<string, unknown>;
export type StubHandler = (input: Json) => unknown;

/** A job input as the ingest starter builds it. */
export function jobInput(over: { engine?: string; decider?: Json | null } = {}): Json {
  return {
    jobId: 'j-test',
    source: { bucket: 'ingest', key: 'uploads/a.mp4' },
    settings: {
      preset: 'h264-single-480p',
      segmentSeconds: 4,
      outputs: ['hls', 'dash', 'mp4'],
      ...(over.engine !== undefined ? { engine: over.engine } : {}),
    },
    userMetadata: {},
    submittedAt: '2025-01-01T00:00:00.000Z',
    config: { mapConcurrency: 1, ...(over.decider ? { decider: over.decider } : {}) },
  };
}

/** Canned results of every Task state. */
function defaultStubs(): Record<string, StubHandler> {
  let polls = 0;
  return {
    Probe: () => ({
      sizeBytes: 1000,
      durationSec: 10,
      maxKeyframeGapSec: 2,
      width: 640,
      height: 360,
      pixFmt: 'yuv420p',
      videoCodec: 'h264',
    }),
    Plan: () => ({
      segmentCount: 1,
      indices: [0],
      renditions: ['360p'],
      frameCount: 250,
      durationSec: 10,
      hasAudio: false,
      readMode: 'split',
      outputCodec: 'h264',
      segmentEncodeSec: 10,
    }),
    Split: () => ({ files: 1 }),
    TranscodeSegment: (i) => ({ index: i.index }),
    SegmentToEcs: (i) => ({ index: i.index, fallback: (i.fallback as Json).Error }),
    Subtitles: () => ({}),
    Assemble: () => ({
      renditions: ['360p'],
      parts: [
        { rendition: '360p', part: 1 },
        { rendition: '360p', part: 2 },
      ],
    }),
    AssemblePart: () => ({ bytes: 1 }),
    AssembleComplete: () => ({ renditions: ['360p'] }),
    Publish: () => ({
      outputs: [],
      encoder: { ffmpegVersion: '5.1.8-0+deb12u1' },
      tracks: { audio: [], subtitles: [], skipped: [] },
      verification: { status: 'PASSED', limits: {}, renditions: [] },
    }),
    EmitProgressing: (i) => ({ emitted: i.status }),
    EmitComplete: (i) => ({ emitted: i.status }),
    EmitError: (i) => ({ emitted: i.status }),
    Cleanup: () => ({ deleted: 0 }),
    CleanupAfterError: () => ({ deleted: 0 }),
    EcsSubmit: (i) => ({
      taskArn: 'arn:task/1',
      attempt: ((i.ecs as Json).attempt as number) + 1,
      jobUri: 's3://work/jobs/j-test/ecs/job.json',
      startedAt: '2025-01-01T00:00:00.000Z',
      polls: 0,
      elapsedSec: 0,
      waitSeconds: 30,
      status: 'RUNNING',
      retryable: true,
      history: [],
    }),
    EcsStatus: (i) => ({ ...(i.ecs as Json), polls: ++polls, status: 'SUCCEEDED', retryable: false }),
    EcsStop: (i) => ({
      ...(i.ecs as Json),
      status: 'FAILED',
      retryable: false,
      error: { Error: 'EcsTimeout', Cause: 'TIMEOUT: stopped' },
    }),
  };
}

export interface AslRun {
  /** Task states whose handler ran, in order. */
  calls: { state: string; input: Json }[];
  /** States entered, in order (top level and nested). */
  entered: string[];
  status: 'SUCCEEDED' | 'FAILED';
  output?: Json;
  error?: unknown;
  count(state: string): number;
}

/** Runs the real ASL over `input` with stubs, `handlers` replacing some of them. */
export async function runAsl(input: Json, handlers: Record<string, StubHandler> = {}): Promise<AslRun> {
  const def = loadDefinition(localSubstitutions('work'));
  const machine = new StateMachine(def as never);
  const stubs = { ...defaultStubs(), ...handlers };
  const calls: AslRun['calls'] = [];
  const local: Record<string, (i: Json) => Promise<unknown>> = {};
  const names = taskStates(def as { States: Record<string, unknown> }).map((t) => t.name);
  for (const name of names) {
    local[name] = async (i: Json) => {
      calls.push({ state: name, input: i });
      return stubs[name](i);
    };
  }
  const zero = Object.fromEntries(names.map((n) => [n, 0]));
  const run = machine.run(input as never, {
    overrides: {
      taskResourceLocalHandlers: local as never,
      waitTimeOverrides: { EcsWait: 0 },
      retryIntervalOverrides: zero,
    },
    context: {
      Execution: {
        Id: 'arn:aws:states:us-east-1:000000000000:execution:test:j-test',
        Name: 'j-test',
        StartTime: '2025-01-01T00:00:00.000Z',
        Input: input,
      },
    } as never,
  });
  const entered: string[] = [];
  const follow = (async () => {
    for await (const ev of run.eventLogs as AsyncGenerator<{ type: string; state?: { name: string } }>) {
      if (ev.type === 'StateEntered' && ev.state) entered.push(ev.state.name);
    }
  })();
  let out: AslRun;
  const count = (state: string) => entered.filter((s) => s === state).length;
  try {
    const output = (await run.result) as Json;
    out = { calls, entered, status: 'SUCCEEDED', output, count };
  } catch (error) {
    out = { calls, entered, status: 'FAILED', error, count };
  }
  await follow;
  return out;
}

/** Which engine a run took: the first Task state after the decider. */
export function engineOf(run: AslRun): 'lambda' | 'ecs' | 'none' {
  const i = run.entered.indexOf('EncoderDecider');
  const next = run.entered[i + 1];
  return next === 'ReadMode' ? 'lambda' : next === 'EcsStart' ? 'ecs' : 'none';
}
