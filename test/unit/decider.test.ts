/**
 * The encoder decider: the pure function (src/pipeline/decider.ts) on both sides of every threshold,
 * and the state machine's EncoderDecider Choice, run in aws-local-stepfunctions with stub
 * handlers, taking the branch the function computes for every one of those sources.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  DEFAULT_THRESHOLDS,
  ECS_PIX_FMT_PATTERNS,
  ECS_VIDEO_CODECS,
  decideEngine,
  globMatches,
  type DeciderProbe,
  type DeciderThresholds,
  type Decision,
} from '../../src/pipeline/decider.js';
import { parseConfig } from '../../src/config.js';
import { jobForObject } from '../../src/pipeline/ingest.js';
import { ASL_PATH } from '../../src/local/stepFunctions.js';
import { engineOf, jobInput, runAsl } from '../helpers/aslHarness.js';

const T = DEFAULT_THRESHOLDS;
/** Well inside every threshold. */
const base: DeciderProbe = {
  sizeBytes: 200e6,
  durationSec: 600,
  maxKeyframeGapSec: 2,
  width: 1920,
  height: 1080,
  pixFmt: 'yuv420p',
  videoCodec: 'h264',
};

interface Case {
  name: string;
  probe?: Partial<DeciderProbe>;
  /** The plan's estimate of its slowest segment's encode (absent: 10 s). */
  segmentEncodeSec?: number;
  engine?: string;
  decider?: DeciderThresholds | null;
  expect: Decision;
}

const cases: Case[] = [
  { name: 'a plain 1080p H.264 source', expect: { engine: 'lambda', rule: 'default' } },
  // size
  {
    name: 'size at the threshold',
    probe: { sizeBytes: T.maxLambdaSizeBytes },
    expect: { engine: 'lambda', rule: 'default' },
  },
  {
    name: 'size one byte above',
    probe: { sizeBytes: T.maxLambdaSizeBytes + 1 },
    expect: { engine: 'ecs', rule: 'size' },
  },
  // duration
  {
    name: 'duration at the threshold',
    probe: { durationSec: T.maxLambdaDurationSec },
    expect: { engine: 'lambda', rule: 'default' },
  },
  {
    name: 'duration just above',
    probe: { durationSec: T.maxLambdaDurationSec + 0.001 },
    expect: { engine: 'ecs', rule: 'duration' },
  },
  // keyframe gap
  {
    name: 'keyframe gap at the threshold',
    probe: { maxKeyframeGapSec: T.maxLambdaKeyframeGapSec },
    expect: { engine: 'lambda', rule: 'default' },
  },
  {
    name: 'keyframe gap just above',
    probe: { maxKeyframeGapSec: T.maxLambdaKeyframeGapSec + 0.001 },
    expect: { engine: 'ecs', rule: 'keyframe-gap' },
  },
  // long side, both orientations
  {
    name: 'width at the long-side threshold (DCI 4K)',
    probe: { width: 4096, height: 2160 },
    expect: { engine: 'lambda', rule: 'default' },
  },
  {
    name: 'width above the long side',
    probe: { width: 4097, height: 1000 },
    expect: { engine: 'ecs', rule: 'long-side' },
  },
  {
    name: 'portrait: height at the long side',
    probe: { width: 2160, height: 4096 },
    expect: { engine: 'lambda', rule: 'default' },
  },
  {
    name: 'portrait: height above the long side',
    probe: { width: 1000, height: 4097 },
    expect: { engine: 'ecs', rule: 'long-side' },
  },
  // short side
  {
    name: 'UHD 3840x2160 (short side at the threshold)',
    probe: { width: 3840, height: 2160 },
    expect: { engine: 'lambda', rule: 'default' },
  },
  {
    name: 'both sides above the short side',
    probe: { width: 3840, height: 2161 },
    expect: { engine: 'ecs', rule: 'short-side' },
  },
  {
    name: 'square at the short side',
    probe: { width: 2160, height: 2160 },
    expect: { engine: 'lambda', rule: 'default' },
  },
  {
    name: 'square just above the short side',
    probe: { width: 2161, height: 2161 },
    expect: { engine: 'ecs', rule: 'short-side' },
  },
  // pixel formats
  ...['yuv420p', 'yuvj420p', 'yuv422p', 'nv12', 'gray', 'yuva420p'].map((pixFmt) => ({
    name: `8-bit ${pixFmt}`,
    probe: { pixFmt },
    expect: { engine: 'lambda', rule: 'default' } as Decision,
  })),
  ...[
    'yuv420p10le',
    'yuv422p10le',
    'yuv420p12le',
    'p010le',
    'yuv444p',
    'yuvj444p',
    'yuv444p10le',
    'gbrp',
    'gbrp10le',
    'gray16le',
    'yuv420p10be',
  ].map((pixFmt) => ({
    name: `high bit depth or 4:4:4 ${pixFmt}`,
    probe: { pixFmt },
    expect: { engine: 'ecs', rule: 'pix-fmt' } as Decision,
  })),
  // codecs
  ...['hevc', 'vp9', 'mpeg2video', 'prores'].map((videoCodec) => ({
    name: `codec ${videoCodec}`,
    probe: { videoCodec },
    expect: { engine: 'lambda', rule: 'default' } as Decision,
  })),
  { name: 'codec av1', probe: { videoCodec: 'av1' }, expect: { engine: 'ecs', rule: 'codec' } },
  // the job's request
  {
    name: 'engine auto: thresholds apply',
    engine: 'auto',
    probe: { durationSec: T.maxLambdaDurationSec + 1 },
    expect: { engine: 'ecs', rule: 'duration' },
  },
  {
    name: 'engine lambda beats every threshold',
    engine: 'lambda',
    probe: { sizeBytes: 1e12, durationSec: 1e5, width: 8192, height: 4320, pixFmt: 'yuv444p10le', videoCodec: 'av1' },
    expect: { engine: 'lambda', rule: 'forced' },
  },
  {
    name: 'engine ecs for a tiny source',
    engine: 'ecs',
    probe: { sizeBytes: 10, durationSec: 1 },
    expect: { engine: 'ecs', rule: 'forced' },
  },
  {
    name: 'no thresholds in the input: Lambda',
    decider: null,
    probe: { sizeBytes: 1e12 },
    expect: { engine: 'lambda', rule: 'no-thresholds' },
  },
  {
    name: 'no thresholds but engine ecs: ECS',
    decider: null,
    engine: 'ecs',
    expect: { engine: 'ecs', rule: 'forced' },
  },
  // thresholds are parameters: a lower one moves the same source
  {
    name: 'a lower duration threshold (parameter)',
    decider: { ...T, maxLambdaDurationSec: 30 },
    probe: { durationSec: 31 },
    expect: { engine: 'ecs', rule: 'duration' },
  },
  // the encoder's cost: the plan's estimate of the slowest segment (AV1 and HEVC weigh more)
  {
    name: 'segment encode estimate at the threshold',
    segmentEncodeSec: T.maxLambdaSegmentEncodeSec,
    expect: { engine: 'lambda', rule: 'default' },
  },
  {
    name: 'segment encode estimate just above',
    segmentEncodeSec: T.maxLambdaSegmentEncodeSec! + 0.01,
    expect: { engine: 'ecs', rule: 'encoder-cost' },
  },
  {
    name: 'an input without the cost threshold (older starter): the estimate is not weighed',
    decider: { ...T, maxLambdaSegmentEncodeSec: undefined },
    segmentEncodeSec: 1e6,
    expect: { engine: 'lambda', rule: 'default' },
  },
  {
    name: 'a lower cost threshold (parameter)',
    decider: { ...T, maxLambdaSegmentEncodeSec: 20 },
    segmentEncodeSec: 21,
    expect: { engine: 'ecs', rule: 'encoder-cost' },
  },
  {
    name: 'a lower size threshold (parameter), at it',
    decider: { ...T, maxLambdaSizeBytes: 1000 },
    probe: { sizeBytes: 1000 },
    expect: { engine: 'lambda', rule: 'default' },
  },
];

const stateOf = (c: Case) => ({
  probe: { ...base, ...c.probe },
  plan: { segmentEncodeSec: c.segmentEncodeSec ?? 10 },
  settings: c.engine !== undefined ? { engine: c.engine } : {},
  config: c.decider === null ? {} : { decider: c.decider ?? T },
});

describe('encoder decider (pure function)', () => {
  for (const c of cases) {
    it(`${c.name} -> ${c.expect.engine} (${c.expect.rule})`, () => {
      assert.deepEqual(decideEngine(stateOf(c)), c.expect);
    });
  }

  it('StringMatches semantics: * only, the rest literal', () => {
    assert.ok(globMatches('*10le', 'yuv420p10le'));
    assert.ok(!globMatches('*10le', 'yuv420p10le2'));
    assert.ok(globMatches('gbr*', 'gbrp'));
    assert.ok(!globMatches('yuv444*', 'xyuv444p'));
    assert.ok(!globMatches('a.c', 'abc'));
  });

  it('defaults come from the configuration, and the starter puts them in the execution input', () => {
    const config = parseConfig({ INGEST_BUCKET: 'i', WORK_BUCKET: 'w', OUTPUT_BUCKET: 'o' });
    const ev = {
      'detail-type': 'Object Created' as const,
      detail: { bucket: { name: 'i' }, object: { key: 'a.mp4', etag: 'e' } },
    };
    const job = jobForObject(config, ev, {});
    assert.deepEqual(job.config.decider, DEFAULT_THRESHOLDS);
    assert.equal(job.settings.engine, 'auto');
    const lowered = parseConfig({
      INGEST_BUCKET: 'i',
      WORK_BUCKET: 'w',
      OUTPUT_BUCKET: 'o',
      MAX_LAMBDA_SIZE_BYTES: '1000',
      MAX_LAMBDA_DURATION_SECONDS: '5',
      MAX_LAMBDA_KEYFRAME_GAP_SECONDS: '1',
      MAX_LAMBDA_LONG_SIDE: '640',
      MAX_LAMBDA_SHORT_SIDE: '360',
      MAX_LAMBDA_SEGMENT_ENCODE_SECONDS: '30',
    });
    assert.deepEqual(jobForObject(lowered, ev, { engine: 'ecs' }).config.decider, {
      maxLambdaSizeBytes: 1000,
      maxLambdaDurationSec: 5,
      maxLambdaKeyframeGapSec: 1,
      maxLambdaLongSide: 640,
      maxLambdaShortSide: 360,
      maxLambdaSegmentEncodeSec: 30,
    });
    assert.equal(jobForObject(lowered, ev, { engine: 'ecs' }).settings.engine, 'ecs');
  });
});

describe('encoder decider (the ASL Choice, run in aws-local-stepfunctions)', function () {
  this.timeout(60_000);

  it('lists the same pixel formats and codecs as src/pipeline/decider.ts', () => {
    const def = JSON.parse(readFileSync(ASL_PATH, 'utf8')) as {
      States: Record<string, { Choices: Record<string, unknown>[] }>;
    };
    const rules = def.States.EncoderDecider.Choices;
    const patterns = rules.flatMap((r) =>
      ((r.Or as { Variable: string; StringMatches?: string }[] | undefined) ?? [])
        .filter((x) => x.Variable === '$.probe.pixFmt')
        .map((x) => x.StringMatches),
    );
    assert.deepEqual(patterns, [...ECS_PIX_FMT_PATTERNS]);
    const codecs = rules.filter((r) => r.Variable === '$.probe.videoCodec').map((r) => r.StringEquals);
    assert.deepEqual(codecs, [...ECS_VIDEO_CODECS]);
  });

  for (const c of cases) {
    it(`${c.name}: the Choice takes the function's branch`, async () => {
      const s = stateOf(c);
      const input = jobInput({ engine: c.engine, decider: c.decider === null ? null : (c.decider ?? T) });
      const run = await runAsl(input, {
        Probe: () => s.probe,
        Plan: () => ({
          segmentCount: 1,
          indices: [0],
          renditions: ['360p'],
          frameCount: 250,
          durationSec: 10,
          hasAudio: false,
          readMode: 'split',
          outputCodec: 'h264',
          segmentEncodeSec: s.plan.segmentEncodeSec,
        }),
      });
      assert.equal(run.status, 'SUCCEEDED', String(run.error));
      const expected = decideEngine(s).engine;
      assert.equal(engineOf(run), expected);
      assert.equal(expected, c.expect.engine);
      // The other path never ran.
      if (expected === 'lambda') assert.equal(run.count('EcsSubmit'), 0);
      else assert.equal(run.count('Split'), 0);
      assert.equal(run.count('EmitComplete'), 1);
    });
  }

  it('an execution input without settings.engine (older starter) is decided by the thresholds', async () => {
    const input = jobInput({ decider: { ...T, maxLambdaDurationSec: 5 } });
    assert.equal((input.settings as Record<string, unknown>).engine, undefined);
    assert.equal(engineOf(await runAsl(input, { Probe: () => ({ ...base, durationSec: 6 }) })), 'ecs');
    assert.equal(engineOf(await runAsl(input, { Probe: () => ({ ...base, durationSec: 5 }) })), 'lambda');
  });
});
