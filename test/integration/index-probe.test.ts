/**
 * Probe from the index against today's packet probe: on every fixture kind the packet index
 * built from the moov (read by HTTP range requests) equals ffprobe's field by field, and so does
 * the plan made from it; the bytes read are about the moov's size. Sources it cannot reproduce
 * say why (the packet probe then runs).
 */
import assert from 'node:assert/strict';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { resolveBinaries, npmBinaries } from '../../src/media/ffmpeg/binaries.js';
import { generateSample, type SampleSpec } from '../../src/media/package/sample.js';
import { runProcess } from '../../src/media/ffmpeg/runner.js';
import {
  buildPacketProbeArgs,
  buildStreamProbeArgs,
  parsePacketCsv,
  parseStreamProbe,
} from '../../src/media/probe/probe.js';
import { planSegments } from '../../src/media/plan/plan.js';
import { buildStreamProbeWithHeadArgs, httpRangeSource, probeIndex } from '../../src/media/probe/indexProbe.js';
import { rangeServerHooks } from '../helpers/rangeServer.js';

const bins = resolveBinaries(process.env);
const old = npmBinaries();
const ff = (args: string[], bin = bins.ffmpeg) =>
  runProcess(bin, ['-v', 'error', '-y', ...args], { timeoutMs: 120_000 });
const vfr: Omit<SampleSpec, 'output'> = {
  durationSec: 6,
  width: 320,
  height: 180,
  fps: 30,
  audio: true,
  bFrames: 3,
  variableFrameRate: true,
  keyframes: [0, 1.3, 2.1, 3.7, 4.2, 5.4],
};

interface Fixture {
  name: string;
  make: (file: string, dir: string) => Promise<unknown>;
  /** A reason the index cannot stand in (the packet probe runs), or none when it must. */
  fallback?: RegExp;
}

const fromVfr = (args: string[], bin?: string) => async (f: string, dir: string) => {
  const src = path.join(dir, `src-${path.basename(f)}.mp4`);
  await generateSample({ ...vfr, output: src });
  await ff(['-i', src, ...args, f], bin);
};

const fixtures: Fixture[] = [
  { name: 'vfr-bframes.mp4', make: (f) => generateSample({ ...vfr, output: f }) },
  { name: 'vfr-offgrid.mp4', make: (f) => generateSample({ ...vfr, offGrid: true, output: f }) },
  {
    name: 'mono-faststart.mp4',
    make: (f) =>
      generateSample({
        durationSec: 5.5,
        width: 320,
        height: 180,
        fps: 25,
        audio: { channels: 1 },
        keyframes: [0, 1, 2, 3, 4, 5],
        extraArgs: ['-movflags', '+faststart'],
        output: f,
      }),
  },
  {
    name: 'noaudio.mov',
    make: (f) => generateSample({ durationSec: 4, width: 320, height: 180, fps: 24, audio: false, output: f }),
  },
  { name: 'vfr-no-bframes.mp4', make: (f) => generateSample({ ...vfr, bFrames: 0, output: f }) },
  {
    name: 'mjpeg.mov',
    make: (f) =>
      generateSample({ durationSec: 3, width: 160, height: 90, fps: 25, audio: false, codec: 'mjpeg', output: f }),
  },
  {
    name: 'one-frame.mp4',
    make: (f) => ff(['-f', 'lavfi', '-i', 'testsrc2=size=160x90:rate=30', '-frames:v', '1', '-c:v', 'libx264', f]),
  },
  // Edit lists: a cut between keyframes (frames before it flagged D), a late start (an empty
  // edit), none at all.
  {
    name: 'editlist-cut.mp4',
    make: async (f, dir) => {
      const src = path.join(dir, 'src-cut.mp4');
      await generateSample({ ...vfr, output: src });
      await ff(['-ss', '1.5', '-i', src, '-c', 'copy', '-t', '3', f]);
    },
  },
  {
    name: 'editlist-cut-offgrid.mp4',
    make: async (f, dir) => {
      const src = path.join(dir, 'src-cut-offgrid.mp4');
      await generateSample({ ...vfr, offGrid: true, output: src });
      await ff(['-ss', '2.3', '-i', src, '-c', 'copy', f]);
    },
  },
  {
    name: 'empty-edit-late-start.mp4',
    make: async (f, dir) => {
      const src = path.join(dir, 'src-late.mp4');
      await generateSample({ ...vfr, output: src });
      await ff(['-itsoffset', '0.5', '-i', src, '-map', '0:v', '-map', '0:a', '-c', 'copy', '-t', '4', f]);
    },
  },
  { name: 'no-editlist.mp4', make: fromVfr(['-c', 'copy', '-use_editlist', '0']) },
  // Written by the npm-shipped 2018 build's muxer.
  ...(old && old.ffmpeg !== bins.ffmpeg
    ? [
        {
          name: 'old-muxer.mp4',
          make: (f: string) =>
            ff(
              [
                '-f',
                'lavfi',
                '-i',
                'testsrc2=size=320x180:rate=25',
                '-f',
                'lavfi',
                '-i',
                'sine',
                '-t',
                '5',
                '-c:v',
                'libx264',
                '-c:a',
                'aac',
                f,
              ],
              old.ffmpeg,
            ),
        },
        {
          name: 'old-muxer-cut.mp4',
          make: async (f: string, dir: string) => {
            const src = path.join(dir, 'src-old-cut.mp4');
            await generateSample({ ...vfr, output: src });
            await ff(['-ss', '1.5', '-i', src, '-c', 'copy', '-t', '3', f], old.ffmpeg);
          },
        },
        {
          name: 'old-muxer-offgrid.mp4',
          make: (f: string) =>
            ff(
              [
                '-f',
                'lavfi',
                '-i',
                'testsrc2=size=320x180:rate=30',
                '-t',
                '6',
                '-vf',
                'select=not(eq(mod(n\\,11)\\,4))*not(eq(mod(n\\,11)\\,7)),settb=1/90000,setpts=PTS+0.0033*mod(N\\,5)/TB',
                '-vsync',
                'vfr',
                '-enc_time_base',
                '1:90000',
                '-video_track_timescale',
                '90000',
                '-c:v',
                'libx264',
                '-preset',
                'veryfast',
                '-bf',
                '3',
                f,
              ],
              old.ffmpeg,
            ),
        },
      ]
    : []),
  // What the index does not reproduce: the packet probe runs.
  {
    name: 'negative-cts.mp4',
    make: fromVfr(['-c', 'copy', '-movflags', 'negative_cts_offsets']),
    fallback: /negative composition offsets/,
  },
  {
    name: 'fragmented.mp4',
    make: fromVfr(['-c', 'copy', '-movflags', 'frag_keyframe+empty_moov']),
    fallback: /fragmented/,
  },
  {
    name: 'truncated.mp4',
    make: async (f) => {
      await generateSample({
        durationSec: 4,
        width: 320,
        height: 240,
        fps: 25,
        audio: true,
        extraArgs: ['-movflags', '+faststart'],
        output: f,
      });
      await runProcess('truncate', ['-s', String(Math.floor((await stat(f)).size * 0.6)), f], { timeoutMs: 5000 });
    },
    fallback: /truncated/,
  },
  { name: 'matroska.mkv', make: fromVfr(['-c', 'copy']), fallback: /no sample tables/ },
];

/** What ffprobe's input consumed, from its verbose "Statistics: N bytes read". */
async function ffprobeBytes(ffprobe: string, args: string[]): Promise<number> {
  const r = await runProcess(
    ffprobe,
    args.map((a) => (a === 'error' ? 'verbose' : a)),
    { timeoutMs: 60_000, captureStdout: true },
  );
  return Number(/Statistics: (\d+) bytes read/.exec(r.stderrTail)?.[1] ?? NaN);
}

// Today's probe runs the resolved ffprobe (Debian's 5.1 here); where it is absent the npm-shipped
// 2023 static ffprobe runs instead: the index must equal what either reports.
const probes = [{ label: `${bins.source.ffprobe} ffprobe`, ffprobe: bins.ffprobe }];
if (old && old.ffprobe !== bins.ffprobe) probes.push({ label: 'npm-shipped 2023 ffprobe', ffprobe: old.ffprobe });

for (const { label, ffprobe } of probes) {
  describe(`probe from the index equals the packet probe (${label})`, function () {
    this.timeout(300_000);
    const served = rangeServerHooks('mt-index-');

    for (const fx of fixtures) {
      it(`${fx.name}: ${fx.fallback ? `falls back (${fx.fallback.source})` : 'same packets, same plan, about the moov read'}`, async () => {
        const file = path.join(served.dir, fx.name);
        await fx.make(file, served.dir);
        const size = (await stat(file)).size;
        const url = served.server.url(fx.name);
        const streamArgs = buildStreamProbeWithHeadArgs({ url });
        const streams = await runProcess(ffprobe, streamArgs, { timeoutMs: 60_000, captureStdout: true }).catch(
          (e) => e as Error,
        );
        if (streams instanceof Error) {
          assert.ok(fx.fallback, `the stream probe failed: ${streams.message}`);
          return;
        }
        const info = parseStreamProbe(streams.stdout);
        // Showing the first packets changes nothing the pipeline reads from the stream probe.
        const plainProbe = await runProcess(ffprobe, buildStreamProbeArgs({ url }), {
          timeoutMs: 60_000,
          captureStdout: true,
        });
        assert.deepEqual(
          info,
          parseStreamProbe(plainProbe.stdout),
          'the stream probe with head packets describes the source as before',
        );
        const src = httpRangeSource(url, size);
        const r = await probeIndex(src, {
          formatName: info.formatName,
          streamIndex: info.video.index,
          streamJson: streams.stdout,
        });
        if (fx.fallback) {
          assert.equal(r.ok, false, 'the index is not used');
          assert.match((r as { reason: string }).reason, fx.fallback);
          return;
        }
        assert.ok(r.ok, (r as { reason: string }).reason);
        const packetArgs = buildPacketProbeArgs({ url }, info.video.index);
        const want = parsePacketCsv(
          (await runProcess(ffprobe, packetArgs, { timeoutMs: 60_000, captureStdout: true })).stdout,
        );
        const got = r.packets;
        for (const k of ['pts', 'dts', 'duration', 'keyframes', 'discard'] as const)
          assert.deepEqual(got[k], want[k], `${k} equal to the packet probe's`);
        assert.equal(got.offset.length, got.pts.length);
        assert.ok(
          got.offset.every((o, i) => o >= 0 && o + got.size[i] <= size),
          'every packet lies inside the file',
        );
        const tb = info.video.timeBase;
        for (const opts of [{ segmentSeconds: 1 }, { segmentSeconds: 2, clip: { start: 0.45, end: 2.9 } }]) {
          if (want.pts.length < 2 && opts.clip) continue;
          assert.deepEqual(
            planSegments(got, tb, opts),
            planSegments(want, tb, opts),
            `the plan (${JSON.stringify(opts)})`,
          );
        }
        // About the moov: its bytes plus at most the 32 KiB blocks read around the box headers.
        assert.ok(
          src.bytesRead <= r.moov.size + 2 * 32 * 1024,
          `${src.bytesRead} bytes read for a moov of ${r.moov.size}`,
        );
        const streamBytes = await ffprobeBytes(ffprobe, streamArgs);
        const packetBytes = await ffprobeBytes(ffprobe, packetArgs);
        console.log(
          `      ${fx.name}: ${got.pts.length} packets (${got.discard?.length ?? 0} discarded); file ${size} B, moov ${r.moov.size} B; index read ${src.bytesRead} B in ${src.requests} requests; stream probe ${streamBytes} B; packet probe (today) ${packetBytes} B`,
        );
      });
    }
  });
}
