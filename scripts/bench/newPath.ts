/**
 * Measures on this machine the probe, moov and plan figures the cloud model needs (cloudModel.ts,
 * through modelRun.ts); its plain and segment figures on generated sources are kept as notes.
 *
 * Measured: plain ffmpeg's wall time per frame (the full ladder, one process, this machine's
 * cores) on a generated 12 s 1080p source; the stream probe and the index probe of that source
 * over a local HTTP server (bytes counted); the moov of a 60-minute file (a real one: a 10-minute
 * tiny-picture encode stream-copied six times, since the sample tables depend on the sample
 * count, not the picture) and the time to parse it and plan from it; the middle 4 s segment of
 * the 1080p source encoded into every rendition reading the source by range, pinned to one core,
 * with the bytes its ffmpeg read; the encoded bytes per second.
 *
 * Times are CPU seconds, not wall: this machine is shared, and under load a pinned process's
 * wall time says how busy the machine was, not what a dedicated core (a Lambda vCPU) takes.
 * CPU seconds of one single-threaded process are its wall time on an idle core. Plain ffmpeg's
 * wall time on idle cores is estimated as its CPU seconds over the cores (perfect scaling,
 * which favours plain ffmpeg); its measured wall time is reported beside.
 */
import path from 'node:path';
import os from 'node:os';
import { existsSync, statSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { generateSample } from '../../src/media/package/sample.js';
import { resolveBinaries } from '../../src/media/ffmpeg/binaries.js';
import { runProcess } from '../../src/media/ffmpeg/runner.js';
import { parseStreamProbe } from '../../src/media/probe/probe.js';
import { planSegments } from '../../src/media/plan/plan.js';
import type { Preset } from '../../src/media/plan/presets.js';
import {
  buildStreamProbeWithHeadArgs,
  httpRangeSource,
  locateMoov,
  parseHeadPackets,
  probeIndex,
  type RangeSource,
} from '../../src/media/probe/indexProbe.js';
import { indexFromMoov } from '../../src/media/probe/mp4index.js';
import { rangeFrameSelect, rangeSeekSeconds } from '../../src/media/input/rangeInput.js';
import { segmentEncodeCommand } from '../../src/media/encode/args.js';
import { ffArgs } from '../../src/media/ffmpeg/command.js';
import { finalStatsCollector, withFinalStats } from '../../src/media/encode/encoderStats.js';
import { RangeServer } from '../../test/helpers/rangeServer.js';
import { describeSource, runPlain } from './plain.js';
import { childrenCpu, selfCpu, cpuDelta } from './proc.js';

const say = (s: string) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${s}\n`);

/** SEGMENT_SECONDS default: the plan's segment length. */
const SEGMENT_SECONDS = 4;

/** What newPath.ts measured on this machine. */
export interface NewPathInputs {
  /** Frame rate of the 1080p source and the source's video+audio bytes per second. */
  fps: number;
  sourceBytesPerSec: number;
  /** Plain ffmpeg, one process, every rendition, on this machine's cores: wall seconds per frame. */
  plainSecPerFrame: number;
  /** The stream probe (ffprobe over HTTP, with the first packets): wall s and bytes read. */
  streamProbeSec: number;
  streamProbeBytes: number;
  /** moov bytes per second of source (measured on a 60-minute file) and parse time per second. */
  moovBytesPerSec: number;
  moovParseSecPerSourceSec: number;
  /** planSegments on a 60-minute packet index, per second of source. */
  planSecPerSourceSec: number;
  /** The probe document (packet index with byte ranges, JSON) per second of source. */
  probeDocBytesPerSec: number;
  /** One segment of `segmentFrames` frames, every rendition, read by range, one core: wall s. */
  segmentFrames: number;
  segmentOneCoreSec: number;
  /** Bytes that segment's ffmpeg read besides the moov (stream analysis + its range + read-ahead). */
  segmentReadBytesBesidesMoov: number;
  /** Encoded video bytes per second of source, all renditions, and of the largest rendition. */
  outputBytesPerSec: number;
  largestRenditionBytesPerSec: number;
  renditions: number;
  /** ffmpeg start-up on this machine (s). */
  ffmpegStartSec: number;
}

async function cached(file: string, make: (tmp: string) => Promise<unknown>): Promise<string> {
  if (!existsSync(file)) {
    say(`generating ${path.basename(file)} ...`);
    await mkdir(path.dirname(file), { recursive: true });
    const tmp = `${file}.part${path.extname(file)}`;
    await make(tmp);
    await rename(tmp, file);
  }
  return file;
}

/** CPU seconds (user + sys) the children started by `fn` used. */
async function childCpuOf(fn: () => Promise<unknown>): Promise<number> {
  const before = childrenCpu();
  await fn();
  return cpuDelta(before, childrenCpu()).total;
}

/** CPU seconds of this process during `fn` (in-process work such as parsing). */
function selfCpuOf(fn: () => void): number {
  const before = selfCpu();
  fn();
  return cpuDelta(before, selfCpu()).total;
}

const fileSource = (buf: Buffer): RangeSource => ({
  size: buf.length,
  read: async (a, b) => new Uint8Array(buf.subarray(a, b)),
});

/** Measures the model's inputs. `samples` holds the generated sources between runs. */
export async function measureNewPath(
  samples: string,
  work: string,
  preset: Preset,
): Promise<{ inputs: NewPathInputs; notes: string[] }> {
  const bins = resolveBinaries(process.env);
  const ffmpeg = (args: string[]) => runProcess(bins.ffmpeg, ['-v', 'error', '-y', ...args], { timeoutMs: 1_800_000 });
  const notes: string[] = [];
  const fps = 30;
  const hd = await cached(path.join(samples, 'sample-12s-1920x1080-30fps.mp4'), (f) =>
    generateSample({ output: f, durationSec: 12, width: 1920, height: 1080, fps, audio: true }),
  );
  const source = await describeSource(hd, '1080p 12 s', preset);
  const hdBytes = statSync(hd).size;

  say('plain ffmpeg on the 12 s 1080p source ...');
  await mkdir(work, { recursive: true });
  const plain = await runPlain(source, preset, work);
  const frames = Math.round(source.info.durationSec * fps);
  const cores = os.cpus().length;
  notes.push(
    `plain ffmpeg: ${plain.cpu.total.toFixed(1)} s CPU for ${frames} frames of 1080p into ${source.renditions.map((r) => r.name).join('/')}: ${(plain.cpu.total / cores).toFixed(2)} s on ${cores} idle cores at best (measured wall under this load: ${plain.wallSec.toFixed(2)} s)`,
  );

  const server = new RangeServer(path.dirname(hd));
  await server.start();
  try {
    say('stream probe and index probe over HTTP ...');
    const url = server.url(path.basename(hd));
    const streamArgs = buildStreamProbeWithHeadArgs({ url }).map((a) => (a === 'error' ? 'verbose' : a));
    let streams!: Awaited<ReturnType<typeof runProcess>>;
    const streamProbeSec = await childCpuOf(
      async () => (streams = await runProcess(bins.ffprobe, streamArgs, { timeoutMs: 120_000, captureStdout: true })),
    );
    const streamProbeBytes = Number(/Statistics: (\d+) bytes read/.exec(streams.stderrTail)?.[1] ?? hdBytes);
    const info = parseStreamProbe(streams.stdout);
    const src = httpRangeSource(url, hdBytes);
    const idx = await probeIndex(src, {
      formatName: info.formatName,
      streamIndex: info.video.index,
      streamJson: streams.stdout,
    });
    if (!idx.ok) throw new Error(`the index probe fell back on the generated sample: ${idx.reason}`);
    notes.push(
      `1080p 12 s source ${(hdBytes / 1e6).toFixed(1)} MB: stream probe ${streamProbeSec.toFixed(2)} s CPU reading ${(streamProbeBytes / 1e6).toFixed(2)} MB; index probe read ${(src.bytesRead / 1e3).toFixed(0)} kB in ${src.requests} requests (moov ${(idx.moov.size / 1e3).toFixed(1)} kB)`,
    );

    say('the moov of a 60-minute file ...');
    const tiny10 = await cached(path.join(samples, 'tables-600s-64x36-30fps.mp4'), (f) =>
      ffmpeg([
        '-f',
        'lavfi',
        '-i',
        `testsrc2=size=64x36:rate=${fps}`,
        '-f',
        'lavfi',
        '-i',
        'sine=sample_rate=48000',
        '-t',
        '600',
        '-c:v',
        'libx264',
        '-preset',
        'ultrafast',
        '-bf',
        String(preset.video.bFrames),
        '-g',
        String(2 * fps),
        '-c:a',
        'aac',
        '-b:a',
        '32k',
        f,
      ]),
    );
    const tiny60 = await cached(path.join(samples, 'tables-3600s-64x36-30fps.mp4'), (f) =>
      ffmpeg(['-stream_loop', '5', '-i', tiny10, '-c', 'copy', f]),
    );
    const buf60 = await readFile(tiny60);
    const moov60 = await locateMoov(fileSource(buf60));
    if (!moov60.ok) throw new Error(moov60.reason);
    const streams60 = await runProcess(bins.ffprobe, buildStreamProbeWithHeadArgs({ url: tiny60 }), {
      timeoutMs: 120_000,
      captureStdout: true,
    });
    const info60 = parseStreamProbe(streams60.stdout);
    let r60!: ReturnType<typeof indexFromMoov>;
    const parseSec = selfCpuOf(
      () =>
        (r60 = indexFromMoov(moov60.bytes, {
          streamIndex: info60.video.index,
          head: parseHeadPackets(streams60.stdout, info60.video.index),
          fileSize: buf60.length,
        })),
    );
    if (!r60.ok) throw new Error(`60-minute index: ${r60.reason}`);
    const packets60 = r60.packets;
    const tb60 = r60.timeBase;
    const planSec = selfCpuOf(() => planSegments(packets60, tb60, { segmentSeconds: SEGMENT_SECONDS }));
    const docBytes = Buffer.byteLength(JSON.stringify({ info: info60, packets: r60.packets }));
    const dur60 = info60.durationSec;
    notes.push(
      `60-minute file (${r60.packets.pts.length} video packets, AAC audio): moov ${(moov60.bytes.length / 1e6).toFixed(2)} MB, parsed into the packet index in ${parseSec.toFixed(2)} s CPU (mp4box, the video track's sample list only), planned in ${planSec.toFixed(2)} s CPU (planSegments); probe document ${(docBytes / 1e6).toFixed(1)} MB of JSON`,
    );

    say('the middle 4 s segment by range, every rendition, one core ...');
    const hdIdx = idx.packets;
    const plan = planSegments(hdIdx, info.video.timeBase, { segmentSeconds: SEGMENT_SECONDS });
    const seg = plan.segments[Math.floor(plan.segments.length / 2)];
    const sel = rangeFrameSelect(hdIdx, seg);
    const hasB =
      (JSON.parse(streams.stdout) as { streams: { index: number; has_b_frames?: number }[] }).streams.find(
        (s) => s.index === info.video.index,
      )?.has_b_frames ?? 0;
    const outputs = source.renditions.map((r) => ({ rendition: r, file: path.join(work, `seg_${r.name}.nut`) }));
    const args = withFinalStats(
      ffArgs(
        segmentEncodeCommand({
          source: {
            kind: 'range',
            url,
            seek: rangeSeekSeconds(hdIdx, seg.startPacket, info.video.timeBase, hasB > 0),
            videoStream: info.video.index,
            select: sel.filter,
          },
          preset,
          outputs,
          count: seg.count,
          rotation: info.video.rotation,
          threads: 1,
          container: { nut: true },
        }),
      ),
    );
    const pinned = existsSync('/usr/bin/taskset');
    const stats = finalStatsCollector();
    let readBytes = 0;
    const t3 = performance.now();
    const segSec = await childCpuOf(() =>
      runProcess(pinned ? '/usr/bin/taskset' : bins.ffmpeg, pinned ? ['-c', '0', bins.ffmpeg, ...args] : args, {
        timeoutMs: 600_000,
        onStderrLine: (l) => {
          stats.onLine(l);
          const m = /Statistics: (\d+) bytes read/.exec(l);
          if (m) readBytes += Number(m[1]);
        },
      }),
    );
    const segWall = (performance.now() - t3) / 1000;
    const outBytes = outputs.map((o) => statSync(o.file).size);
    const counts = stats.streams.filter((s) => s.type === 'video').map((s) => s.packetsMuxed);
    if (counts.length !== outputs.length || counts.some((c) => c !== seg.count))
      throw new Error(`segment encode gave ${counts.join('/')} frames, planned ${seg.count}`);
    const segDur = seg.count / fps;
    notes.push(
      `segment ${seg.index} (${seg.count} frames) by range into ${outputs.length} renditions on ${pinned ? 'one pinned core' : 'unpinned cores (no taskset)'}, threads 1: ${segSec.toFixed(2)} s CPU (${segWall.toFixed(2)} s wall under this load); its ffmpeg read ${(readBytes / 1e6).toFixed(2)} MB of the ${(hdBytes / 1e6).toFixed(1)} MB file (moov ${(idx.moov.size / 1e3).toFixed(0)} kB); wrote ${(outBytes.reduce((a, b) => a + b, 0) / 1e6).toFixed(2)} MB`,
    );

    // No model term takes an audio chunk's time apart (the segment's own ffmpeg encodes its chunks).
    const startSec = await childCpuOf(() => runProcess(bins.ffmpeg, ['-version'], { timeoutMs: 10_000 }));
    notes.push(`ffmpeg start-up (\`ffmpeg -version\`): ${startSec.toFixed(3)} s CPU`);

    const inputs: NewPathInputs = {
      fps,
      sourceBytesPerSec: hdBytes / source.info.durationSec,
      plainSecPerFrame: plain.cpu.total / cores / frames,
      streamProbeSec,
      streamProbeBytes,
      moovBytesPerSec: moov60.bytes.length / dur60,
      moovParseSecPerSourceSec: parseSec / dur60,
      planSecPerSourceSec: planSec / dur60,
      probeDocBytesPerSec: docBytes / dur60,
      segmentFrames: seg.count,
      segmentOneCoreSec: segSec,
      segmentReadBytesBesidesMoov: Math.max(0, readBytes - idx.moov.size),
      outputBytesPerSec: outBytes.reduce((a, b) => a + b, 0) / segDur,
      largestRenditionBytesPerSec: Math.max(...outBytes) / segDur,
      renditions: outputs.length,
      ffmpegStartSec: startSec,
    };
    await rm(work, { recursive: true, force: true });
    return { inputs, notes };
  } finally {
    await server.stop();
  }
}

/** Writes the `bench:model` section of the doc (other sections kept). */
export async function writeNewPathDoc(doc: string, markdown: string, preset = 'h264-ladder'): Promise<void> {
  // The default ladder's model has its own section; each other preset (`--preset av1-ladder`) its own.
  const key = preset === 'h264-ladder' ? 'model' : `model-${preset}`;
  const start = `<!-- bench:${key}:start -->`;
  const end = `<!-- bench:${key}:end -->`;
  const block = `${start}\n${markdown}\n${end}`;
  let text = existsSync(doc) ? await readFile(doc, 'utf8') : '# Benchmarks\n';
  const i = text.indexOf(start);
  const j = text.indexOf(end);
  text = i >= 0 && j > i ? text.slice(0, i) + block + text.slice(j + end.length) : `${text.trimEnd()}\n\n${block}\n`;
  await writeFile(doc, text);
}
