/**
 * A segment worker reads only its own bytes: for every segment of each fixture, the worker's
 * GETs (counted by a local HTTP server standing in for the presigned S3 URL) are its own
 * samples' bytes plus at most the small gaps coalescing bridges, none touches the moov; and
 * what ffmpeg makes from the built container equals what it made reading the URL: the same
 * video frames at the same source timestamps (framemd5) and the same encoded audio chunks
 * (md5 of every AAC packet), for every audio track. Today's URL read of the same segment is
 * counted too (the figure the report quotes).
 */
import { fileSource } from '../helpers/rangeServer.js';
import assert from 'node:assert/strict';
import { readFile, stat, writeFile } from 'node:fs/promises';
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
  decodeRecord,
  planSegmentInputs,
  readFtyp,
} from '../../src/media/input/segmentInput.js';
import { fetchRanges } from '../../src/media/input/segmentFetch.js';
import { buildRangeInputArgs, hasVideoDelay, planRangeReads } from '../../src/media/input/rangeInput.js';
import { audioChunkSpanSec, audioChunkCommand, planAudioChunks } from '../../src/media/encode/cmaf.js';
import { getPreset } from '../../src/media/plan/presets.js';
import { COALESCE_GAP_BYTES, MAX_GET_BYTES } from '../../src/pipeline/steps/segmentInputPlan.js';
import { rangeServerHooks } from '../helpers/rangeServer.js';

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
const preset = getPreset('h264-ladder');

/**
 * `exactAudio`: the source's AAC has no noise substitution (PNS). FFmpeg's AAC decoder fills
 * PNS bands from a random generator that runs on from the first packet decoded, so a decode
 * that starts elsewhere (today's seek lands on the video keyframe before start - 1 s; the own
 * container starts at start - 1 s) gives other noise in those bands: equal samples, hence equal
 * encoded chunks, only without PNS; with it, the chunks agree to within the noise (SNR checked).
 * The same for a track resampled to 48 kHz (44.1 kHz): the resampler's phase follows the first
 * sample decoded.
 */
const fixtures: {
  name: string;
  make: (f: string, dir: string) => Promise<unknown>;
  segmentSeconds: number;
  exactAudio: boolean;
}[] = [
  // Big enough per second that a segment's share is clearly less than the file.
  {
    name: 'bytes.mp4',
    make: (f) =>
      generateSample({
        durationSec: 8,
        width: 640,
        height: 360,
        fps: 30,
        audio: true,
        extraArgs: ['-crf', '12', '-aac_pns', '0'],
        output: f,
      }),
    segmentSeconds: 2,
    exactAudio: true,
  },
  {
    name: 'editlist.mp4',
    make: async (f, dir) => {
      const src = path.join(dir, 'src-cut.mp4');
      await generateSample({ ...vfr, output: src });
      await ff(['-ss', '1.5', '-i', src, '-c', 'copy', f]);
    },
    segmentSeconds: 1,
    exactAudio: false,
  },
  {
    name: 'two-audio.mov',
    make: async (f, dir) => {
      const src = path.join(dir, 'src-2a.mp4');
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
        'copy',
        '-c:a',
        'aac',
        '-aac_pns',
        '0',
        f,
      ]);
    },
    segmentSeconds: 1,
    exactAudio: true,
  },
];

/** Video frames as framemd5 lines (pts and pixels hash), after the segment's frame selection. */
async function frameLines(input: string[], stream: string, select: string): Promise<string[]> {
  const r = await runProcess(
    bins.ffmpeg,
    [
      '-hide_banner',
      '-nostdin',
      '-loglevel',
      'error',
      ...input,
      '-map',
      stream,
      '-vf',
      select,
      '-vsync',
      'passthrough',
      '-enc_time_base',
      '-1',
      '-f',
      'framemd5',
      '-',
    ],
    { timeoutMs: 120_000, captureStdout: true },
  );
  return r.stdout.split('\n').filter((l) => l && !l.startsWith('#'));
}

/** Every packet of an encoded chunk: timestamps and data hash. */
async function packetHashes(file: string): Promise<string> {
  const r = await runProcess(
    bins.ffprobe,
    [
      '-v',
      'error',
      '-show_data_hash',
      'md5',
      '-show_entries',
      'packet=pts,dts,duration,size,data_hash',
      '-of',
      'csv',
      file,
    ],
    { timeoutMs: 60_000, captureStdout: true },
  );
  return r.stdout;
}

async function pcm(file: string): Promise<Float32Array> {
  const out = `${file}.f32`;
  await runProcess(bins.ffmpeg, ['-v', 'error', '-y', '-i', file, '-f', 'f32le', out], { timeoutMs: 60_000 });
  const b = await readFile(out);
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.length));
}

/** Signal-to-difference ratio in dB over the common length. */
function snr(a: Float32Array, b: Float32Array): number {
  let sig = 0;
  let err = 0;
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    sig += a[i] * a[i];
    err += (a[i] - b[i]) ** 2;
  }
  return err === 0 ? Infinity : 10 * Math.log10(sig / err);
}

describe('a segment worker reads only its own bytes', function () {
  this.timeout(600_000);
  const served = rangeServerHooks('mt-own-');

  for (const fx of fixtures) {
    it(`${fx.name}: its samples' bytes, no moov, the same frames and audio as the URL read`, async () => {
      const file = path.join(served.dir, fx.name);
      await fx.make(file, served.dir);
      const size = (await stat(file)).size;
      const bytes = new Uint8Array(await readFile(file));
      const url = served.server.url(fx.name);
      const streams = await runProcess(bins.ffprobe, buildStreamProbeWithHeadArgs({ url: file }), {
        timeoutMs: 60_000,
        captureStdout: true,
      });
      const info = parseStreamProbe(streams.stdout);
      const src = fileSource(bytes);
      const idx = await probeIndex(src, {
        formatName: info.formatName,
        streamIndex: info.video.index,
        streamJson: streams.stdout,
      });
      assert.ok(idx.ok, (idx as { reason: string }).reason);
      const moov = await locateMoov(src);
      assert.ok(moov.ok);
      const tb = info.video.timeBase;
      const plan = planSegments(idx.packets, tb, { segmentSeconds: fx.segmentSeconds });
      assert.ok(plan.segments.length >= 3, 'several segments');
      const tick = tb.num / tb.den;
      const planStartSec = plan.startPts * tick;
      const starts = plan.segments.map((s) => (s.startPts - plan.startPts) * tick);
      // Each chunk to the segment that starts nearest it (the Plan step's rule).
      const chunks = planAudioChunks(starts, plan.durationSec, preset.audio.sampleRate).map((c) => {
        let segment = 0;
        for (let i = 0; i < starts.length; i++)
          if (
            Math.abs(starts[i] - c.from / preset.audio.sampleRate) <
            Math.abs(starts[segment] - c.from / preset.audio.sampleRate)
          )
            segment = i;
        return { ...c, segment };
      });
      const audio = (info.tracks?.audio ?? []).map((a) => a.index);
      const ss = buildSegmentSource({
        moov: moov.bytes,
        ftyp: await readFtyp(src),
        videoStream: info.video.index,
        packets: idx.packets,
        audioStreams: audio,
      });
      assert.ok(ss.ok, (ss as { reason: string }).reason);
      const windows = plan.segments.map((s) => {
        const mine = chunks
          .filter((c) => c.segment === s.index)
          .map((c) => audioChunkSpanSec(planStartSec, c, preset.audio.sampleRate));
        return mine.length
          ? ([Math.min(...mine.map((x) => x.start)), Math.max(...mine.map((x) => x.start + x.dur))] as [number, number])
          : undefined;
      });
      const { records, refs } = planSegmentInputs(ss.tracks, plan.segments, windows);
      const reads = planRangeReads(idx.packets, plan.segments, tb, hasVideoDelay(streams.stdout));
      const before: number[] = [];
      const after: number[] = [];
      for (const seg of plan.segments) {
        const what = `${fx.name} segment ${seg.index}`;
        // Today: the video read through the URL (seek), each audio chunk another URL read.
        served.server.take(fx.name);
        const want = await frameLines(
          buildRangeInputArgs({ url, seek: reads[seg.index].seek }),
          `0:${info.video.index}`,
          reads[seg.index].select,
        );
        const myChunks = chunks.filter((c) => c.segment === seg.index);
        const tracks = (tag: string, c: { index: number }) =>
          audio.map((index) => ({
            index,
            channels: 2,
            bitrateKbps: 128,
            output: path.join(served.dir, `${fx.name}-${tag}-${c.index}-${index}.mp4`),
          }));
        for (const c of myChunks)
          await runProcess(
            bins.ffmpeg,
            audioChunkCommand({ input: url, planStartSec, chunk: c, preset, tracks: tracks('url', c) }),
            { timeoutMs: 120_000 },
          );
        before.push(served.server.take(fx.name).bytes);

        // Now: the record's runs, fetched coalesced, into one container.
        const ref = refs[seg.index];
        const pieces = decodeRecord(records.subarray(ref.at, ref.at + ref.length));
        const ranges = coalesce(
          pieces.flatMap((p) => p.runs),
          COALESCE_GAP_BYTES,
          MAX_GET_BYTES,
        );
        const asked: [number, number][] = [];
        const counting: typeof fetch = (u, init) => {
          const m = /bytes=(\d+)-(\d+)/.exec(String((init?.headers as Record<string, string> | undefined)?.range));
          asked.push([Number(m![1]), Number(m![2]) + 1]);
          return fetch(u, init);
        };
        const fetched = await fetchRanges(url, ranges, { fetchImpl: counting });
        const own = path.join(served.dir, `${fx.name}-own-${seg.index}.mp4`);
        await writeFile(own, assembleSegmentFile(ss.init, pieces, fetched));
        const got = served.server.take(fx.name).bytes;
        after.push(got);
        const sampleBytes = pieces.reduce((s, p) => s + p.runs.reduce((a, r) => a + r[1], 0), 0);
        assert.ok(got >= sampleBytes, `${what}: every sample fetched`);
        // Exactly the coalesced ranges; each gap coalescing bridged is under COALESCE_GAP_BYTES.
        const runs = pieces.flatMap((p) => p.runs).sort((a, b) => a[0] - b[0]);
        assert.equal(
          got,
          ranges.reduce((s, r) => s + r.end - r.start, 0),
          `${what}: the server sent the ranges asked for`,
        );
        let bridged = 0;
        for (let i = 1; i < runs.length; i++) bridged += Math.max(0, runs[i][0] - (runs[i - 1][0] + runs[i - 1][1]));
        assert.ok(
          got <= sampleBytes + bridged && bridged <= (runs.length - ranges.length) * COALESCE_GAP_BYTES,
          `${what}: ${got} bytes for ${sampleBytes} of samples`,
        );
        assert.ok(ranges.length <= 1 + pieces.length * 2, `${what}: ${ranges.length} GETs`);
        const m0 = moov.offset;
        const m1 = moov.offset + moov.bytes.length;
        for (const [a, b] of asked)
          assert.ok(b <= m0 || a >= m1, `${what}: GET ${a}-${b} reads the moov (${m0}-${m1})`);

        // Same frames, same timestamps; same audio chunk bytes.
        const frames = await frameLines(
          ['-protocol_whitelist', 'file', '-copyts', '-i', own],
          `0:${info.video.index}`,
          reads[seg.index].select,
        );
        assert.equal(frames.length, seg.count, `${what}: the planned frames`);
        assert.deepEqual(frames, want, `${what}: frames (pts, pixels) equal the URL read's`);
        for (const c of myChunks) {
          await runProcess(
            bins.ffmpeg,
            audioChunkCommand({ input: own, planStartSec, chunk: c, preset, tracks: tracks('own', c), ownBytes: true }),
            { timeoutMs: 120_000 },
          );
          for (const [k, t] of tracks('own', c).entries()) {
            const url = tracks('url', c)[k].output;
            const label = `${what} audio chunk ${c.index} stream ${t.index}`;
            // A track resampled to 48 kHz: the resampler's phase follows the first sample it is
            // fed, which is not the same packet in the two reads (see `exactAudio`).
            const resampled =
              info.tracks?.audio.find((a) => a.index === t.index)?.sampleRate !== preset.audio.sampleRate;
            if (fx.exactAudio && !resampled)
              assert.equal(await packetHashes(t.output), await packetHashes(url), `${label}: the same AAC packets`);
            else {
              const times = async (f: string) =>
                (await packetHashes(f)).split('\n').map((l) => l.split(',').slice(1, 4).join());
              assert.deepEqual(await times(t.output), await times(url), `${label}: the same packet times`);
              const s = snr(await pcm(url), await pcm(t.output));
              assert.ok(s >= 25, `${label}: SNR ${s.toFixed(1)} dB against the URL read`);
            }
          }
        }
      }
      // Over the job, about the file once: each segment's video, its audio chunks' windows
      // (pre-roll and look-ahead overlap the neighbours'), small bridged gaps. Today's URL reads
      // sent several times the file.
      const total = after.reduce((a, b) => a + b, 0);
      assert.ok(total <= size * 1.35, `${total} bytes read over all segments of a ${size}-byte file`);
      console.log(
        `      ${fx.name}: file ${size} B, moov ${moov.bytes.length} B, ${plan.segments.length} segments; source bytes per segment, URL read (today): ${before.join(', ')}; own bytes: ${after.join(', ')}; records ${records.length} B`,
      );
    });
  }
});
