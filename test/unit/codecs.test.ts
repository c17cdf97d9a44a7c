import assert from 'node:assert/strict';
import { segmentEncodeCommand } from '../../src/media/encode/args.js';
import { ffArgs } from '../../src/media/ffmpeg/command.js';
import {
  forcedKeyframeExpr,
  mp4VideoTagArgs,
  outputFormat,
  rateControl,
  videoEncoderArgs,
} from '../../src/media/encode/codecs.js';
import { getPreset, rungVideo, selectRenditions, PRESETS, type Preset } from '../../src/media/plan/presets.js';
import { checkCapabilities, parseCapabilityList, requirements } from '../../src/media/plan/encoders.js';
import { estimateSegmentEncodeSec } from '../../src/media/plan/cost.js';
import { DEFAULT_THRESHOLDS, decideEngine } from '../../src/pipeline/decider.js';
import type { ColourPlan } from '../../src/media/encode/colour.js';

const after = (args: string[], flag: string) => args[args.indexOf(flag) + 1];
const hlg: ColourPlan = {
  mode: 'keep',
  from: 'hlg',
  source: { bitDepth: 10, primaries: 'bt2020', transfer: 'arib-std-b67', matrix: 'bt2020nc', range: 'tv' },
};

describe('codec arguments (codecs.ts)', () => {
  it('x264: the same options as before the move, keyframes on the grid', () => {
    const p = getPreset('h264-ladder');
    const [r] = selectRenditions(p, 1920, 1080);
    assert.deepEqual(videoEncoderArgs(p, r), [
      '-c:v',
      'libx264',
      '-preset',
      'veryfast',
      '-profile:v',
      'high',
      '-crf',
      '22',
      '-maxrate',
      '6000k',
      '-bufsize',
      '12000k',
      '-bf',
      '3',
      '-g',
      '100000',
      '-keyint_min',
      '1',
      '-sc_threshold',
      '0',
      '-force_key_frames',
      'expr:if(isnan(prev_forced_t),1,gte(floor(t/2),floor(prev_forced_t/2)+1))',
    ]);
  });

  it('x265: closed GOPs, forced keyframes as IDR, no scene cuts, VBV cap in x265-params; Main for SDR', () => {
    const p = getPreset('hevc-ladder');
    const [r] = selectRenditions(p, 1920, 1080);
    const a = videoEncoderArgs(p, r);
    assert.equal(after(a, '-c:v'), 'libx265');
    assert.equal(after(a, '-profile:v'), 'main');
    assert.equal(after(a, '-forced-idr'), '1');
    const params = after(a, '-x265-params').split(':');
    for (const kv of [
      'keyint=100000',
      'min-keyint=1',
      'scenecut=0',
      'open-gop=0',
      'bframes=3',
      'vbv-maxrate=4000',
      'vbv-bufsize=8000',
    ])
      assert.ok(params.includes(kv), kv);
    assert.equal(after(a, '-force_key_frames'), forcedKeyframeExpr(2));
    assert.ok(!a.includes('-color_trc'), 'SDR: no tags added');
    assert.deepEqual(mp4VideoTagArgs(p.video), ['-tag:v', 'hvc1']);
    assert.deepEqual(mp4VideoTagArgs(getPreset('h264-ladder').video), []);
  });

  it('x265 keeping HLG: Main10, 10-bit, the source signalling, repeat headers', () => {
    const p = getPreset('hevc-ladder');
    const [r] = selectRenditions(p, 1920, 1080);
    const a = videoEncoderArgs(p, r, hlg);
    assert.equal(after(a, '-profile:v'), 'main10');
    assert.deepEqual(outputFormat(p.video, hlg), { pixFmt: 'yuv420p10le', profile: 'main10' });
    assert.equal(after(a, '-color_trc'), 'arib-std-b67');
    assert.equal(after(a, '-color_primaries'), 'bt2020');
    assert.equal(after(a, '-colorspace'), 'bt2020nc');
    assert.ok(after(a, '-x265-params').includes('repeat-headers=1'));
    assert.ok(!after(a, '-x265-params').includes('hdr10'), 'HLG is not HDR10');
    const seg = ffArgs(
      segmentEncodeCommand({
        source: { kind: 'piece', file: '/i.nut', skip: 0, totalFrames: 10 },
        preset: p,
        outputs: [{ rendition: r, file: '/o.nut' }],
        count: 10,
        rotation: 0,
        colour: hlg,
        container: { nut: true },
      }),
    );
    assert.equal(after(seg, '-vf'), 'scale=1920:1080,format=yuv420p10le');
  });

  it('SVT-AV1: keyframes forced (enable-force-key-frames), closed (irefresh-type=2), no scene cuts, capped CRF', () => {
    const p = getPreset('av1-ladder');
    const [r] = selectRenditions(p, 1280, 720);
    const a = videoEncoderArgs(p, r);
    assert.equal(after(a, '-c:v'), 'libsvtav1');
    assert.equal(after(a, '-preset'), '8');
    assert.equal(after(a, '-crf'), '33');
    assert.equal(after(a, '-g'), '100000');
    assert.deepEqual(after(a, '-svtav1-params').split(':').sort(), [
      'enable-force-key-frames=1',
      'irefresh-type=2',
      'scd=0',
    ]);
    assert.equal(after(a, '-maxrate'), '2000k');
    assert.equal(after(a, '-force_key_frames'), forcedKeyframeExpr(2));
  });

  it('every preset is data: codec, encoder, pixel format, profile, HDR policy, relative cost', () => {
    for (const p of Object.values(PRESETS)) {
      assert.ok(['h264', 'hevc', 'av1'].includes(p.video.codec), p.name);
      assert.ok(p.video.relativeCost >= 1, p.name);
      if (p.video.hdr === 'keep') assert.ok(p.video.hdrPixFmt && p.video.hdrProfile, p.name);
    }
  });
});

/** An HEVC ladder whose smallest rung is H.264 and one AV1: the contract's codec per rung. */
const mixed: Preset = {
  ...PRESETS['hevc-ladder'],
  name: 'mixed',
  renditions: [
    { name: '720p', height: 720, crf: 27, maxBitrateKbps: 2300 },
    {
      name: '480p',
      height: 480,
      targetBitrateKbps: 1200,
      maxBitrateKbps: 1500,
      bufferKbps: 1500,
      video: PRESETS['h264-ladder'].video,
    },
    { name: '360p', height: 360, crf: 35, maxBitrateKbps: 700, video: PRESETS['av1-ladder'].video },
  ],
};
const pq: ColourPlan = {
  mode: 'tonemap',
  from: 'pq',
  source: { bitDepth: 10, primaries: 'bt2020', transfer: 'smpte2084', matrix: 'bt2020nc', range: 'tv' },
};

describe('codec per rung (presets.ts rungVideo, codecs.ts)', () => {
  const rs = selectRenditions(mixed, 1280, 720);

  it("each rung's own codec and encoder, else the preset's", () => {
    assert.deepEqual(
      rs.map((r) => rungVideo(mixed, r).encoder),
      ['libx265', 'libx264', 'libsvtav1'],
    );
    assert.deepEqual(
      rs.map((r) => after(videoEncoderArgs(mixed, r), '-c:v')),
      ['libx265', 'libx264', 'libsvtav1'],
    );
    assert.deepEqual(
      rs.map((r) => after(videoEncoderArgs(mixed, r), '-preset')),
      ['faster', 'veryfast', '8'],
    );
    // The muxer tag follows the rung: hvc1 for the HEVC rung only.
    const a = ffArgs(
      segmentEncodeCommand({
        source: { kind: 'piece', file: '/i.nut', skip: 0, totalFrames: 10 },
        preset: mixed,
        outputs: rs.map((r) => ({ rendition: r, file: `/o/${r.name}.mp4` })),
        count: 10,
        rotation: 0,
        container: { cmaf: { num: 1, den: 15360 } },
      }),
    );
    assert.deepEqual(
      a.flatMap((x, i) => (x === '-tag:v' ? [a[i + 1]] : [])),
      ['hvc1'],
    );
    assert.ok(a.indexOf('-tag:v') < a.indexOf('/o/720p.mp4'));
  });

  it('VBV mode: -b:v the target, -maxrate the peak, -bufsize the buffer (x264, x265); CRF mode unchanged', () => {
    const h264 = videoEncoderArgs(mixed, rs[1]);
    assert.deepEqual(
      [after(h264, '-b:v'), after(h264, '-maxrate'), after(h264, '-bufsize')],
      ['1200k', '1500k', '1500k'],
    );
    assert.ok(!h264.includes('-crf'));
    const x265 = videoEncoderArgs({ ...mixed, video: PRESETS['hevc-ladder'].video }, { ...rs[1], video: undefined });
    assert.equal(after(x265, '-b:v'), '1200k');
    assert.ok(!x265.includes('-crf'));
    assert.ok(
      after(x265, '-x265-params').split(':').includes('vbv-maxrate=1500') &&
        after(x265, '-x265-params').split(':').includes('vbv-bufsize=1500'),
    );
    const crf = videoEncoderArgs(mixed, rs[0]);
    assert.equal(after(crf, '-crf'), '27');
    assert.ok(after(crf, '-x265-params').includes('vbv-bufsize=4600'), 'default buffer: twice the peak');
  });

  it('rate control: exactly one of crf and targetBitrateKbps, the target at most the peak (INVALID_REQUEST)', () => {
    const code = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return (e as { code?: string }).code;
      }
      return undefined;
    };
    assert.equal(
      code(() => rateControl({ name: 'x', maxBitrateKbps: 1000 })),
      'INVALID_REQUEST',
    );
    assert.equal(
      code(() => rateControl({ name: 'x', crf: 23, targetBitrateKbps: 800, maxBitrateKbps: 1000 })),
      'INVALID_REQUEST',
    );
    assert.equal(
      code(() => rateControl({ name: 'x', targetBitrateKbps: 1800, maxBitrateKbps: 1000 })),
      'INVALID_REQUEST',
    );
    assert.deepEqual(rateControl({ name: 'x', targetBitrateKbps: 800, maxBitrateKbps: 1000 }), {
      mode: 'vbv',
      targetKbps: 800,
      maxKbps: 1000,
      bufferKbps: 2000,
    });
    for (const p of Object.values(PRESETS))
      for (const r of p.renditions) assert.equal(rateControl(r).mode, 'crf', `${p.name} ${r.name}`);
  });

  it('HDR per rung: from a PQ source the HEVC rung keeps 10-bit HDR, the H.264 and AV1 rungs are tone-mapped to 8-bit BT.709', () => {
    const keep = { ...pq, mode: 'keep' as const };
    const a = ffArgs(
      segmentEncodeCommand({
        source: { kind: 'piece', file: '/i.nut', skip: 0, totalFrames: 10 },
        preset: mixed,
        outputs: rs.map((r) => ({ rendition: r, file: `/o/${r.name}.nut` })),
        count: 10,
        rotation: 0,
        colour: keep,
        container: { nut: true },
      }),
    );
    const vfs = a.flatMap((x, i) => (x === '-vf' ? [a[i + 1]] : []));
    assert.equal(vfs[0], 'scale=1280:720,format=yuv420p10le');
    for (const vf of vfs.slice(1)) assert.match(vf, /tonemap=tonemap=hable.*format=yuv420p$/);
    assert.deepEqual(
      a.flatMap((x, i) => (x === '-color_trc' ? [a[i + 1]] : [])),
      ['smpte2084', 'bt709', 'bt709'],
    );
    assert.deepEqual(
      a.flatMap((x, i) => (x === '-profile:v' ? [a[i + 1]] : [])),
      ['main10', 'high'],
    );
    assert.deepEqual(outputFormat(rungVideo(mixed, rs[1]), keep), { pixFmt: 'yuv420p', profile: 'high' });
  });
});

describe('encoder availability (encoders.ts)', () => {
  const list = [
    ' V..... = Video',
    ' ------',
    ' V....D libx264              libx264 H.264',
    ' V..... libx265              libx265 H.265 / HEVC (codec hevc)',
    ' A..... aac                  AAC (Advanced Audio Coding)',
    '',
  ].join('\n');

  it('parses -encoders and -filters listings (with and without the ------ line)', () => {
    assert.deepEqual([...parseCapabilityList(list)], ['libx264', 'libx265', 'aac']);
    assert.deepEqual(
      [
        ...parseCapabilityList(
          'Filters:\n  T.. = Timeline support\n  A = Audio input/output\n ..C zscale            V->V       Apply resizing\n ... tonemap           V->V       Conversion\n',
        ),
      ],
      ['zscale', 'tonemap'],
    );
  });

  it('ENCODER_UNAVAILABLE names the preset and the missing encoder (the 2018 build has no libsvtav1)', () => {
    const caps = { encoders: parseCapabilityList(list), filters: new Set(['scale']) };
    assert.doesNotThrow(() => checkCapabilities(getPreset('hevc-ladder'), caps));
    assert.throws(
      () => checkCapabilities(getPreset('av1-ladder'), caps, undefined, 'the npm ffmpeg'),
      (e: Error & { code?: string; name: string }) => {
        assert.equal(e.code, 'ENCODER_UNAVAILABLE');
        assert.equal(e.name, 'InputError', 'permanent: never retried');
        assert.match(e.message, /preset "av1-ladder" needs the encoder libsvtav1, which the npm ffmpeg does not have/);
        return true;
      },
    );
    const tonemap: ColourPlan = { mode: 'tonemap', from: 'pq', source: { bitDepth: 10, transfer: 'smpte2084' } };
    assert.deepEqual(requirements(getPreset('h264-ladder'), tonemap).filters, ['zscale', 'tonemap']);
    assert.throws(
      () => checkCapabilities(getPreset('h264-ladder'), caps, tonemap),
      /needs the filter zscale, tonemap to tone-map/,
    );
  });

  it("a ladder mixing codecs needs every rung's encoder; tone-mapping when any rung tone-maps; SVT-AV1 refuses a target bitrate", () => {
    assert.deepEqual(requirements(mixed).encoders.sort(), ['aac', 'libsvtav1', 'libx264', 'libx265']);
    const keep: ColourPlan = { mode: 'keep', from: 'pq', source: { bitDepth: 10, transfer: 'smpte2084' } };
    assert.deepEqual(requirements(mixed, keep).filters, ['zscale', 'tonemap'], 'the H.264 and AV1 rungs tone-map');
    assert.deepEqual(requirements(getPreset('hevc-ladder'), keep).filters, [], 'every rung keeps HDR');
    const caps = { encoders: new Set(['libx264', 'libx265', 'aac']), filters: new Set(['scale']) };
    assert.throws(() => checkCapabilities(mixed, caps), /preset "mixed" needs the encoder libsvtav1/);
    assert.doesNotThrow(
      () => checkCapabilities(mixed, caps, undefined, 'ffmpeg', mixed.renditions.slice(0, 2)),
      'only the renditions the job makes',
    );
    const av1Vbv: Preset = {
      ...getPreset('av1-ladder'),
      renditions: [{ name: '480p', height: 480, targetBitrateKbps: 800, maxBitrateKbps: 1000 }],
    };
    assert.throws(
      () => checkCapabilities(av1Vbv, { encoders: new Set(['libsvtav1', 'aac']), filters: new Set() }),
      (e: Error & { code?: string }) =>
        e.code === 'ENCODER_UNAVAILABLE' &&
        /libsvtav1 cannot keep the aligned keyframes with a target bitrate/.test(e.message),
    );
  });

  it('lists the real binary once per runtime (the runtime memoizes it)', async function () {
    this.timeout(30_000);
    const { createRuntime } = await import('../../src/runtime.js');
    const { parseConfig } = await import('../../src/config.js');
    const rt = createRuntime(
      parseConfig({ ...process.env, INGEST_BUCKET: 'i', WORK_BUCKET: 'w', OUTPUT_BUCKET: 'o' }),
      { logSink: () => undefined },
    );
    const a = rt.ffmpegCapabilities();
    assert.equal(rt.ffmpegCapabilities(), a, 'the same promise');
    const caps = await a;
    assert.ok(caps.encoders.has('libx264') && caps.encoders.has('aac'));
    assert.ok(caps.filters.has('scale'));
  });
});

describe('encode cost and the encoder decider', () => {
  const plan = { segments: [{ count: 120 }, { count: 90 }] } as Parameters<typeof estimateSegmentEncodeSec>[0];
  const rs = selectRenditions(getPreset('h264-ladder'), 1920, 1080);

  it('weighs the encoder: the same segment costs more in AV1 and HEVC than in H.264', () => {
    const h264 = estimateSegmentEncodeSec(plan, rs, getPreset('h264-ladder'));
    const av1 = estimateSegmentEncodeSec(plan, rs, getPreset('av1-ladder'));
    const hevc = estimateSegmentEncodeSec(plan, rs, getPreset('hevc-ladder'));
    // 120 frames x (2.07 + 0.92 + 0.41) MP x 0.042 s
    assert.ok(Math.abs(h264 - 120 * ((1920 * 1080 + 1280 * 720 + 854 * 480) / 1e6) * 0.042) < 0.01, String(h264));
    assert.ok(av1 > h264 * 1.5 && hevc > av1, `${h264} ${av1} ${hevc}`);
  });

  it("sums each rung's own encoder cost: an AV1 rung in an H.264 ladder costs what AV1 costs for its pixels", () => {
    const h264 = getPreset('h264-ladder');
    const withAv1: Preset = {
      ...h264,
      renditions: h264.renditions.map((r, i) => (i === 2 ? { ...r, video: PRESETS['av1-ladder'].video } : r)),
    };
    const rsMixed = selectRenditions(withAv1, 1920, 1080);
    const mp = (r: { width: number; outHeight: number }) => (r.width * r.outHeight) / 1e6;
    const want =
      120 *
      0.042 *
      (mp(rsMixed[0]) * 1 + mp(rsMixed[1]) * 1 + mp(rsMixed[2]) * PRESETS['av1-ladder'].video.relativeCost);
    assert.ok(
      Math.abs(estimateSegmentEncodeSec(plan, rsMixed, withAv1) - want) < 0.01,
      `${estimateSegmentEncodeSec(plan, rsMixed, withAv1)} vs ${want}`,
    );
    assert.ok(estimateSegmentEncodeSec(plan, rsMixed, withAv1) > estimateSegmentEncodeSec(plan, rs, h264));
  });

  it("rule 7: above maxLambdaSegmentEncodeSec -> ECS (600 s by default); without the threshold (an older starter's input) -> unchanged", () => {
    const probe = {
      sizeBytes: 1e8,
      durationSec: 60,
      maxKeyframeGapSec: 2,
      width: 1920,
      height: 1080,
      pixFmt: 'yuv420p',
      videoCodec: 'h264',
    };
    const t = { ...DEFAULT_THRESHOLDS, maxLambdaSegmentEncodeSec: 600 };
    assert.deepEqual(decideEngine({ probe, plan: { segmentEncodeSec: 601 }, settings: {}, config: { decider: t } }), {
      engine: 'ecs',
      rule: 'encoder-cost',
    });
    assert.deepEqual(decideEngine({ probe, plan: { segmentEncodeSec: 600 }, settings: {}, config: { decider: t } }), {
      engine: 'lambda',
      rule: 'default',
    });
    assert.equal(DEFAULT_THRESHOLDS.maxLambdaSegmentEncodeSec, 600);
    assert.deepEqual(
      decideEngine({
        probe,
        plan: { segmentEncodeSec: 1e6 },
        settings: {},
        config: { decider: { ...DEFAULT_THRESHOLDS, maxLambdaSegmentEncodeSec: undefined } },
      }),
      { engine: 'lambda', rule: 'default' },
    );
    assert.deepEqual(
      decideEngine({ probe, plan: { segmentEncodeSec: 1e6 }, settings: { engine: 'lambda' }, config: { decider: t } }),
      { engine: 'lambda', rule: 'forced' },
    );
  });
});
