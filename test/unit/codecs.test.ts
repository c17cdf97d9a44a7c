import assert from 'node:assert/strict';
import { segmentEncodeCommand } from '../../src/media/args.js';
import { ffArgs } from '../../src/media/command.js';
import { codecsString, forcedKeyframeExpr, mp4VideoTagArgs, outputFormat, videoEncoderArgs } from '../../src/media/codecs.js';
import { getPreset, selectRenditions, PRESETS } from '../../src/media/presets.js';
import { capabilitiesOf, checkCapabilities, parseCapabilityList, requirements } from '../../src/media/encoders.js';
import { estimateSegmentEncodeSec } from '../../src/media/cost.js';
import { DEFAULT_THRESHOLDS, decideEngine } from '../../src/pipeline/decider.js';
import type { ColourPlan } from '../../src/media/colour.js';

const after = (args: string[], flag: string) => args[args.indexOf(flag) + 1];
const hlg: ColourPlan = { mode: 'keep', from: 'hlg', source: { bitDepth: 10, primaries: 'bt2020', transfer: 'arib-std-b67', matrix: 'bt2020nc', range: 'tv' } };

describe('codec arguments (codecs.ts)', () => {
  it('x264: the same options as before the move, keyframes on the grid', () => {
    const p = getPreset('h264-ladder');
    const [r] = selectRenditions(p, 1920, 1080);
    assert.deepEqual(videoEncoderArgs(p, r), [
      '-c:v', 'libx264', '-preset', 'veryfast', '-profile:v', 'high', '-crf', '22', '-maxrate', '6000k', '-bufsize', '12000k', '-bf', '3',
      '-g', '100000', '-keyint_min', '1', '-sc_threshold', '0',
      '-force_key_frames', 'expr:if(isnan(prev_forced_t),1,gte(floor(t/2),floor(prev_forced_t/2)+1))',
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
    for (const kv of ['keyint=100000', 'min-keyint=1', 'scenecut=0', 'open-gop=0', 'bframes=3', 'vbv-maxrate=4000', 'vbv-bufsize=8000']) assert.ok(params.includes(kv), kv);
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
    const seg = ffArgs(segmentEncodeCommand({ source: { kind: 'piece', file: '/i.nut', skip: 0, totalFrames: 10 }, preset: p, outputs: [{ rendition: r, file: '/o.nut' }], count: 10, rotation: 0, colour: hlg, container: { nut: true } }));
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
    assert.deepEqual(after(a, '-svtav1-params').split(':').sort(), ['enable-force-key-frames=1', 'irefresh-type=2', 'scd=0']);
    assert.equal(after(a, '-maxrate'), '2000k');
    assert.equal(after(a, '-force_key_frames'), forcedKeyframeExpr(2));
  });

  it('CODECS strings (RFC 6381) from what ffprobe reports of an output', () => {
    assert.equal(codecsString({ codec: 'h264', profile: 'High', level: 30, pixFmt: 'yuv420p' }), 'avc1.64001e');
    assert.equal(codecsString({ codec: 'h264', profile: 'Constrained Baseline', level: 31 }), 'avc1.42401f');
    assert.equal(codecsString({ codec: 'hevc', profile: 'Main', level: 93, pixFmt: 'yuv420p' }), 'hvc1.1.6.L93.B0');
    assert.equal(codecsString({ codec: 'hevc', profile: 'Main 10', level: 120, pixFmt: 'yuv420p10le' }), 'hvc1.2.4.L120.B0');
    assert.equal(codecsString({ codec: 'av1', profile: 'Main', level: 8, pixFmt: 'yuv420p' }), 'av01.0.08M.08');
    assert.equal(codecsString({ codec: 'av1', profile: 'Main', level: 9, pixFmt: 'yuv420p10le' }), 'av01.0.09M.10');
    assert.equal(codecsString({ codec: 'vp9', profile: '0', level: 1 }), undefined);
  });

  it('every preset is data: codec, encoder, pixel format, profile, HDR policy, relative cost', () => {
    for (const p of Object.values(PRESETS)) {
      assert.ok(['h264', 'hevc', 'av1'].includes(p.video.codec), p.name);
      assert.ok(p.video.relativeCost >= 1, p.name);
      if (p.video.hdr === 'keep') assert.ok(p.video.hdrPixFmt && p.video.hdrProfile, p.name);
    }
  });
});

describe('encoder availability (encoders.ts)', () => {
  const list = [' V..... = Video', ' ------', ' V....D libx264              libx264 H.264', ' V..... libx265              libx265 H.265 / HEVC (codec hevc)', ' A..... aac                  AAC (Advanced Audio Coding)', ''].join('\n');

  it('parses -encoders and -filters listings (with and without the ------ line)', () => {
    assert.deepEqual([...parseCapabilityList(list)], ['libx264', 'libx265', 'aac']);
    assert.deepEqual([...parseCapabilityList('Filters:\n  T.. = Timeline support\n  A = Audio input/output\n ..C zscale            V->V       Apply resizing\n ... tonemap           V->V       Conversion\n')], ['zscale', 'tonemap']);
  });

  it('ENCODER_UNAVAILABLE names the preset and the missing encoder (the 2018 build has no libsvtav1)', () => {
    const caps = { encoders: parseCapabilityList(list), filters: new Set(['scale']) };
    assert.doesNotThrow(() => checkCapabilities(getPreset('hevc-ladder'), caps));
    assert.throws(() => checkCapabilities(getPreset('av1-ladder'), caps, undefined, 'the npm ffmpeg'), (e: Error & { code?: string; name: string }) => {
      assert.equal(e.code, 'ENCODER_UNAVAILABLE');
      assert.equal(e.name, 'InputError', 'permanent: never retried');
      assert.match(e.message, /preset "av1-ladder" needs the encoder libsvtav1, which the npm ffmpeg does not have/);
      return true;
    });
    const tonemap: ColourPlan = { mode: 'tonemap', from: 'pq', source: { bitDepth: 10, transfer: 'smpte2084' } };
    assert.deepEqual(requirements(getPreset('h264-ladder'), tonemap).filters, ['zscale', 'tonemap']);
    assert.throws(() => checkCapabilities(getPreset('h264-ladder'), caps, tonemap), /needs the filter zscale, tonemap to tone-map/);
  });

  it('lists the real binary once per runtime (the runtime memoizes it)', async function () {
    this.timeout(30_000);
    const { createRuntime } = await import('../../src/runtime.js');
    const { parseConfig } = await import('../../src/config.js');
    const rt = createRuntime(parseConfig({ ...process.env, INGEST_BUCKET: 'i', WORK_BUCKET: 'w', OUTPUT_BUCKET: 'o' }), { logSink: () => undefined });
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

  it('rule 7: above maxLambdaSegmentEncodeSec -> ECS (600 s by default); without the threshold (an older starter\'s input) -> unchanged', () => {
    const probe = { sizeBytes: 1e8, durationSec: 60, maxKeyframeGapSec: 2, width: 1920, height: 1080, pixFmt: 'yuv420p', videoCodec: 'h264' };
    const t = { ...DEFAULT_THRESHOLDS, maxLambdaSegmentEncodeSec: 600 };
    assert.deepEqual(decideEngine({ probe, plan: { segmentEncodeSec: 601 }, settings: {}, config: { decider: t } }), { engine: 'ecs', rule: 'encoder-cost' });
    assert.deepEqual(decideEngine({ probe, plan: { segmentEncodeSec: 600 }, settings: {}, config: { decider: t } }), { engine: 'lambda', rule: 'default' });
    assert.equal(DEFAULT_THRESHOLDS.maxLambdaSegmentEncodeSec, 600);
    assert.deepEqual(decideEngine({ probe, plan: { segmentEncodeSec: 1e6 }, settings: {}, config: { decider: { ...DEFAULT_THRESHOLDS, maxLambdaSegmentEncodeSec: undefined } } }), { engine: 'lambda', rule: 'default' });
    assert.deepEqual(decideEngine({ probe, plan: { segmentEncodeSec: 1e6 }, settings: { engine: 'lambda' }, config: { decider: t } }), { engine: 'lambda', rule: 'forced' });
  });
});
