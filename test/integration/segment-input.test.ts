/**
 * The container a segment worker builds from the index (segmentInput.ts): for every segment of
 * each fixture, ffprobe on the built file shows exactly the source's packets of that range, for
 * the video and for every audio track: pts, dts, duration, flags, size and the md5 of the data.
 */
import { fileSource } from '../helpers/rangeServer.js';
import assert from 'node:assert/strict';
import { mkdtemp, rm, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { resolveBinaries } from '../../src/media/ffmpeg/binaries.js';
import { generateSample, type SampleSpec } from '../../src/media/package/sample.js';
import { runProcess } from '../../src/media/ffmpeg/runner.js';
import { parseStreamProbe } from '../../src/media/probe/probe.js';
import { planSegments } from '../../src/media/plan/plan.js';
import { buildStreamProbeWithHeadArgs, locateMoov, probeIndex } from '../../src/media/probe/indexProbe.js';
import {
  assembleSegmentFile,
  buildSegmentSource,
  coalesce,
  readFtyp,
  samplesForWindow,
  trackPiece,
} from '../../src/media/input/segmentInput.js';

const bins = resolveBinaries(process.env);
const ff = (args: string[]) => runProcess(bins.ffmpeg, ['-v', 'error', '-y', ...args], { timeoutMs: 120_000 });
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

interface Pkt {
  stream: number;
  pts: string;
  dts: string;
  duration: string;
  flags: string;
  size: string;
  hash: string;
}

/** Every packet of a file, per stream, as ffprobe's demuxer gives it. */
async function packets(file: string): Promise<Map<number, Pkt[]>> {
  const r = await runProcess(
    bins.ffprobe,
    [
      '-v',
      'error',
      '-show_data_hash',
      'md5',
      '-show_entries',
      'packet=stream_index,pts,dts,duration,flags,size,data_hash',
      '-of',
      'json',
      file,
    ],
    { timeoutMs: 60_000, captureStdout: true },
  );
  const j = JSON.parse(r.stdout) as { packets: Record<string, string | number>[] };
  const out = new Map<number, Pkt[]>();
  for (const p of j.packets) {
    const s = Number(p.stream_index);
    const list = out.get(s) ?? [];
    list.push({
      stream: s,
      pts: String(p.pts),
      dts: String(p.dts),
      duration: String(p.duration),
      flags: String(p.flags),
      size: String(p.size),
      hash: String(p.data_hash),
    });
    out.set(s, list);
  }
  return out;
}

async function streamFacts(file: string): Promise<unknown> {
  const entries =
    'stream=index,codec_name,codec_tag_string,profile,width,height,sample_aspect_ratio,display_aspect_ratio,pix_fmt,color_range,color_space,color_transfer,color_primaries,time_base,sample_rate,channels,channel_layout,has_b_frames:stream_tags=language,handler_name:stream_side_data=rotation';
  const r = await runProcess(bins.ffprobe, ['-v', 'error', '-show_entries', entries, '-of', 'json', file], {
    timeoutMs: 60_000,
    captureStdout: true,
  });
  return JSON.parse(r.stdout);
}

const fixtures: { name: string; make: (f: string, dir: string) => Promise<unknown> }[] = [
  { name: 'vfr-bframes.mp4', make: (f) => generateSample({ ...vfr, output: f }) },
  { name: 'offgrid.mp4', make: (f) => generateSample({ ...vfr, offGrid: true, output: f }) },
  { name: 'no-bframes.mp4', make: (f) => generateSample({ ...vfr, bFrames: 0, output: f }) },
  {
    name: 'editlist-cut.mp4',
    make: async (f, dir) => {
      const src = path.join(dir, 'src-cut.mp4');
      await generateSample({ ...vfr, output: src });
      await ff(['-ss', '1.5', '-i', src, '-c', 'copy', f]);
    },
  },
  {
    name: 'late-start.mp4',
    make: async (f, dir) => {
      const src = path.join(dir, 'src-late.mp4');
      await generateSample({ ...vfr, output: src });
      await ff(['-itsoffset', '0.5', '-i', src, '-map', '0:v', '-map', '0:a', '-c', 'copy', '-t', '4', f]);
    },
  },
  {
    name: 'faststart-mono.mp4',
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
  // Rotation matrix, sample aspect ratio, colour atoms, two audio tracks (one 44.1 kHz).
  {
    name: 'rotated-sar-colour-2audio.mov',
    make: async (f, dir) => {
      const src = path.join(dir, 'src-rot.mp4');
      await generateSample({ ...vfr, output: src });
      await ff([
        '-i',
        src,
        '-f',
        'lavfi',
        '-i',
        'sine=frequency=330:sample_rate=44100',
        '-map',
        '0:v',
        '-map',
        '0:a',
        '-map',
        '1:a',
        '-shortest',
        '-c:v',
        'libx264',
        '-bf',
        '2',
        '-g',
        '30',
        '-vf',
        'setsar=4/3',
        '-color_primaries',
        'bt709',
        '-color_trc',
        'bt709',
        '-colorspace',
        'bt709',
        '-c:a',
        'aac',
        '-metadata:s:v',
        'rotate=90',
        f,
      ]);
    },
  },
];

describe('segment input: a container built from the index holds exactly the source packets', function () {
  this.timeout(300_000);
  let dir: string;
  before(async () => (dir = await mkdtemp(path.join(os.tmpdir(), 'mt-segin-'))));
  after(async () => {
    if (!process.env.KEEP_TEST_FILES) await rm(dir, { recursive: true, force: true });
  });

  it('what the records cannot describe is refused with the reason (the worker then reads the URL)', async () => {
    const file = path.join(dir, 'refuse.mp4');
    await generateSample({ ...vfr, durationSec: 2, output: file });
    const bytes = new Uint8Array(await readFile(file));
    const src = fileSource(bytes);
    const streams = await runProcess(bins.ffprobe, buildStreamProbeWithHeadArgs({ url: file }), {
      timeoutMs: 60_000,
      captureStdout: true,
    });
    const info = parseStreamProbe(streams.stdout);
    const r = await probeIndex(src, { formatName: info.formatName, streamIndex: 0, streamJson: streams.stdout });
    const moov = await locateMoov(src);
    assert.ok(r.ok && moov.ok);
    const notAudio = buildSegmentSource({ moov: moov.bytes, videoStream: 0, packets: r.packets, audioStreams: [0] });
    assert.deepEqual(notAudio, { ok: false, reason: 'stream 0 is not an audio track of the moov' });
    const broken = buildSegmentSource({
      moov: moov.bytes.subarray(0, 100),
      videoStream: 0,
      packets: r.packets,
      audioStreams: [],
    });
    assert.equal(broken.ok, false);
    assert.match((broken as { reason: string }).reason, /could not be rewritten/);
  });

  for (const fx of fixtures) {
    it(`${fx.name}: every segment's video and audio packets equal the source's`, async () => {
      const file = path.join(dir, fx.name);
      await fx.make(file, dir);
      const bytes = new Uint8Array(await readFile(file));
      const streams = await runProcess(bins.ffprobe, buildStreamProbeWithHeadArgs({ url: file }), {
        timeoutMs: 60_000,
        captureStdout: true,
      });
      const info = parseStreamProbe(streams.stdout);
      const src = fileSource(bytes);
      const r = await probeIndex(src, {
        formatName: info.formatName,
        streamIndex: info.video.index,
        streamJson: streams.stdout,
      });
      assert.ok(r.ok, (r as { reason: string }).reason);
      const moov = await locateMoov(src);
      assert.ok(moov.ok);
      const audioStreams = (info.tracks?.audio ?? []).map((a) => a.index);
      const ss = buildSegmentSource({
        moov: moov.bytes,
        ftyp: await readFtyp(src),
        videoStream: info.video.index,
        packets: r.packets,
        audioStreams,
      });
      assert.ok(ss.ok, (ss as { reason: string }).reason);
      const want = await packets(file);
      const plan = planSegments(r.packets, info.video.timeBase, { segmentSeconds: 1 });
      assert.ok(plan.segments.length >= 2, 'several segments');
      for (const seg of plan.segments) {
        const v = ss.tracks[0];
        const pieces = [trackPiece(v, seg.startPacket, seg.endPacket, 1)];
        const tb = info.video.timeBase.num / info.video.timeBase.den;
        const ranges: [number, number][] = [[seg.startPacket, seg.endPacket]];
        for (const a of ss.tracks.slice(1)) {
          const [x, y] = samplesForWindow(a, seg.startPts * tb, seg.endPts * tb, 1, 0.5);
          assert.ok(y > x, 'audio samples in the window');
          pieces.push(trackPiece(a, x, y, pieces.length + 1));
          ranges.push([x, y]);
        }
        const fetched = await Promise.all(
          coalesce(
            pieces.flatMap((p) => p.runs),
            64 * 1024,
            8 << 20,
          ).map(async (f) => ({ start: f.start, data: await src.read(f.start, f.end) })),
        );
        const out = path.join(dir, `${fx.name}-seg${seg.index}.mp4`);
        await writeFile(out, assembleSegmentFile(ss.init, pieces, fetched));
        const got = await packets(out);
        // Every stream is described as the source's: codec, size, sample aspect ratio, colour
        // (stsd copied), rotation (tkhd's matrix), time bases, audio layout.
        if (seg.index === 0)
          assert.deepEqual(await streamFacts(out), await streamFacts(file), `${fx.name}: stream facts`);
        ss.tracks.forEach((t, k) => {
          const [x, y] = ranges[k];
          // Durations: FFmpeg 5.1's reader of fragments does not pass trun durations on as packet
          // durations (its parser fills in one frame; the first packet of a fragment has none),
          // so they are compared through the decode times, which are the durations summed; the
          // outputs never take a duration from the input (videoPiece sets the last one).
          const strip = (p: Pkt, _other: Pkt) => ({ ...p, duration: '-' });
          const g = got.get(t.stream) ?? [];
          const w = want.get(t.stream)!.slice(x, y);
          assert.equal(g.length, w.length, `${fx.name} segment ${seg.index} stream ${t.stream}: packet count`);
          // Flags: the source's D (discard, outside the edit) is not carried; K is.
          const norm = (p: Pkt) => ({ ...p, flags: p.flags.replace(/D/g, '_') });
          const gs = g.map((p, i) => JSON.stringify(norm(strip(p, w[i]))));
          const ws = w.map((p) => JSON.stringify(norm(strip(p, p))));
          const bad = gs.findIndex((x, i) => x !== ws[i]);
          assert.equal(
            bad,
            -1,
            `${fx.name} segment ${seg.index} stream ${t.stream} packet ${bad} of ${gs.length}: built ${gs[bad]}, source ${ws[bad]}`,
          );
        });
      }
    });
  }
});
