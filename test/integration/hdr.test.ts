/**
 * HDR sources with the real tools (ffmpeg/ffprobe called directly): an HLG and a PQ (HDR10,
 * with mastering display and content light) 10-bit HEVC fixture, probed, then encoded by the
 * segment encode as the workers run it (read by range, written as CMAF fragments) for each
 * preset. 8-bit renditions must be really tone-mapped (far from a plain 8-bit conversion of the
 * same pixels) and tagged BT.709; the HEVC ladder keeps 10-bit Main10 with the source's
 * signalling and metadata; in a ladder that mixes codecs, each rung does what its own codec says.
 * Only the resolved ffmpeg: the npm-shipped 2018 build cannot write CMAF fragments with source
 * timing, so the Plan refuses it before anything is encoded (cmafCheck.ts).
 */
import assert from 'node:assert/strict';
import { skipBecause } from '../helpers/skip.js';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { resolveBinaries, type Binaries } from '../../src/media/ffmpeg/binaries.js';
import { runProcess } from '../../src/media/ffmpeg/runner.js';
import { segmentEncodeCommand } from '../../src/media/encode/args.js';
import { getPreset, rungVideo, selectRenditions, PRESETS, type Preset } from '../../src/media/plan/presets.js';
import { buildStreamProbeArgs, parseStreamProbe, type Rational } from '../../src/media/probe/probe.js';
import {
  buildFirstFrameSideDataArgs,
  parseFrameSideData,
  parseSourceColour,
  pickHdrMetadata,
  planColour,
  type SourceColour,
} from '../../src/media/encode/colour.js';
import { capabilitiesOf } from '../../src/media/plan/encoders.js';
import { SOURCE_FORMATS } from '../../src/media/ffmpeg/whitelists.js';

const toolchains: { label: string; bins: Binaries }[] = [];
const resolved = resolveBinaries(process.env);
toolchains.push({ label: `${resolved.source.ffmpeg} ffmpeg`, bins: resolved });

const run = (bin: string, args: string[]) => runProcess(bin, args, { timeoutMs: 300_000, captureStdout: true });

async function videoFacts(file: string): Promise<Record<string, string>> {
  const r = await run(resolved.ffprobe, [
    '-v',
    'error',
    '-select_streams',
    'v:0',
    '-show_entries',
    'stream=codec_name,codec_tag_string,profile,pix_fmt,color_space,color_transfer,color_primaries,nb_read_packets',
    '-count_packets',
    '-of',
    'default=nw=1',
    file,
  ]);
  return Object.fromEntries(
    r.stdout
      .trim()
      .split('\n')
      .map((l) => l.split('=') as [string, string]),
  );
}

/** Average PSNR (dB) of `a` against `b` converted to 8-bit 4:2:0 by a plain format conversion only. */
async function psnrAgainstPlain8bit(a: string, b: string): Promise<number> {
  const r = await runProcess(
    resolved.ffmpeg,
    ['-hide_banner', '-nostdin', '-i', a, '-i', b, '-lavfi', '[1:v]format=yuv420p[p];[0:v][p]psnr', '-f', 'null', '-'],
    { timeoutMs: 120_000 },
  );
  const m = /average:([\d.]+|inf)/.exec(r.stderrTail);
  assert.ok(m, 'psnr printed');
  return m[1] === 'inf' ? 100 : Number(m[1]);
}

async function probeColour(file: string): Promise<SourceColour> {
  const info = parseStreamProbe((await run(resolved.ffprobe, buildStreamProbeArgs({ url: file }))).stdout);
  const sd = await run(
    resolved.ffprobe,
    buildFirstFrameSideDataArgs({
      url: file,
      videoStream: info.video.index,
      protocols: 'file',
      formats: SOURCE_FORMATS,
    }),
  );
  return { ...info.video.colour!, ...pickHdrMetadata(parseSourceColour({}, parseFrameSideData(sd.stdout))) };
}

for (const tc of toolchains) {
  describe(`HDR sources (${tc.label})`, function () {
    this.timeout(600_000);
    let dir: string;
    const src: Record<'hlg' | 'pq', { mp4: string; colour?: SourceColour; timeBase?: Rational }> = {} as never;

    before(async () => {
      dir = await mkdtemp(path.join(os.tmpdir(), 'mt-hdr-'));
      // testsrc2 in 10-bit HEVC Main10, tagged BT.2020 + HLG (what phones record), and BT.2020 +
      // PQ with HDR10 metadata; 1 s of 320x180 at 25 fps. Made with the system's ffmpeg.
      const make = async (name: 'hlg' | 'pq', trc: string, extra: string) => {
        const mp4 = path.join(dir, `${name}.mp4`);
        await run(resolved.ffmpeg, [
          '-v',
          'error',
          '-y',
          '-f',
          'lavfi',
          '-i',
          'testsrc2=size=320x180:rate=25',
          '-t',
          '1',
          '-vf',
          'format=yuv420p10le',
          '-c:v',
          'libx265',
          '-profile:v',
          'main10',
          '-color_primaries',
          'bt2020',
          '-color_trc',
          trc,
          '-colorspace',
          'bt2020nc',
          '-x265-params',
          `log-level=error:keyint=25${extra}`,
          mp4,
        ]);
        src[name] = {
          mp4,
          timeBase: parseStreamProbe((await run(resolved.ffprobe, buildStreamProbeArgs({ url: mp4 }))).stdout).video
            .timeBase,
        };
      };
      await make('hlg', 'arib-std-b67', '');
      await make(
        'pq',
        'smpte2084',
        ':hdr10=1:master-display=G(13250,34500)B(7500,3000)R(34000,16000)WP(15635,16450)L(10000000,50):max-cll=1000,400',
      );
      src.hlg.colour = await probeColour(src.hlg.mp4);
      src.pq.colour = await probeColour(src.pq.mp4);
    });
    after(async () => {
      if (!process.env.KEEP_TEST_FILES) await rm(dir, { recursive: true, force: true });
    });

    it('the probe recognises HLG and PQ, 10-bit, with the PQ mastering display and content light', () => {
      assert.deepEqual(
        { ...src.hlg.colour },
        { bitDepth: 10, primaries: 'bt2020', transfer: 'arib-std-b67', matrix: 'bt2020nc', range: 'tv' },
      );
      assert.equal(src.pq.colour!.transfer, 'smpte2084');
      assert.deepEqual(src.pq.colour!.contentLight, { maxContent: 1000, maxAverage: 400 });
      assert.equal(src.pq.colour!.masteringDisplay?.maxLuminance, '10000000/10000');
    });

    /** Every rendition of `preset` for the 320x180 source, as the segment workers encode one segment: its CMAF fragments. */
    async function encodeAll(preset: Preset, which: 'hlg' | 'pq'): Promise<string[] | undefined> {
      const caps = await capabilitiesOf(tc.bins.ffmpeg);
      const renditions = selectRenditions(preset, 320, 180);
      if (renditions.some((r) => !caps.encoders.has(rungVideo(preset, r).encoder))) return undefined;
      const colour = planColour(preset.video, src[which].colour);
      const outputs = renditions.map((r) => ({
        rendition: r,
        file: path.join(dir, `${preset.name}-${which}-${r.name}.mp4`),
      }));
      // The whole 1 s source is one segment, read as the range read does (its stream, its frames).
      const source = {
        kind: 'range' as const,
        url: src[which].mp4,
        videoStream: 0,
        select: 'select=between(n\\,0\\,24)',
      };
      await runProcess(
        tc.bins.ffmpeg,
        segmentEncodeCommand({
          source,
          preset,
          outputs,
          count: 25,
          rotation: 0,
          colour,
          container: { cmaf: src[which].timeBase! },
        }),
        { timeoutMs: 300_000 },
      );
      return outputs.map((o) => o.file);
    }
    const encode = async (presetName: string, which: 'hlg' | 'pq') =>
      (await encodeAll(getPreset(presetName), which))?.[0];

    for (const presetName of ['h264-ladder', 'av1-ladder']) {
      for (const which of ['hlg', 'pq'] as const) {
        it(`${presetName}, ${which.toUpperCase()} source: 8-bit, tagged BT.709, really tone-mapped (PSNR against a plain 8-bit conversion < 35 dB)`, async function () {
          const mp4 = await encode(presetName, which);
          if (!mp4) {
            // No such encoder in this build: the planner refuses the preset (ENCODER_UNAVAILABLE).
            skipBecause(
              this,
              `${presetName} has no encoder in ${tc.label}: the planner refuses it (ENCODER_UNAVAILABLE)`,
            );
          }
          const f = await videoFacts(mp4!);
          assert.equal(f.pix_fmt, 'yuv420p');
          assert.deepEqual([f.color_primaries, f.color_transfer, f.color_space], ['bt709', 'bt709', 'bt709']);
          assert.equal(Number(f.nb_read_packets), 25);
          const psnr = await psnrAgainstPlain8bit(mp4!, src[which].mp4);
          assert.ok(
            psnr < 35,
            `PSNR against a plain 8-bit conversion: ${psnr.toFixed(2)} dB (a truncation scores far above 35)`,
          );
          console.log(`      ${presetName} ${which}: PSNR vs plain 8-bit ${psnr.toFixed(2)} dB`);
        });
      }
    }

    it('hevc-ladder, HLG source: 10-bit Main 10, HLG/BT.2020 signalling kept, hvc1', async () => {
      const mp4 = (await encode('hevc-ladder', 'hlg'))!;
      const f = await videoFacts(mp4);
      assert.deepEqual(
        [f.codec_name, f.codec_tag_string, f.profile, f.pix_fmt],
        ['hevc', 'hvc1', 'Main 10', 'yuv420p10le'],
      );
      assert.deepEqual([f.color_primaries, f.color_transfer, f.color_space], ['bt2020', 'arib-std-b67', 'bt2020nc']);
      assert.equal(Number(f.nb_read_packets), 25);
      // Kept, not converted: close to the source itself (a tone-mapped picture scores 15-22 dB).
      const r = await runProcess(
        resolved.ffmpeg,
        ['-hide_banner', '-nostdin', '-i', mp4, '-i', src.hlg.mp4, '-lavfi', '[0:v][1:v]psnr', '-f', 'null', '-'],
        { timeoutMs: 120_000 },
      );
      const psnr = Number(/average:([\d.]+)/.exec(r.stderrTail)![1]);
      assert.ok(psnr > 30, `PSNR against the source: ${psnr}`);
    });

    it('hevc-ladder, PQ source: HDR10 kept with its mastering display and MaxCLL/MaxFALL', async () => {
      const mp4 = (await encode('hevc-ladder', 'pq'))!;
      const f = await videoFacts(mp4);
      assert.deepEqual(
        [f.profile, f.pix_fmt, f.color_primaries, f.color_transfer, f.color_space],
        ['Main 10', 'yuv420p10le', 'bt2020', 'smpte2084', 'bt2020nc'],
      );
      const out = await probeColour(mp4);
      assert.deepEqual(out.contentLight, { maxContent: 1000, maxAverage: 400 });
      assert.deepEqual(out.masteringDisplay, src.pq.colour!.masteringDisplay);
    });

    it('a ladder mixing codecs, PQ source: the HEVC rung keeps HDR10 (Main 10, PQ), the H.264 rung is tone-mapped to 8-bit BT.709, in one encode', async () => {
      const hevc = PRESETS['hevc-ladder'];
      const mixed: Preset = {
        ...hevc,
        name: 'mixed',
        renditions: [
          { name: '180p', height: 180, crf: 28, maxBitrateKbps: 1000 },
          { name: '144p', height: 144, crf: 24, maxBitrateKbps: 600, video: PRESETS['h264-ladder'].video },
        ],
      };
      const [kept, mapped] = (await encodeAll(mixed, 'pq'))!;
      const k = await videoFacts(kept);
      assert.deepEqual(
        [k.codec_name, k.codec_tag_string, k.profile, k.pix_fmt, k.color_transfer],
        ['hevc', 'hvc1', 'Main 10', 'yuv420p10le', 'smpte2084'],
      );
      const m = await videoFacts(mapped);
      assert.deepEqual(
        [m.codec_name, m.codec_tag_string, m.profile, m.pix_fmt, m.color_primaries, m.color_transfer, m.color_space],
        ['h264', 'avc1', 'High', 'yuv420p', 'bt709', 'bt709', 'bt709'],
      );
      assert.deepEqual([Number(k.nb_read_packets), Number(m.nb_read_packets)], [25, 25]);
    });
  });
}
