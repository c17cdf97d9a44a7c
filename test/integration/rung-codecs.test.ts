/**
 * Codec per rung with the real encoders: one segment's command as the worker builds it
 * (steps/segmentCommand.ts: a range read of the source, every rendition and the segment's audio
 * chunk in one ffmpeg) for a ladder whose rungs differ in codec and rate control: an HEVC rung at
 * a CRF and an H.264 rung in VBV mode. Each output has the planned frames, its own codec (ffprobe),
 * and the VBV rung's bitrate is near its target.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { resolveBinaries } from '../../src/media/ffmpeg/binaries.js';
import { runProcess } from '../../src/media/ffmpeg/runner.js';
import { generateSample } from '../../src/media/package/sample.js';
import { buildStreamProbeArgs, parseStreamProbe } from '../../src/media/probe/probe.js';
import { PRESETS, selectRenditions, type Preset } from '../../src/media/plan/presets.js';
import { buildSegmentCommand } from '../../src/pipeline/steps/segmentCommand.js';
import type { JobDocument } from '../../src/pipeline/jobDocument.js';

const bins = resolveBinaries(process.env);

async function facts(file: string): Promise<Record<string, string>> {
  const r = await runProcess(
    bins.ffprobe,
    [
      '-v',
      'error',
      '-select_streams',
      'v:0',
      '-count_packets',
      '-show_entries',
      'stream=codec_name,codec_tag_string,width,height,nb_read_packets',
      '-of',
      'default=nw=1',
      file,
    ],
    { timeoutMs: 60_000, captureStdout: true },
  );
  return Object.fromEntries(
    r.stdout
      .trim()
      .split('\n')
      .map((l) => l.split('=') as [string, string]),
  );
}

describe('codec per rung: one segment, an HEVC rung and an H.264 VBV rung (real encoders)', function () {
  this.timeout(600_000);
  let dir: string;
  after(async () => {
    if (dir && !process.env.KEEP_TEST_FILES) await rm(dir, { recursive: true, force: true });
  });

  it('each output has the planned frames and its own codec; the VBV rung is within 15% of its target bitrate', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'mt-rungs-'));
    const src = path.join(dir, 'src.mp4');
    const fps = 30;
    const seconds = 6;
    await generateSample({ output: src, durationSec: seconds, width: 640, height: 360, fps, audio: true });
    const info = parseStreamProbe(
      (await runProcess(bins.ffprobe, buildStreamProbeArgs({ url: src }), { timeoutMs: 60_000, captureStdout: true }))
        .stdout,
    );
    const frames = seconds * fps;
    const targetKbps = 200;
    const preset: Preset = {
      ...PRESETS['hevc-ladder'],
      name: 'mixed',
      renditions: [
        { name: '360p', height: 360, crf: 28, maxBitrateKbps: 1000 },
        {
          name: '270p',
          height: 270,
          targetBitrateKbps: targetKbps,
          maxBitrateKbps: 300,
          video: PRESETS['h264-ladder'].video,
        },
      ],
    };
    const renditions = selectRenditions(preset, 640, 360);
    // The whole file is one segment read by range from its start (no seek), with one audio chunk.
    const m = {
      preset,
      renditions,
      video: info.video,
      colour: { mode: 'sdr' },
      plan: {
        timeBase: info.video.timeBase,
        startPts: 0,
        segments: [{ index: 0, skip: 0, count: frames, startPacket: 0, endPacket: frames, startPts: 0 }],
      },
      segmentReads: [{ select: `select=between(n\\,0\\,${frames - 1})` }],
      stills: [{ tiles: [] }],
      audioOutputs: [{ id: 'audio', index: info.audio!.index, channels: 2, bitrateKbps: 128 }],
      audioChunks: [{ index: 0, from: 0, to: 48000 * 2, segment: 0 }],
    } as unknown as JobDocument;
    const { command, outputs, chunks } = buildSegmentCommand({ m, index: 0, dir, read: { url: src }, url: src });
    await runProcess(bins.ffmpeg, command, { timeoutMs: 600_000 });

    const [hevc, h264] = await Promise.all(outputs.map((o) => facts(o.file)));
    assert.deepEqual(
      [hevc.codec_name, hevc.codec_tag_string, hevc.height, Number(hevc.nb_read_packets)],
      ['hevc', 'hvc1', '360', frames],
    );
    assert.deepEqual(
      [h264.codec_name, h264.codec_tag_string, h264.height, Number(h264.nb_read_packets)],
      ['h264', 'avc1', '270', frames],
    );
    // The audio chunk came out of the same process.
    assert.ok((await stat(chunks[0].tracks[0].output)).size > 1000);
    // Bitrate of the VBV rung over its frames (fragment bytes, headers included: a few kB).
    const kbps = ((await stat(outputs[1].file)).size * 8) / (frames / fps) / 1000;
    console.log(`      H.264 VBV rung: ${kbps.toFixed(0)} kb/s for a ${targetKbps} kb/s target`);
    assert.ok(Math.abs(kbps - targetKbps) / targetKbps < 0.15, `${kbps.toFixed(0)} kb/s, target ${targetKbps}`);
  });
});
