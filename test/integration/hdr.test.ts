/**
 * HDR sources with the real tools (ffmpeg/ffprobe called directly): an HLG and a PQ (HDR10,
 * with mastering display and content light) 10-bit HEVC fixture, probed, then encoded by the
 * segment encoder of each preset. 8-bit renditions must be really tone-mapped (far from a plain
 * 8-bit conversion of the same pixels) and tagged BT.709; the HEVC ladder keeps 10-bit Main10
 * with the source's signalling and metadata.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { resolveBinaries, npmBinaries, type Binaries } from '../../src/media/binaries.js';
import { runProcess } from '../../src/media/runner.js';
import { buildConcatArgs, buildConcatList, buildSegmentEncodeArgs } from '../../src/media/args.js';
import { getPreset, selectRenditions } from '../../src/media/presets.js';
import { buildStreamProbeArgs, parseStreamProbe } from '../../src/media/probe.js';
import { buildFirstFrameSideDataArgs, parseFrameSideData, parseSourceColour, pickHdrMetadata, planColour, type SourceColour } from '../../src/media/colour.js';
import { capabilitiesOf } from '../../src/media/encoders.js';
import { SOURCE_FORMATS } from '../../src/media/formats.js';

const toolchains: { label: string; bins: Binaries }[] = [];
const resolved = resolveBinaries(process.env);
toolchains.push({ label: `${resolved.source.ffmpeg} ffmpeg`, bins: resolved });
const shipped = npmBinaries();
if (shipped && shipped.ffmpeg !== resolved.ffmpeg) toolchains.push({ label: 'npm-shipped ffmpeg', bins: shipped });

const run = (bin: string, args: string[]) => runProcess(bin, args, { timeoutMs: 300_000, captureStdout: true });

async function videoFacts(file: string): Promise<Record<string, string>> {
  const r = await run(resolved.ffprobe, ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=codec_name,codec_tag_string,profile,pix_fmt,color_space,color_transfer,color_primaries,nb_frames', '-of', 'default=nw=1', file]);
  return Object.fromEntries(r.stdout.trim().split('\n').map((l) => l.split('=') as [string, string]));
}

/** Average PSNR (dB) of `a` against `b` converted to 8-bit 4:2:0 by a plain format conversion only. */
async function psnrAgainstPlain8bit(a: string, b: string): Promise<number> {
  const r = await runProcess(resolved.ffmpeg, ['-hide_banner', '-nostdin', '-i', a, '-i', b, '-lavfi', '[1:v]format=yuv420p[p];[0:v][p]psnr', '-f', 'null', '-'], { timeoutMs: 120_000 });
  const m = /average:([\d.]+|inf)/.exec(r.stderrTail);
  assert.ok(m, 'psnr printed');
  return m[1] === 'inf' ? 100 : Number(m[1]);
}

async function probeColour(file: string): Promise<SourceColour> {
  const info = parseStreamProbe((await run(resolved.ffprobe, buildStreamProbeArgs({ url: file }))).stdout);
  const sd = await run(resolved.ffprobe, buildFirstFrameSideDataArgs({ url: file, videoStream: info.video.index, protocols: 'file', formats: SOURCE_FORMATS }));
  return { ...info.video.colour!, ...pickHdrMetadata(parseSourceColour({}, parseFrameSideData(sd.stdout))) };
}

for (const tc of toolchains) {
  describe(`HDR sources (${tc.label})`, function () {
    this.timeout(600_000);
    let dir: string;
    const src: Record<'hlg' | 'pq', { mp4: string; nut: string; colour?: SourceColour }> = {} as never;

    before(async () => {
      dir = await mkdtemp(path.join(os.tmpdir(), 'mt-hdr-'));
      // testsrc2 in 10-bit HEVC Main10, tagged BT.2020 + HLG (what phones record), and BT.2020 +
      // PQ with HDR10 metadata; 1 s of 320x180 at 25 fps. Made with the system's ffmpeg.
      const make = async (name: 'hlg' | 'pq', trc: string, extra: string) => {
        const mp4 = path.join(dir, `${name}.mp4`);
        await run(resolved.ffmpeg, ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=320x180:rate=25', '-t', '1', '-vf', 'format=yuv420p10le', '-c:v', 'libx265', '-profile:v', 'main10',
          '-color_primaries', 'bt2020', '-color_trc', trc, '-colorspace', 'bt2020nc', '-x265-params', `log-level=error:keyint=25${extra}`, mp4]);
        const nut = path.join(dir, `${name}.nut`);
        await run(resolved.ffmpeg, ['-v', 'error', '-y', '-i', mp4, '-map', '0:v', '-c', 'copy', '-copyts', '-f', 'nut', nut]);
        src[name] = { mp4, nut };
      };
      await make('hlg', 'arib-std-b67', '');
      await make('pq', 'smpte2084', ':hdr10=1:master-display=G(13250,34500)B(7500,3000)R(34000,16000)WP(15635,16450)L(10000000,50):max-cll=1000,400');
      src.hlg.colour = await probeColour(src.hlg.mp4);
      src.pq.colour = await probeColour(src.pq.mp4);
    });
    after(async () => {
      if (!process.env.KEEP_TEST_FILES) await rm(dir, { recursive: true, force: true });
    });

    it('the probe recognises HLG and PQ, 10-bit, with the PQ mastering display and content light', () => {
      assert.deepEqual({ ...src.hlg.colour }, { bitDepth: 10, primaries: 'bt2020', transfer: 'arib-std-b67', matrix: 'bt2020nc', range: 'tv' });
      assert.equal(src.pq.colour!.transfer, 'smpte2084');
      assert.deepEqual(src.pq.colour!.contentLight, { maxContent: 1000, maxAverage: 400 });
      assert.equal(src.pq.colour!.masteringDisplay?.maxLuminance, '10000000/10000');
    });

    async function encode(presetName: string, which: 'hlg' | 'pq'): Promise<string | undefined> {
      const preset = getPreset(presetName);
      const caps = await capabilitiesOf(tc.bins.ffmpeg);
      if (!caps.encoders.has(preset.video.encoder)) return undefined;
      const colour = planColour(preset.video, src[which].colour);
      const [r] = selectRenditions(preset, 320, 180);
      const out = path.join(dir, `${presetName}-${which}.nut`);
      await run(tc.bins.ffmpeg, buildSegmentEncodeArgs({ input: src[which].nut, preset, outputs: [{ rendition: r, file: out }], skip: 0, count: 25, totalFrames: 25, rotation: 0, colour }));
      const list = path.join(dir, `${presetName}-${which}.ffconcat`);
      await writeFile(list, buildConcatList([{ file: out }]));
      const mp4 = path.join(dir, `${presetName}-${which}.mp4`);
      await run(tc.bins.ffmpeg, buildConcatArgs({ list, output: mp4, preset }));
      return mp4;
    }

    for (const presetName of ['h264-ladder', 'av1-ladder']) {
      for (const which of ['hlg', 'pq'] as const) {
        it(`${presetName}, ${which.toUpperCase()} source: 8-bit, tagged BT.709, really tone-mapped (PSNR against a plain 8-bit conversion < 35 dB)`, async function () {
          const mp4 = await encode(presetName, which);
          if (!mp4) this.skip(); // no encoder in this build: the planner refuses (ENCODER_UNAVAILABLE)
          const f = await videoFacts(mp4!);
          assert.equal(f.pix_fmt, 'yuv420p');
          assert.deepEqual([f.color_primaries, f.color_transfer, f.color_space], ['bt709', 'bt709', 'bt709']);
          assert.equal(Number(f.nb_frames), 25);
          const psnr = await psnrAgainstPlain8bit(mp4!, src[which].mp4);
          assert.ok(psnr < 35, `PSNR against a plain 8-bit conversion: ${psnr.toFixed(2)} dB (a truncation scores far above 35)`);
          console.log(`      ${presetName} ${which}: PSNR vs plain 8-bit ${psnr.toFixed(2)} dB`);
        });
      }
    }

    it('hevc-ladder, HLG source: 10-bit Main 10, HLG/BT.2020 signalling kept, hvc1', async () => {
      const mp4 = (await encode('hevc-ladder', 'hlg'))!;
      const f = await videoFacts(mp4);
      assert.deepEqual([f.codec_name, f.codec_tag_string, f.profile, f.pix_fmt], ['hevc', 'hvc1', 'Main 10', 'yuv420p10le']);
      assert.deepEqual([f.color_primaries, f.color_transfer, f.color_space], ['bt2020', 'arib-std-b67', 'bt2020nc']);
      assert.equal(Number(f.nb_frames), 25);
      // Kept, not converted: close to the source itself (a tone-mapped picture scores 15-22 dB).
      const r = await runProcess(resolved.ffmpeg, ['-hide_banner', '-nostdin', '-i', mp4, '-i', src.hlg.mp4, '-lavfi', '[0:v][1:v]psnr', '-f', 'null', '-'], { timeoutMs: 120_000 });
      const psnr = Number(/average:([\d.]+)/.exec(r.stderrTail)![1]);
      assert.ok(psnr > 30, `PSNR against the source: ${psnr}`);
    });

    it('hevc-ladder, PQ source: HDR10 kept with its mastering display and MaxCLL/MaxFALL', async () => {
      const mp4 = (await encode('hevc-ladder', 'pq'))!;
      const f = await videoFacts(mp4);
      assert.deepEqual([f.profile, f.pix_fmt, f.color_primaries, f.color_transfer, f.color_space], ['Main 10', 'yuv420p10le', 'bt2020', 'smpte2084', 'bt2020nc']);
      const out = await probeColour(mp4);
      assert.deepEqual(out.contentLight, { maxContent: 1000, maxAverage: 400 });
      assert.deepEqual(out.masteringDisplay, src.pq.colour!.masteringDisplay);
    });
  });
}
