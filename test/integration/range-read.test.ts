/**
 * Range reads against the split: for every segment of every fixture, the frames a segment
 * worker decodes reading the source by range over HTTP (buildRangeInputArgs, rangeSkip) are
 * the frames the split path feeds the encoder (same timestamps, same pixels: framemd5), with
 * Debian's ffmpeg and the npm-shipped 2018 build; and a segment reads a part of the file, not
 * all of it (bytes counted by a local HTTP server).
 */
import assert from 'node:assert/strict';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { resolveBinaries, npmBinaries, type Binaries } from '../../src/media/ffmpeg/binaries.js';
import { generateSample, type SampleSpec } from '../../src/media/package/sample.js';
import { runProcess } from '../../src/media/ffmpeg/runner.js';
import { buildPacketProbeArgs, parsePacketCsv, type PacketIndex } from '../../src/media/probe/probe.js';
import { planSegments, type Plan, type ClipRange } from '../../src/media/plan/plan.js';
import { buildSplitArgs } from '../../src/media/encode/args.js';
import { buildRangeInputArgs, planRangeReads, rangeFrameSelect } from '../../src/media/input/rangeInput.js';
import { rangeServerHooks } from '../helpers/rangeServer.js';

const system = resolveBinaries(process.env);
const toolchains: { label: string; bins: Binaries }[] = [{ label: `${system.source.ffmpeg} ffmpeg`, bins: system }];
const shipped = npmBinaries();
if (shipped && shipped.ffmpeg !== system.ffmpeg) toolchains.push({ label: 'npm-shipped 2018 ffmpeg', bins: shipped });

interface Fixture {
  name: string;
  make: (file: string) => Promise<void>;
  segmentSeconds: number;
  clip?: ClipRange;
}

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
const ff = (args: string[]) => runProcess(system.ffmpeg, ['-v', 'error', '-y', ...args], { timeoutMs: 120_000 });

const fixtures: Fixture[] = [
  { name: 'vfr.mp4', make: (f) => generateSample({ ...vfr, output: f }), segmentSeconds: 1 },
  {
    name: 'vfr-clip.mp4',
    make: (f) => generateSample({ ...vfr, output: f }),
    segmentSeconds: 1,
    clip: { start: 1.55, end: 4.5 },
  },
  { name: 'offgrid.mp4', make: (f) => generateSample({ ...vfr, offGrid: true, output: f }), segmentSeconds: 1 },
  {
    // An edit list that starts between keyframes: the frames before its start are flagged D.
    name: 'editlist.mp4',
    make: async (f) => {
      const src = f.replace(/\.mp4$/, '-src.mp4');
      await generateSample({ ...vfr, output: src });
      await ff(['-ss', '1.5', '-i', src, '-c', 'copy', f]);
    },
    segmentSeconds: 1,
  },
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
    segmentSeconds: 2,
  },
  {
    name: 'noaudio.mov',
    make: (f) => generateSample({ durationSec: 4, width: 320, height: 180, fps: 24, audio: false, output: f }),
    segmentSeconds: 2,
  },
  // Big enough per second that reading a segment is measurably less than reading the file.
  {
    name: 'bytes.mp4',
    make: (f) =>
      generateSample({
        durationSec: 8,
        width: 640,
        height: 360,
        fps: 30,
        audio: true,
        extraArgs: ['-crf', '12'],
        output: f,
      }),
    segmentSeconds: 2,
  },
];

async function packetIndex(file: string): Promise<PacketIndex> {
  const r = await runProcess(system.ffprobe, buildPacketProbeArgs({ url: file }, 0), {
    timeoutMs: 60_000,
    captureStdout: true,
  });
  return parsePacketCsv(r.stdout);
}

/** One decoded frame: its timestamp in the source's ticks and a hash of its pixels. */
interface Frame {
  pts: number;
  md5: string;
}

/** The frames an input yields (framemd5), source timing kept, pts converted to source ticks. */
async function frames(
  bin: string,
  input: string[],
  stream: string,
  vf: string,
  count: number,
  limit: boolean,
  tb: { num: number; den: number },
  read?: { bytes: number },
): Promise<Frame[]> {
  // At verbose level ffmpeg reports what its input consumed ("Statistics: N bytes read").
  const r = await runProcess(
    bin,
    [
      '-hide_banner',
      '-nostdin',
      '-loglevel',
      read ? 'verbose' : 'error',
      ...input,
      '-map',
      stream,
      '-vf',
      vf,
      '-vsync',
      'passthrough',
      '-enc_time_base',
      '-1',
      ...(limit ? ['-frames:v', String(count)] : []),
      '-f',
      'framemd5',
      '-',
    ],
    { timeoutMs: 120_000, captureStdout: true },
  );
  if (read) {
    const st = /Statistics: (\d+) bytes read/.exec(r.stderrTail);
    assert.ok(st, 'ffmpeg reports the bytes its input read');
    read.bytes = Number(st[1]);
  }
  const m = /^#tb 0: (\d+)\/(\d+)$/m.exec(r.stdout);
  assert.ok(m, 'framemd5 states its time base');
  const [num, den] = [Number(m[1]), Number(m[2])];
  return r.stdout
    .split('\n')
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => {
      const f = l.split(',').map((x) => x.trim());
      // pts * num/den seconds, in source ticks tb.den/tb.num; exact when the time bases nest.
      const ticks = (Number(f[2]) * num * tb.den) / (den * tb.num);
      return { pts: Math.round(ticks * 1e6) / 1e6, md5: f[5] };
    });
}

for (const tc of toolchains) {
  describe(`range reads give the split's frames (${tc.label})`, function () {
    this.timeout(300_000);
    const served = rangeServerHooks('mt-range-');

    for (const fx of fixtures) {
      it(`${fx.name}: every segment, frames and timestamps equal`, async () => {
        const file = path.join(served.dir, fx.name);
        await fx.make(file);
        const size = (await stat(file)).size;
        const idx = await packetIndex(file);
        const facts = await streamFacts(file);
        const delay = facts.has_b_frames > 0;
        const tbs = facts.time_base;
        const plan: Plan = planSegments(idx, tbOf(tbs), { segmentSeconds: fx.segmentSeconds, clip: fx.clip });
        assert.ok(plan.segments.length >= 2, 'the fixture has several segments');
        const pieces = path.join(served.dir, `${fx.name}-pieces`);
        await runProcess('mkdir', ['-p', pieces], { timeoutMs: 5000 });
        await runProcess(
          tc.bins.ffmpeg,
          buildSplitArgs({
            input: file,
            videoStream: 0,
            splitFrames: plan.splitFrames,
            pattern: path.join(pieces, 'split_%05d.nut'),
          }),
          { timeoutMs: 120_000 },
        );
        const files = (await readdir(pieces)).sort();
        const rangeReads = planRangeReads(idx, plan.segments, plan.timeBase, delay);
        const reads: number[] = [];
        const sent: number[] = [];
        for (const seg of plan.segments) {
          const piece = ['-copyts', '-i', path.join(pieces, files[seg.splitFile])];
          const want = await frames(
            tc.bins.ffmpeg,
            piece,
            '0:v:0',
            `select=between(n\\,${seg.skip}\\,${seg.skip + seg.count - 1})`,
            seg.count,
            false,
            plan.timeBase,
          );
          assert.equal(want.length, seg.count, `segment ${seg.index}: the split piece has the planned frames`);
          const name = fx.name;
          served.server.take(name);
          const input = buildRangeInputArgs({ url: served.server.url(name), seek: rangeReads[seg.index].seek });
          const read = { bytes: 0 };
          const got = await frames(
            tc.bins.ffmpeg,
            input,
            '0:0',
            rangeReads[seg.index].select,
            seg.count,
            true,
            plan.timeBase,
            read,
          );
          reads.push(read.bytes);
          sent.push(served.server.take(name).bytes);
          const what = `segment ${seg.index} (packets ${seg.startPacket}-${seg.endPacket}, skip ${seg.skip}, count ${seg.count})`;
          // Same pictures, in the same order.
          assert.deepEqual(
            got.map((f) => f.md5),
            want.map((f) => f.md5),
            `${what}: pixels`,
          );
          // The range read keeps the source's own timestamps: the planned frames' pts.
          const sel = rangeFrameSelect(idx, seg);
          assert.equal(got[0].pts, seg.startPts, `${what}: first frame at the planned source pts`);
          assert.equal(got[got.length - 1].pts, sel.lastPts, `${what}: last frame at the planned source pts`);
          // The split piece may sit at a constant offset (its muxer shifts negative dts); the
          // spacing, which is what the encoder keeps, is the same.
          assert.deepEqual(
            got.map((f) => f.pts - got[0].pts),
            want.map((f) => f.pts - want[0].pts),
            `${what}: frame spacing`,
          );
        }
        console.log(
          `      ${fx.name}: ${plan.segments.length} segments, file ${size} B, bytes ffmpeg read per segment ${reads.join(', ')}; sent by the server (loopback socket buffers included) ${sent.join(', ')}`,
        );
        if (fx.name === 'bytes.mp4') {
          // 4 segments of 2 s: a middle segment reads the moov, the first frames (ffmpeg's stream
          // analysis), its own quarter and some read-ahead: clearly less than the file.
          const mid = reads.slice(1, -1);
          for (const b of mid) assert.ok(b < size * 0.6, `a middle segment read ${b} of ${size} bytes`);
        }
      });
    }
  });
}

/** Time base and B-frame delay of the video stream. */
async function streamFacts(file: string): Promise<{ time_base: string; has_b_frames: number }> {
  const r = await runProcess(
    system.ffprobe,
    ['-v', 'error', '-select_streams', '0', '-show_entries', 'stream=time_base,has_b_frames', '-of', 'json', file],
    { timeoutMs: 30_000, captureStdout: true },
  );
  return (JSON.parse(r.stdout) as { streams: { time_base: string; has_b_frames: number }[] }).streams[0];
}
function tbOf(s: string) {
  const [num, den] = s.split('/').map(Number);
  return { num, den };
}
