import assert from 'node:assert/strict';
import { buildSplitArgs, segmentEncodeCommand, type EncodeOutput } from '../../src/media/encode/args.js';
import { ffArgs } from '../../src/media/ffmpeg/command.js';
import type { Preset } from '../../src/media/plan/presets.js';
import { getPreset, selectRenditions, PRESETS } from '../../src/media/plan/presets.js';
import { buildPacketProbeArgs, buildStreamProbeArgs } from '../../src/media/probe/probe.js';
import { SOURCE_FORMATS } from '../../src/media/ffmpeg/whitelists.js';

const after = (args: string[], flag: string) => args[args.indexOf(flag) + 1];
const all = (args: string[], flag: string) => args.flatMap((a, i) => (a === flag ? [args[i + 1]] : []));
/** A split piece's encode into NUT pieces, rendered. */
const pieceEncode = (p: {
  input: string;
  preset: Preset;
  outputs: EncodeOutput[];
  skip: number;
  count: number;
  totalFrames: number;
  rotation: number;
  slotTick?: { num: number; den: number };
}) =>
  ffArgs(
    segmentEncodeCommand({
      source: {
        kind: 'piece',
        file: p.input,
        skip: p.skip,
        totalFrames: p.totalFrames,
        ...(p.slotTick ? { slotTick: p.slotTick } : {}),
      },
      preset: p.preset,
      outputs: p.outputs,
      count: p.count,
      rotation: p.rotation,
      container: { nut: true },
    }),
  );

describe('ffmpeg argument builders', () => {
  const preset = getPreset('h264-ladder');
  const renditions = selectRenditions(preset, 1920, 1080);

  it('split: stream copy at the planned packets, exact timestamps kept', () => {
    const a = buildSplitArgs({
      input: 'https://x/y',
      videoStream: 0,
      splitFrames: [120, 241],
      pattern: '/t/s_%05d.nut',
    });
    assert.equal(after(a, '-c'), 'copy');
    assert.equal(after(a, '-segment_frames'), '120,241');
    assert.equal(after(a, '-segment_format'), 'nut');
    assert.ok(a.includes('-copyts'));
    assert.equal(after(a, '-avoid_negative_ts'), 'disabled');
    assert.equal(after(a, '-protocol_whitelist'), 'http,https,tcp,tls,crypto');
    assert.equal(after(a, '-format_whitelist'), SOURCE_FORMATS);
    // One segment: a cut point past any packet, never the muxer's default 2 s cutting.
    const one = buildSplitArgs({ input: '/s.mp4', videoStream: 0, splitFrames: [], pattern: '/t/s_%05d.nut' });
    assert.equal(after(one, '-segment_frames'), '2147483646');
  });

  it('packed-B-frame AVI: split with pts = dts, frames of a piece re-timed from its keyframe by display index before the trim', () => {
    const a = buildSplitArgs({
      input: '/s.avi',
      videoStream: 0,
      splitFrames: [98],
      pattern: '/t/s_%05d.nut',
      packedSlots: true,
    });
    assert.equal(after(a, '-bsf:v'), 'setts=pts=DTS');
    assert.ok(a.indexOf('-bsf:v') > a.indexOf('-i'), 'an output option of the split');
    assert.ok(
      !buildSplitArgs({ input: '/s.avi', videoStream: 0, splitFrames: [98], pattern: '/t/s_%05d.nut' }).includes(
        '-bsf:v',
      ),
      'other sources keep their own pts',
    );
    const outputs = renditions.slice(2).map((r) => ({ rendition: r, file: `/t/${r.name}.nut` }));
    const e = pieceEncode({
      input: '/t/in.nut',
      preset,
      outputs,
      skip: 2,
      count: 50,
      totalFrames: 56,
      rotation: 0,
      slotTick: { num: 1001, den: 24000 },
    });
    assert.deepEqual(all(e, '-vf'), [
      'setpts=STARTPTS+round(N*1001/(24000*TB)),select=between(n\\,2\\,51),scale=854:480,format=yuv420p',
    ]);
  });

  it('segment encode: passthrough timing, source time base, aligned closed GOPs, one output per rendition', () => {
    const outputs = renditions.map((r) => ({ rendition: r, file: `/t/${r.name}.nut` }));
    const a = pieceEncode({ input: '/t/in.nut', preset, outputs, skip: 0, count: 100, totalFrames: 100, rotation: 0 });
    assert.equal(after(a, '-vsync'), 'passthrough');
    assert.deepEqual(all(a, '-enc_time_base'), ['-1', '-1', '-1']);
    assert.deepEqual(all(a, '-sc_threshold'), ['0', '0', '0']);
    assert.equal(new Set(all(a, '-force_key_frames')).size, 1, 'same keyframe rule for every rendition');
    assert.deepEqual(all(a, '-vf'), [
      'scale=1920:1080,format=yuv420p',
      'scale=1280:720,format=yuv420p',
      'scale=854:480,format=yuv420p',
    ]);
    assert.equal(after(a, '-protocol_whitelist'), 'file');
    assert.ok(a.includes('-noautorotate'));
  });

  it('segment encode: a clip keeps frames skip..skip+count-1 and rotation is applied explicitly', () => {
    const a = pieceEncode({
      input: '/t/in.nut',
      preset,
      outputs: [{ rendition: renditions[2], file: '/t/o.nut' }],
      skip: 15,
      count: 30,
      totalFrames: 60,
      rotation: 90,
    });
    assert.equal(after(a, '-vf'), 'select=between(n\\,15\\,44),transpose=clock,scale=854:480,format=yuv420p');
  });

  it('never upscales; portrait keeps rung names on the short side; tiny sources get one rung at their size', () => {
    assert.deepEqual(
      selectRenditions(preset, 1280, 720).map((r) => r.name),
      ['720p', '480p'],
    );
    const portrait = selectRenditions(preset, 1080, 1920);
    assert.deepEqual(
      portrait.map((r) => [r.name, r.width, r.outHeight]),
      [
        ['1080p', 1080, 1920],
        ['720p', 720, 1280],
        ['480p', 480, 854],
      ],
    );
    assert.deepEqual(
      selectRenditions(preset, 320, 240).map((r) => [r.name, r.width, r.outHeight]),
      [['240p', 320, 240]],
    );
    for (const p of Object.values(PRESETS))
      for (const r of p.renditions) assert.ok(r.height !== undefined && r.height % 2 === 0);
  });

  it('probe: local files may open only files, URLs only http(s)', () => {
    assert.equal(after(buildStreamProbeArgs({ url: '/x.mp4' }), '-protocol_whitelist'), 'file');
    assert.equal(after(buildPacketProbeArgs({ url: 'http://127.0.0.1/x' }, 2), '-select_streams'), '2');
  });
});

describe('process output redaction', () => {
  it('replaces every URL (presigned query included) before it can reach an error or event', async () => {
    const { redactUrls } = await import('../../src/media/ffmpeg/runner.js');
    const line =
      '[mov @ 0x1] http://127.0.0.1:4569/ingest/a.mp4?X-Amz-Signature=abc&X-Amz-Credential=k: Invalid data found; file:///etc/passwd too';
    assert.equal(redactUrls(line), '[mov @ 0x1] <input>: Invalid data found; <input> too');
  });
});
