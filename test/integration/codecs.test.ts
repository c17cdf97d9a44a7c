/**
 * The HEVC and AV1 ladders with the real encoders (ffmpeg called directly, no stack): every
 * encoder keeps exactly the source's frames at their source times (variable frame rate and
 * B-frames in the fixture), puts keyframes on the forced grid and only there, at the same
 * frames in every rendition, and its pieces mux into MP4 (HEVC as hvc1). Run per toolchain;
 * an encoder the toolchain lacks is refused by the capability check instead.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { resolveBinaries, npmBinaries, type Binaries } from '../../src/media/ffmpeg/binaries.js';
import { runProcess } from '../../src/media/ffmpeg/runner.js';
import { generateSample } from '../../src/media/package/sample.js';
import { segmentEncodeCommand } from '../../src/media/encode/args.js';
import { getPreset, selectRenditions, type Preset } from '../../src/media/plan/presets.js';
import { capabilitiesOf, checkCapabilities } from '../../src/media/plan/encoders.js';
import { readInit } from '../../src/media/package/init.js';
import { readFile } from 'node:fs/promises';

const toolchains: { label: string; bins: Binaries }[] = [];
const resolved = resolveBinaries(process.env);
toolchains.push({ label: `${resolved.source.ffmpeg} ffmpeg`, bins: resolved });
const shipped = npmBinaries();
if (shipped && shipped.ffmpeg !== resolved.ffmpeg) toolchains.push({ label: 'npm-shipped ffmpeg', bins: shipped });

/** pts and keyframe flag of every packet of the first video stream, in presentation order. */
async function packets(ffprobe: string, file: string): Promise<{ pts: number; key: boolean }[]> {
  const r = await runProcess(
    ffprobe,
    ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'packet=pts,flags', '-of', 'csv=p=0', file],
    { timeoutMs: 60_000, captureStdout: true },
  );
  return r.stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const [pts, flags] = l.split(',');
      return { pts: Number(pts), key: flags.includes('K') };
    })
    .sort((a, b) => a.pts - b.pts);
}

/** Presentation times (s) of the decoded frames. */
async function frameTimes(ffprobe: string, file: string): Promise<number[]> {
  const r = await runProcess(
    ffprobe,
    [
      '-v',
      'error',
      '-select_streams',
      'v:0',
      '-show_entries',
      'frame=best_effort_timestamp_time',
      '-of',
      'csv=p=0',
      file,
    ],
    { timeoutMs: 60_000, captureStdout: true },
  );
  return r.stdout
    .split('\n')
    .map((l) => l.replace(/,+$/, '').trim())
    .filter((l) => l && l !== 'N/A')
    .map(Number);
}

async function timeBase(ffprobe: string, file: string): Promise<number> {
  const r = await runProcess(
    ffprobe,
    ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=time_base', '-of', 'csv=p=0', file],
    { timeoutMs: 60_000, captureStdout: true },
  );
  const [n, d] = r.stdout.trim().split('/').map(Number);
  return n / d;
}

async function timeBaseOf(ffprobe: string, file: string): Promise<{ num: number; den: number }> {
  const r = await runProcess(
    ffprobe,
    ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=time_base', '-of', 'csv=p=0', file],
    { timeoutMs: 60_000, captureStdout: true },
  );
  const [num, den] = r.stdout.trim().split('/').map(Number);
  return { num, den };
}

async function streamFacts(ffprobe: string, file: string): Promise<Record<string, string>> {
  const r = await runProcess(
    ffprobe,
    [
      '-v',
      'error',
      '-select_streams',
      'v:0',
      '-show_entries',
      'stream=codec_name,codec_tag_string,profile,level,pix_fmt,width,height',
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

for (const tc of toolchains) {
  describe(`HEVC and AV1 ladders, real encoders (${tc.label})`, function () {
    this.timeout(600_000);
    let dir: string;
    let source: string;
    let srcPackets: { pts: number; key: boolean }[];
    const ffprobe = resolved.ffprobe;

    before(async () => {
      dir = await mkdtemp(path.join(os.tmpdir(), 'mt-codecs-'));
      // 3 s of 320x180 at a variable frame rate (two frames in every 11 dropped, a burst of 6
      // missing at 1 s) with B-frames and irregular keyframes, copied into a NUT piece with
      // its timestamps kept, exactly as Split writes one.
      const mp4 = path.join(dir, 'vfr.mp4');
      await generateSample({
        output: mp4,
        durationSec: 3,
        width: 320,
        height: 180,
        fps: 10,
        bFrames: 3,
        variableFrameRate: true,
        keyframes: [0, 0.7, 2.2],
      });
      source = path.join(dir, 'vfr.nut');
      await runProcess(
        resolved.ffmpeg,
        ['-v', 'error', '-y', '-i', mp4, '-map', '0:v', '-c', 'copy', '-copyts', '-f', 'nut', source],
        { timeoutMs: 60_000 },
      );
      srcPackets = await packets(ffprobe, source);
    });
    after(async () => {
      if (!process.env.KEEP_TEST_FILES) await rm(dir, { recursive: true, force: true });
    });

    for (const name of ['hevc-ladder', 'av1-ladder', 'h264-ladder']) {
      it(`${name}: exact frames and times, keyframes on the 1 s grid in both renditions, CMAF fragment`, async () => {
        const caps = await capabilitiesOf(tc.bins.ffmpeg);
        const base = getPreset(name);
        if (!caps.encoders.has(base.video.encoder)) {
          // The planner refuses this preset up front on this toolchain; nothing else to run.
          assert.throws(
            () => checkCapabilities(base, caps),
            (e: Error & { code?: string }) =>
              e.code === 'ENCODER_UNAVAILABLE' && e.message.includes(base.video.encoder) && e.message.includes(name),
          );
          return;
        }
        // A one-second grid so 3 s hold several forced keyframes; two small rungs.
        const preset: Preset = {
          ...base,
          gopSeconds: 1,
          renditions: [
            { ...base.renditions[2], name: '180p', height: 180 },
            { ...base.renditions[2], name: '120p', height: 120 },
          ],
        };
        const renditions = selectRenditions(preset, 320, 180);
        assert.deepEqual(
          renditions.map((r) => r.name),
          ['180p', '120p'],
        );
        const outputs = renditions.map((r) => ({ rendition: r, file: path.join(dir, `${name}-${r.name}.nut`) }));
        const piece = { kind: 'piece' as const, file: source, skip: 0, totalFrames: srcPackets.length };
        const args = segmentEncodeCommand({
          source: piece,
          preset,
          outputs,
          count: srcPackets.length,
          rotation: 0,
          container: { nut: true },
        });
        const started = Date.now();
        await runProcess(tc.bins.ffmpeg, args, { timeoutMs: 300_000 });
        const encodeMs = Date.now() - started;

        // Expected keyframes: the first frame, then the first frame of every 1 s period. ffmpeg
        // (4.3 and later, and the 2018 build alike) measures the expression's t from the first
        // frame it encodes, so the grid runs from the segment's start (0.2 s here: B-frame delay).
        const tb = await timeBase(ffprobe, source);
        const want: number[] = [];
        let period = -1;
        for (const p of srcPackets) {
          const k = Math.floor((p.pts - srcPackets[0].pts) * tb + 1e-9);
          if (k > period) {
            want.push(p.pts);
            period = k;
          }
        }
        const keysets: number[][] = [];
        for (const o of outputs) {
          const out = await packets(ffprobe, o.file);
          assert.deepEqual(
            out.map((p) => p.pts),
            srcPackets.map((p) => p.pts),
            `${o.rendition.name}: every source frame at its source timestamp`,
          );
          keysets.push(out.filter((p) => p.key).map((p) => p.pts));
        }
        assert.ok(want.length >= 3, 'the fixture spans three grid periods');
        assert.deepEqual(keysets[0], want, 'keyframes exactly on the grid');
        assert.deepEqual(keysets[1], keysets[0], 'the same keyframes in every rendition');

        // The 2018 build cannot write CMAF fragments with source timing (the Plan refuses it).
        if (tc.bins.source.ffmpeg === 'npm') return;
        // The same encode as the segment workers write it: a CMAF fragment (HEVC as hvc1).
        const mp4 = path.join(dir, `${name}.mp4`);
        await runProcess(
          tc.bins.ffmpeg,
          segmentEncodeCommand({
            source: piece,
            preset,
            outputs: [{ rendition: renditions[0], file: mp4 }],
            count: srcPackets.length,
            rotation: 0,
            container: { cmaf: await timeBaseOf(ffprobe, source) },
          }),
          { timeoutMs: 300_000 },
        );
        const facts = await streamFacts(ffprobe, mp4);
        assert.equal(facts.codec_name, preset.video.codec);
        // The CODECS the manifests declare: read from the init, as the packager does (init.ts).
        const [track] = readInit(await readFile(mp4));
        assert.match(
          track.codec,
          { h264: /^avc1\.6400[0-9a-f]{2}$/, hevc: /^hvc1\.1\.6\.L\d+/, av1: /^av01\.0\.\d\dM\.08$/ }[
            preset.video.codec
          ],
        );
        if (preset.video.codec === 'hevc') {
          assert.equal(facts.codec_tag_string, 'hvc1');
          assert.equal(facts.profile, 'Main');
        }
        assert.equal(facts.pix_fmt, 'yuv420p');
        const src = await frameTimes(ffprobe, source);
        const t = await frameTimes(ffprobe, mp4);
        assert.equal(t.length, src.length, 'CMAF: frame count');
        for (let i = 0; i < t.length; i++)
          assert.ok(Math.abs(t[i] - t[0] - (src[i] - src[0])) < 1e-4, `CMAF frame ${i} at its source time`);
        console.log(
          `      ${name}: ${srcPackets.length} frames, keyframes at ${keysets[0].map((p) => (p * tb).toFixed(2)).join(' ')} s, encode ${encodeMs} ms`,
        );
      });
    }
  });
}
