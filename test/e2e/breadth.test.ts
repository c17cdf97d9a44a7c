/**
 * Output breadth on the local stack (issue 12), once per toolchain: the HEVC and AV1 ladders
 * through the whole pipeline (contract checked frame by frame), an AV1 job refused at planning
 * where the ffmpeg has no SVT-AV1, and an HLG 10-bit HEVC phone-like clip tone-mapped for the
 * H.264 ladder and kept HDR by the HEVC ladder. Fixtures are tiny (2 s).
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createWriteStream } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LocalStack } from '../../src/local/stack.js';
import type { ExecutionProgress } from '../../src/local/stepFunctions.js';
import { resolveBinaries, npmBinaries, type Binaries } from '../../src/media/binaries.js';
import { runProcess } from '../../src/media/runner.js';
import { generateSample } from '../../src/media/sample.js';
import { capabilitiesOf } from '../../src/media/encoders.js';
import { downloadFile } from '../../src/aws/s3.js';
import { checkContract } from '../helpers/contract.js';
import { runJob, keysUnder, downloadOutputs } from '../helpers/stack.js';
import { frameTimes } from '../helpers/media.js';
import type { JobEventDetail } from '../../src/pipeline/events.js';

const toolchains: { label: string; bins: Binaries }[] = [];
const resolved = resolveBinaries(process.env);
if (resolved.source.ffmpeg !== 'npm') toolchains.push({ label: `${resolved.source.ffmpeg} ffmpeg`, bins: resolved });
const shipped = npmBinaries();
// The npm-shipped 2018 build cannot write CMAF pieces: it is refused at planning (test/e2e/pipeline.test.ts).
void shipped;

const probe = async (file: string, entries: string) =>
  Object.fromEntries(
    (await runProcess(resolved.ffprobe, ['-v', 'error', '-select_streams', 'v:0', '-show_entries', entries, '-of', 'default=nw=1', file], { timeoutMs: 60_000, captureStdout: true })).stdout
      .trim()
      .split('\n')
      .map((l) => l.split('=') as [string, string]),
  );

for (const tc of toolchains) {
  describe(`output breadth on the local stack (${tc.label})`, function () {
    this.timeout(600_000);
    let dir: string;
    let stack: LocalStack;
    let n = 0;
    const steps = new Map<string, string[]>();
    const file = (name: string) => path.join(dir, name);
    let vfr: string;
    let hlg: string;

    before(async () => {
      dir = await mkdtemp(path.join(os.tmpdir(), 'mt-breadth-'));
      const log = createWriteStream(file('log.jsonl'));
      stack = await LocalStack.start({ dataDir: file('stack'), binaries: tc.bins, logSink: (l) => log.write(l + '\n') });
      stack.sfn.on('progress', (p: ExecutionProgress) => {
        const a = steps.get(p.jobId) ?? [];
        if (a[a.length - 1] !== p.step) a.push(p.step);
        steps.set(p.jobId, a);
      });
      // Fixtures with the system's ffmpeg: 2 s of 854x480 VFR with B-frames and sound (two
      // rungs: 480p and, as a source of 480 lines, nothing larger), and 2 s of HLG 10-bit HEVC.
      vfr = file('vfr.mp4');
      await generateSample({ output: vfr, durationSec: 2, width: 854, height: 480, fps: 24, audio: true, bFrames: 3, variableFrameRate: true, keyframes: [0, 0.9, 1.5] });
      hlg = file('hlg.mp4');
      await runProcess(resolved.ffmpeg, ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=25', '-t', '2', '-vf', 'format=yuv420p10le', '-c:v', 'libx265', '-profile:v', 'main10',
        '-color_primaries', 'bt2020', '-color_trc', 'arib-std-b67', '-colorspace', 'bt2020nc', '-x265-params', 'log-level=error:keyint=25', hlg], { timeoutMs: 120_000 });
    });
    after(async () => {
      await stack?.stop();
      if (!process.env.KEEP_TEST_FILES) await rm(dir, { recursive: true, force: true });
    });

    async function job(src: string, meta: Record<string, string>) {
      const r = await runJob(stack, src, `uploads/breadth-${++n}${path.extname(src)}`, { 'segment-seconds': '1', ...meta });
      return { ...r, steps: steps.get(r.jobId) ?? [] };
    }

    async function download(detail: JobEventDetail): Promise<{ outDir: string; videos: { name: string; width?: number; height?: number }[] }> {
      assert.equal(detail.status, 'COMPLETE', `${detail.errorCode}: ${detail.errorMessage}`);
      const outDir = file(`out-${n}`);
      await mkdir(outDir, { recursive: true });
      await downloadOutputs(stack, detail.jobId, outDir);
      return { outDir, videos: (detail.outputs ?? []).filter((o) => o.type === 'video').map((o) => ({ name: o.name, width: o.width, height: o.height })) };
    }

    for (const [preset, codec, encoder] of [['hevc-ladder', 'hevc', 'libx265'], ['av1-ladder', 'av1', 'libsvtav1']] as const) {
      it(`${preset}: every rendition meets the contract (frames, times, PSNR, aligned keyframes), or ENCODER_UNAVAILABLE at planning`, async () => {
        const has = (await capabilitiesOf(tc.bins.ffmpeg)).encoders.has(encoder);
        const { detail, jobId, steps: ran } = await job(vfr, { preset });
        if (!has) {
          assert.equal(detail.status, 'ERROR');
          assert.equal(detail.errorCode, 'ENCODER_UNAVAILABLE', detail.errorMessage);
          assert.match(detail.errorMessage!, new RegExp(`preset "${preset}" needs the encoder ${encoder}`));
          assert.ok(ran.includes('Plan') && !ran.includes('TranscodeSegment') && !ran.includes('Split') && !ran.includes('EcsSubmit'), `failed at planning, nothing encoded: ${ran.join(' > ')}`);
          assert.deepEqual(await keysUnder(stack, stack.config.OUTPUT_BUCKET, `${jobId}/`), []);
          return;
        }
        const { outDir, videos } = await download(detail);
        assert.deepEqual(videos.map((v) => v.name), ['mp4/480p.mp4']);
        await checkContract(vfr, outDir, videos, true, { codec });
        const f = await probe(path.join(outDir, 'mp4/480p.mp4'), 'stream=codec_tag_string,profile');
        if (codec === 'hevc') assert.deepEqual([f.codec_tag_string, f.profile], ['hvc1', 'Main']);
        else assert.equal(f.codec_tag_string, 'av01');
      });
    }

    it('HLG 10-bit HEVC source, h264-single-480p: tone-mapped to 8-bit BT.709 (PSNR against a plain 8-bit conversion < 35 dB)', async () => {
      const { detail } = await job(hlg, { preset: 'h264-single-480p' });
      const { outDir, videos } = await download(detail);
      const out = path.join(outDir, videos[0].name);
      const f = await probe(out, 'stream=pix_fmt,color_primaries,color_transfer,color_space');
      assert.deepEqual([f.pix_fmt, f.color_primaries, f.color_transfer, f.color_space], ['yuv420p', 'bt709', 'bt709', 'bt709']);
      // A fragmented MP4's header has no frame count: count the frames.
      assert.equal((await frameTimes(out)).length, 50);
      const r = await runProcess(resolved.ffmpeg, ['-hide_banner', '-nostdin', '-i', out, '-i', hlg, '-lavfi', '[1:v]format=yuv420p[p];[0:v][p]psnr', '-f', 'null', '-'], { timeoutMs: 120_000 });
      const psnr = Number(/average:([\d.]+)/.exec(r.stderrTail)![1]);
      assert.ok(psnr < 35, `PSNR against a plain 8-bit conversion: ${psnr}`);
    });

    it('HLG 10-bit HEVC source, hevc-ladder: 10-bit Main 10 with HLG/BT.2020 kept', async () => {
      const { detail } = await job(hlg, { preset: 'hevc-ladder' });
      const { outDir, videos } = await download(detail);
      const f = await probe(path.join(outDir, videos[0].name), 'stream=codec_tag_string,profile,pix_fmt,color_primaries,color_transfer,color_space');
      assert.deepEqual([f.codec_tag_string, f.profile, f.pix_fmt, f.color_primaries, f.color_transfer, f.color_space], ['hvc1', 'Main 10', 'yuv420p10le', 'bt2020', 'arib-std-b67', 'bt2020nc']);
      assert.equal((await frameTimes(path.join(outDir, videos[0].name))).length, 50);
    });
  });
}
