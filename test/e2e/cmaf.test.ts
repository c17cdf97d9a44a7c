/**
 * Segments are the product: a fixture cut into 3 segments, each segment's encode writing both
 * renditions as CMAF fragments, audio encoded in 3 chunks, manifests and progressive MP4s built
 * from the same pieces. Everything is read back THROUGH the HLS playlists and the DASH MPD by
 * ffprobe and checked against the source, frame by frame. ffmpeg runs directly (no state
 * machine), once per toolchain: Debian's 5.1 must pass, the npm-shipped 2018 build must refuse.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { npmBinaries, resolveBinaries, type Binaries } from '../../src/media/ffmpeg/binaries.js';
import { generateSample, type SampleSpec } from '../../src/media/package/sample.js';
import { runProcess } from '../../src/media/ffmpeg/runner.js';
import { PRESETS, selectRenditions, type Preset } from '../../src/media/plan/presets.js';
import { audioChunkCommand, fragmentMuxerArgs, planAudioChunks } from '../../src/media/encode/cmaf.js';
import {
  assembleProgressive,
  audioPiece,
  fragmentFacts,
  partRanges,
  placedParts,
  progressiveLayout,
  videoTrackModel,
} from '../../src/media/package/package.js';
import { concatBytes, splitInit } from '../../src/media/package/isobmff.js';
import { readInit } from '../../src/media/package/init.js';
import { hlsMasterPlaylist, packageLayout } from '../../src/media/package/manifests.js';
import { EncoderError } from '../../src/errors.js';
import { buildPackage, type BuiltPackage } from '../helpers/cmafPackage.js';
import { checkContract } from '../helpers/contract.js';
import { frameTimes } from '../helpers/media.js';
import { skipBecause } from '../helpers/skip.js';

const preset: Preset = {
  ...PRESETS['h264-ladder'],
  renditions: [
    { name: '240p', height: 240, crf: 23, maxBitrateKbps: 800 },
    { name: '120p', height: 120, crf: 24, maxBitrateKbps: 300 },
  ],
};

const probeJson = async (args: string[]) =>
  JSON.parse(
    (
      await runProcess(
        resolveBinaries(process.env).ffprobe,
        ['-v', 'error', '-protocol_whitelist', 'file', '-print_format', 'json', ...args],
        { timeoutMs: 120_000, captureStdout: true },
      )
    ).stdout,
  );

/** Video frames (display order) of one stream of a playlist or MPD: time, keyframe flag. */
async function videoFrames(url: string, stream: string): Promise<{ t: number; key: boolean }[]> {
  const j = await probeJson([
    '-select_streams',
    stream,
    '-show_entries',
    'frame=best_effort_timestamp_time,key_frame',
    url,
  ]);
  return (j.frames as { best_effort_timestamp_time: string; key_frame: number }[]).map((f) => ({
    t: Number(f.best_effort_timestamp_time),
    key: f.key_frame === 1,
  }));
}

const PROFILE_IDC: Record<string, number> = {
  Baseline: 0x42,
  'Constrained Baseline': 0x42,
  Main: 0x4d,
  High: 0x64,
  'High 10': 0x6e,
  'High 4:2:2': 0x7a,
  'High 4:4:4 Predictive': 0xf4,
};

/** Decoded mono f32 PCM and the first frame's time, via ffmpeg. */
async function pcm(url: string): Promise<{ samples: Float32Array; start: number }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'mt-pcm-'));
  const out = path.join(dir, 'a.f32');
  await runProcess(
    resolveBinaries(process.env).ffmpeg,
    ['-v', 'error', '-protocol_whitelist', 'file', '-i', url, '-map', '0:a:0', '-ac', '1', '-f', 'f32le', out],
    { timeoutMs: 120_000 },
  );
  const b = await readFile(out);
  await rm(dir, { recursive: true, force: true });
  const j = await probeJson([
    '-select_streams',
    'a:0',
    '-show_entries',
    'frame=pts_time',
    '-read_intervals',
    '%+#1',
    url,
  ]);
  return { samples: new Float32Array(b.buffer, b.byteOffset, b.length / 4), start: Number(j.frames[0].pts_time) };
}

/** Max absolute difference and SNR (dB, reference power over difference power) of a window. */
function compare(ref: Float32Array, x: Float32Array, from: number, to: number) {
  let maxAbs = 0;
  let sig = 0;
  let noise = 0;
  for (let i = Math.max(0, from); i < Math.min(to, ref.length, x.length); i++) {
    const d = x[i] - ref[i];
    maxAbs = Math.max(maxAbs, Math.abs(d));
    sig += ref[i] * ref[i];
    noise += d * d;
  }
  return { maxAbs, snrDb: noise === 0 ? Infinity : 10 * Math.log10(sig / noise) };
}

const toolchains: { label: string; bins: Binaries; modern: boolean }[] = [
  { label: `${resolveBinaries(process.env).source.ffmpeg} ffmpeg`, bins: resolveBinaries(process.env), modern: true },
];
const shipped = npmBinaries();
if (shipped && shipped.ffmpeg !== resolveBinaries(process.env).ffmpeg)
  toolchains.push({ label: 'npm-shipped ffmpeg', bins: shipped, modern: false });

const fixtures: { label: string; spec: Omit<SampleSpec, 'output'>; clipSkip?: number }[] = [
  { label: '30 fps, B-frames', spec: { durationSec: 6, width: 320, height: 240, fps: 30, audio: true } },
  // Phone-like: dropped frames and every frame off the 1/fps grid (time base 1/90000).
  {
    label: 'variable frame rate off the grid',
    spec: { durationSec: 6, width: 320, height: 240, fps: 30, audio: true, variableFrameRate: true, offGrid: true },
  },
  // A frame-accurate clip: the package starts at the clip's first frame, 17 frames into a GOP.
  {
    label: 'clip starting mid-GOP',
    spec: { durationSec: 6, width: 320, height: 240, fps: 30, audio: true },
    clipSkip: 17,
  },
];

for (const tc of toolchains)
  for (const fx of tc.modern ? fixtures : fixtures.slice(0, 1)) {
    describe(`CMAF package from segments (${tc.label}; ${fx.label})`, function () {
      this.timeout(300_000);
      let dir: string;
      let src: string;
      let pkg: BuiltPackage | undefined;
      let refusal: unknown;

      before(async () => {
        dir = await mkdtemp(path.join(os.tmpdir(), 'mt-cmaf-'));
        src = path.join(dir, 'src.mp4');
        // 6 s, keyframes every 2 s: three segments cut at the keyframes.
        await generateSample({ output: src, ...fx.spec });
        try {
          pkg = await buildPackage(src, path.join(dir, 'pkg'), {
            bins: tc.bins,
            clipSkip: fx.clipSkip,
            renditions: selectRenditions(preset, 320, 240),
            preset,
          });
        } catch (e) {
          refusal = e;
        }
      });
      after(async () => {
        if (!process.env.KEEP_TEST_FILES) await rm(dir, { recursive: true, force: true });
        else console.log(`kept ${dir}`);
      });

      if (!tc.modern) {
        it('refuses with ENCODER_UNSUPPORTED rather than writing fragments with frames at the wrong times', () => {
          assert.ok(refusal instanceof EncoderError, `expected a refusal, got ${refusal ?? 'a package'}`);
          assert.equal(refusal.code, 'ENCODER_UNSUPPORTED', refusal.message);
        });
        return;
      }

      it('builds the package', () => assert.ok(pkg, `package failed: ${refusal}`));

      it('every worker wrote the same init segment for a rendition', () => {
        for (const [name, inits] of Object.entries(pkg!.workerInits)) {
          assert.equal(inits.length, 3, name);
          for (const i of inits) assert.deepEqual(i, inits[0], `${name}: init identical across segments`);
        }
      });

      it('every HLS variant and DASH representation, read through its manifest, has exactly the source frames at the source times', async () => {
        const srcT = (await frameTimes(src)).slice(fx.clipSkip ?? 0);
        assert.ok(srcT.length > 100);
        const rel = (ts: number[]) => ts.map((t) => t - ts[0]);
        const keyTimesPerVariant: number[][] = [];
        const reads: [string, string, string][] = [];
        for (const [i, r] of pkg!.renditions.entries()) {
          reads.push([`HLS ${r.name}`, path.join(pkg!.dir, 'hls', `${r.name}.m3u8`), 'v:0']);
          reads.push([`DASH ${r.name}`, path.join(pkg!.dir, 'dash', 'manifest.mpd'), `v:${i}`]);
        }
        for (const [what, url, stream] of reads) {
          const f = await videoFrames(url, stream);
          assert.equal(f.length, srcT.length, `${what}: frame count`);
          const worst = Math.max(...rel(f.map((x) => x.t)).map((t, i) => Math.abs(t - (srcT[i] - srcT[0]))));
          assert.ok(
            worst < 1e-4,
            `${what}: every frame at its source time, no gap or duplicate at a join (worst ${worst}s)`,
          );
          const keys = rel(f.map((x) => x.t)).filter((_, i) => f[i].key);
          for (const s of pkg!.segmentStartsSec)
            assert.ok(
              keys.some((k) => Math.abs(k - s) < 1e-4),
              `${what}: keyframe at segment start ${s}`,
            );
          keyTimesPerVariant.push(keys);
        }
        for (const k of keyTimesPerVariant)
          assert.deepEqual(k, keyTimesPerVariant[0], 'keyframes aligned across variants');
      });

      it('declared RESOLUTION, CODECS, FRAME-RATE and BANDWIDTH are true', async () => {
        const master = await readFile(path.join(pkg!.dir, 'hls', 'master.m3u8'), 'utf8');
        const mpd = await readFile(path.join(pkg!.dir, 'dash', 'manifest.mpd'), 'utf8');
        const audioPl = await readFile(path.join(pkg!.dir, 'hls', 'audio.m3u8'), 'utf8');
        const segRates = async (pl: string, id: string) => {
          const durs = [...pl.matchAll(/#EXTINF:([\d.]+),/g)].map((m) => Number(m[1]));
          return Promise.all(
            durs.map(
              async (d, i) =>
                ((await stat(path.join(pkg!.dir, 'cmaf', id, `seg-${String(i).padStart(5, '0')}.m4s`))).size * 8) / d,
            ),
          );
        };
        const audioPeak = Math.max(...(await segRates(audioPl, 'audio')));
        assert.match(master, /#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="audio",NAME="English",LANGUAGE="en",DEFAULT=YES/);
        for (const r of pkg!.renditions) {
          const inf = new RegExp(`#EXT-X-STREAM-INF:([^\\n]+)\\n${r.name}\\.m3u8`).exec(master)?.[1];
          assert.ok(inf, `${r.name} in the master playlist`);
          const attr = (k: string) => new RegExp(`(?:^|,)${k}=("[^"]*"|[^,]*)`).exec(inf)?.[1]?.replace(/"/g, '');
          const st = (
            await probeJson([
              '-select_streams',
              'v:0',
              '-show_entries',
              'stream=width,height,profile,level,codec_name',
              path.join(pkg!.dir, 'hls', `${r.name}.m3u8`),
            ])
          ).streams[0];
          assert.equal(attr('RESOLUTION'), `${st.width}x${st.height}`, `${r.name}: RESOLUTION`);
          assert.equal(attr('RESOLUTION'), `${r.width}x${r.outHeight}`);
          const [vc, ac] = attr('CODECS')!.split(',');
          assert.equal(st.codec_name, 'h264');
          assert.equal(vc.slice(0, 5), 'avc1.');
          assert.equal(
            parseInt(vc.slice(5, 7), 16),
            PROFILE_IDC[st.profile],
            `${r.name}: CODECS profile vs ${st.profile}`,
          );
          assert.equal(parseInt(vc.slice(9, 11), 16), st.level, `${r.name}: CODECS level vs ${st.level}`);
          assert.equal(ac, 'mp4a.40.2');
          if (!fx.spec.variableFrameRate) assert.equal(attr('FRAME-RATE'), '30.000');
          else assert.ok(Number(attr('FRAME-RATE')) <= 30.001, `${r.name}: FRAME-RATE ${attr('FRAME-RATE')}`);
          const pl = await readFile(path.join(pkg!.dir, 'hls', `${r.name}.m3u8`), 'utf8');
          assert.match(pl, /#EXT-X-VERSION:7\n/);
          assert.match(pl, /#EXT-X-INDEPENDENT-SEGMENTS\n/);
          assert.match(pl, new RegExp(`#EXT-X-MAP:URI="../cmaf/${r.name}/init.mp4"`));
          const peak = Math.max(...(await segRates(pl, r.name))) + audioPeak;
          assert.ok(
            Number(attr('BANDWIDTH')) >= peak,
            `${r.name}: BANDWIDTH ${attr('BANDWIDTH')} >= measured peak ${peak.toFixed(0)}`,
          );
          const rep = new RegExp(
            `<Representation id="${r.name}" bandwidth="(\\d+)" codecs="([^"]+)" width="(\\d+)" height="(\\d+)"`,
          ).exec(mpd);
          assert.ok(rep, `${r.name} in the MPD`);
          assert.equal(rep[2], vc);
          assert.deepEqual([Number(rep[3]), Number(rep[4])], [st.width, st.height]);
          assert.ok(
            Number(rep[1]) >= Math.max(...(await segRates(pl, r.name))),
            `${r.name}: DASH bandwidth >= measured peak`,
          );
        }
        assert.match(mpd, /<AdaptationSet id="1" contentType="audio" mimeType="audio\/mp4" lang="en"/);
      });

      it('audio chunks join gaplessly: the joined track decodes like one encode, within one AAC frame of the video', async () => {
        const joined = await pcm(path.join(pkg!.dir, 'hls', 'audio.m3u8'));
        // The same range encoded in one pass, packaged the same way.
        const one = { ...planAudioChunks([0], 6, 48000)[0], to: pkg!.audioChunks.at(-1)!.to };
        const out = path.join(dir, 'single.mp4');
        await runProcess(
          resolveBinaries(process.env).ffmpeg,
          audioChunkCommand({
            input: src,
            planStartSec: pkg!.planStartSec,
            chunk: one,
            preset,
            tracks: [{ index: 1, channels: preset.audio.channels, bitrateKbps: preset.audio.bitrateKbps, output: out }],
          }),
          { timeoutMs: 120_000 },
        );
        const piece = audioPiece(await readFile(out), one);
        await writeFile(path.join(dir, 'single.m4a'), concatBytes([piece.init, piece.fragment]));
        const single = await pcm(path.join(dir, 'single.m4a'));
        assert.equal(joined.start, single.start, 'both start with the priming frame at the same time');
        assert.equal(
          joined.samples.length,
          single.samples.length,
          'same number of samples: no gap or overlap at any join',
        );
        // Presented duration: from 0 to the end, within one AAC frame of the video.
        const v = pkg!.model.video[0];
        const videoSec = v.segments.reduce((a, x) => a + x.duration, 0) / v.timescale;
        const presented = joined.samples.length / 48000 + joined.start;
        assert.ok(
          presented >= videoSec - 1e-6 && presented - videoSec <= 1024 / 48000,
          `audio ${presented}s vs video ${videoSec}s`,
        );
        const priming = Math.round(-joined.start * 48000);
        const whole = compare(single.samples, joined.samples, priming, single.samples.length);
        const joins = pkg!.audioChunks
          .slice(1)
          .map((c) => compare(single.samples, joined.samples, priming + c.from - 2048, priming + c.from + 2048));
        console.log(
          `      audio joins vs one-pass encode: ${joins.map((j) => `SNR ${j.snrDb.toFixed(1)} dB, max |diff| ${j.maxAbs.toFixed(4)}`).join('; ')}; whole track SNR ${whole.snrDb.toFixed(1)} dB`,
        );
        for (const j of joins)
          assert.ok(
            j.snrDb >= 30 && j.maxAbs <= 0.05,
            `join: SNR ${j.snrDb.toFixed(1)} dB, max |diff| ${j.maxAbs} (a gap, a click or a shifted chunk scores far lower)`,
          );
        assert.ok(whole.snrDb >= 30, `whole track SNR ${whole.snrDb}`);
      });

      it('progressive MP4s joined from the same fragments meet the contract (frames, times, PSNR, A/V, moov first)', async function () {
        // checkContract compares with the whole source; the clip's frames are checked above through
        // the manifests, which reference the very bytes the progressive file joins.
        if (fx.clipSkip)
          skipBecause(
            this,
            "a clip: checkContract compares with the whole source; the clip's frames are checked through the manifests above, which reference the bytes the MP4 joins",
          );
        const outputs = pkg!.renditions.map((r) => ({
          name: `mp4/${r.name}.mp4`,
          width: r.width,
          height: r.outHeight,
        }));
        const figures = await checkContract(src, pkg!.dir, outputs, true);
        for (const f of figures) assert.equal(f.frames, (await frameTimes(src)).length);
      });

      it("the MP4 laid out from the pieces' facts and joined in parts (any part size) is byte-identical to the one joined in memory", async () => {
        const read = (rel: string) => readFile(path.join(pkg!.dir, rel));
        const audioInit = await read(packageLayout.init('audio'));
        const audioFrags = await Promise.all(
          pkg!.audioChunks.map((c) => read(packageLayout.segment('audio', c.index))),
        );
        const audioFacts = fragmentFacts(audioInit, audioFrags);
        for (const r of pkg!.renditions) {
          const init = await read(packageLayout.init(r.name));
          const frags = await Promise.all(
            pkg!.model.video[0].segments.map((_, k) => read(packageLayout.segment(r.name, k))),
          );
          const inMemory = Buffer.concat(
            assembleProgressive({
              videoInit: init,
              videoFragments: frags,
              tracks: [{ init: audioInit, fragments: audioFrags }],
            }),
          );
          const facts = fragmentFacts(init, frags);
          const delay = Math.max(...facts.map((f) => f.ctsDelay!));
          const last = facts.at(-1)!;
          const layout = progressiveLayout(
            { init, bases: facts.map((f) => f.start), end: last.start + last.duration, delay },
            [{ init: audioInit, bases: audioFacts.map((f) => f.start) }],
          );
          const bytesOf = (x: (typeof layout.order)[number]) => (x.track === 0 ? frags[x.k] : audioFrags[x.k]);
          const sizes = layout.order.map((x) => bytesOf(x).length);
          for (const min of [1, 100_000, 1e9]) {
            const ranges = partRanges(sizes, layout.init.length, min);
            const parts = ranges.map((g, i) =>
              Buffer.concat([
                ...(i === 0 ? [layout.init] : []),
                ...layout.order.slice(g.from, g.to).flatMap((x) => placedParts(bytesOf(x), x, delay)),
              ]),
            );
            assert.ok(
              Buffer.concat(parts).equals(inMemory),
              `${r.name}, parts of at least ${min} bytes (${ranges.length} parts): same bytes`,
            );
            parts
              .slice(0, -1)
              .forEach((x, i) =>
                assert.ok(x.length >= Math.min(min, inMemory.length), `part ${i + 1} is ${x.length} bytes`),
              );
          }
        }
      });
    });
  }

describe('codec strings from real init segments (HEVC, AV1, VP9 ladders come next)', function () {
  this.timeout(120_000);
  const cases: [string, string[], RegExp][] = [
    ['libx264', ['-c:v', 'libx264', '-profile:v', 'high'], /^avc1\.6400[0-9a-f]{2}$/],
    [
      'libx265',
      ['-c:v', 'libx265', '-tag:v', 'hvc1', '-x265-params', 'log-level=error'],
      /^hvc1\.1\.6\.L\d+\.[0-9A-F]+$/,
    ],
    ['libsvtav1', ['-c:v', 'libsvtav1', '-preset', '12'], /^av01\.0\.\d\dM\.08$/],
    ['libvpx-vp9', ['-c:v', 'libvpx-vp9', '-deadline', 'realtime', '-cpu-used', '8'], /^vp09\.00\.\d\d\.08$/],
  ];
  for (const [enc, args, re] of cases) {
    it(`${enc}: the init's codec string is what CODECS declares`, async function () {
      const encoders = (
        await runProcess(resolveBinaries(process.env).ffmpeg, ['-hide_banner', '-encoders'], {
          timeoutMs: 30_000,
          captureStdout: true,
        })
      ).stdout;
      if (!encoders.includes(` ${enc} `)) skipBecause(this, `no ${enc} in this ffmpeg`);
      const dir = await mkdtemp(path.join(os.tmpdir(), 'mt-codec-'));
      try {
        const out = path.join(dir, 'c.mp4');
        await runProcess(
          resolveBinaries(process.env).ffmpeg,
          [
            '-v',
            'error',
            '-f',
            'lavfi',
            '-i',
            'testsrc2=size=320x240:rate=30',
            '-t',
            '0.2',
            '-pix_fmt',
            'yuv420p',
            ...args,
            ...fragmentMuxerArgs({ negativeCts: false }),
            out,
          ],
          { timeoutMs: 60_000 },
        );
        const [track] = readInit(splitInit(await readFile(out)).init);
        assert.match(track.codec, re);
        const { init, media } = splitInit(await readFile(out));
        const model = videoTrackModel('v', init, fragmentFacts(init, [media]));
        assert.match(
          hlsMasterPlaylist({ video: [model], audio: [] }),
          new RegExp(`CODECS="${track.codec.replace(/\./g, '\\.')}",RESOLUTION=320x240`),
        );
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  }
});
