/**
 * Frame counts without ffprobe: the counts ffmpeg reports for each output of a segment encode
 * (segmentEncodeCommand at verbose level) and the samples counted in an fMP4 fragment equal
 * what ffprobe counts in the written files, with Debian's ffmpeg and the 2018 build.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { resolveBinaries, npmBinaries, type Binaries } from '../../src/media/ffmpeg/binaries.js';
import { generateSample } from '../../src/media/package/sample.js';
import { runProcess } from '../../src/media/ffmpeg/runner.js';
import { segmentEncodeCommand } from '../../src/media/encode/args.js';
import { ffArgs } from '../../src/media/ffmpeg/command.js';
import { getPreset, selectRenditions } from '../../src/media/plan/presets.js';
import { countVideoPackets } from '../helpers/media.js';
import {
  countFragmentSamples,
  finalStatsCollector,
  videoFramesPerOutput,
  withFinalStats,
} from '../../src/media/encode/encoderStats.js';

const system = resolveBinaries(process.env);
const toolchains: { label: string; bins: Binaries }[] = [{ label: `${system.source.ffmpeg} ffmpeg`, bins: system }];
const shipped = npmBinaries();
if (shipped && shipped.ffmpeg !== system.ffmpeg) toolchains.push({ label: 'npm-shipped 2018 ffmpeg', bins: shipped });

for (const tc of toolchains) {
  describe(`frame counts from the encoder (${tc.label})`, function () {
    this.timeout(300_000);
    let dir: string;
    before(async () => {
      dir = await mkdtemp(path.join(os.tmpdir(), 'mt-stats-'));
    });
    after(async () => {
      if (!process.env.KEEP_TEST_FILES) await rm(dir, { recursive: true, force: true });
    });

    it('a segment encode into every rendition: the reported counts are the frames in each piece', async () => {
      const src = path.join(dir, 'vfr.mp4');
      await generateSample({
        output: src,
        durationSec: 3,
        width: 640,
        height: 360,
        fps: 30,
        audio: false,
        bFrames: 3,
        variableFrameRate: true,
        keyframes: [0, 1.3, 2.1],
      });
      const preset = getPreset('h264-ladder');
      // Two renditions (720p, 480p): the report is per output file.
      const outputs = selectRenditions(preset, 1280, 720).map((r) => ({
        rendition: r,
        file: path.join(dir, `${r.name}.nut`),
      }));
      assert.equal(outputs.length, 2);
      const args = withFinalStats(
        ffArgs(
          segmentEncodeCommand({
            source: { kind: 'piece', file: src, skip: 5, totalFrames: 200 },
            preset,
            outputs,
            count: 40,
            rotation: 0,
            threads: 1,
            container: { nut: true },
          }),
        ),
      );
      // The builder whitelists NUT pieces only; this test feeds it an MP4 fixture directly.
      const input = args.indexOf('-format_whitelist');
      args[input + 1] = 'mov,mp4,m4a,3gp,3g2,mj2';
      const stats = finalStatsCollector();
      await runProcess(tc.bins.ffmpeg, args, { timeoutMs: 120_000, onStderrLine: stats.onLine });
      const reported = videoFramesPerOutput(stats.streams, outputs.length);
      for (const [i, o] of outputs.entries()) {
        const probed = await countVideoPackets(system.ffprobe, o.file);
        assert.equal(probed, 40, `${o.rendition.name}: ffprobe counts the planned frames`);
        assert.equal(reported[i], probed, `${o.rendition.name}: ffmpeg's report equals ffprobe's count`);
      }
    });

    it('a short encode reports what it really wrote (a count check can fail)', async () => {
      const src = path.join(dir, 'short.mp4');
      await generateSample({ output: src, durationSec: 1, width: 320, height: 180, fps: 25, audio: false });
      const out = path.join(dir, 'short.nut');
      const stats = finalStatsCollector();
      await runProcess(
        tc.bins.ffmpeg,
        [
          '-hide_banner',
          '-nostdin',
          '-y',
          '-loglevel',
          'verbose',
          '-i',
          src,
          '-map',
          '0:v:0',
          '-frames:v',
          '7',
          '-c:v',
          'libx264',
          '-preset',
          'ultrafast',
          '-f',
          'nut',
          out,
        ],
        { timeoutMs: 60_000, onStderrLine: stats.onLine },
      );
      assert.deepEqual(videoFramesPerOutput(stats.streams, 1), [7]);
      assert.equal(await countVideoPackets(system.ffprobe, out), 7);
    });

    it('samples of an fMP4 fragment counted from its moof, equal to ffprobe', async () => {
      const src = path.join(dir, 'frag-src.mp4');
      await generateSample({ output: src, durationSec: 2, width: 320, height: 180, fps: 25, audio: true });
      const out = path.join(dir, 'frag.mp4');
      await runProcess(
        tc.bins.ffmpeg,
        ['-v', 'error', '-y', '-i', src, '-c', 'copy', '-movflags', 'frag_keyframe+empty_moov+default_base_moof', out],
        { timeoutMs: 60_000 },
      );
      const counts = countFragmentSamples(new Uint8Array(await readFile(out)));
      const probed = await countVideoPackets(system.ffprobe, out);
      assert.equal(counts.get(1), probed, 'video track samples');
      assert.equal(probed, 50);
      assert.ok((counts.get(2) ?? 0) > 0, 'the audio track is counted too');
    });
  });
}
