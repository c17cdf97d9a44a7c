/**
 * The baseline: one plain ffmpeg process that makes the same renditions as the pipeline
 * (same preset, scale, x264 options, keyframe grid, passthrough timing, audio), with one decode
 * and a split filter feeding one encoder per rendition, and the audio encoded once.
 */
import path from 'node:path';
import { statSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import {
  buildPacketProbeArgs,
  buildStreamProbeArgs,
  parsePacketCsv,
  parseStreamProbe,
  type MediaInfo,
  type PacketIndex,
} from '../../src/media/probe/probe.js';
import { rotationFilter } from '../../src/media/encode/args.js';
import { mp4VideoTagArgs, videoEncoderArgs } from '../../src/media/encode/codecs.js';
import { resolveBinaries } from '../../src/media/ffmpeg/binaries.js';
import { runProcess } from '../../src/media/ffmpeg/runner.js';
import { selectRenditions, type Preset, type Rendition } from '../../src/media/plan/presets.js';
import { runAccounted, type CpuSeconds } from './proc.js';

/** A source as the benchmark sees it: the probe and the renditions the pipeline would make. */
export interface Source {
  file: string;
  label: string;
  info: MediaInfo;
  renditions: Rendition[];
}

/** Probes a local file the way the Probe step does and resolves its renditions. */
export async function describeSource(file: string, label: string, preset: Preset): Promise<Source> {
  const r = await runProcess(resolveBinaries(process.env).ffprobe, buildStreamProbeArgs({ url: file }), {
    timeoutMs: 120_000,
    captureStdout: true,
  });
  const info = parseStreamProbe(r.stdout);
  const swap = info.video.rotation === 90 || info.video.rotation === 270;
  const w = swap ? info.video.height : info.video.width;
  const h = swap ? info.video.width : info.video.height;
  return { file, label, info, renditions: selectRenditions(preset, w, h) };
}

/** Every video packet's timestamps and keyframe flag (the Probe step's second pass). */
export async function probePackets(source: Source): Promise<PacketIndex> {
  const r = await runProcess(
    resolveBinaries(process.env).ffprobe,
    buildPacketProbeArgs({ url: source.file }, source.info.video.index),
    { timeoutMs: 600_000, captureStdout: true },
  );
  return parsePacketCsv(r.stdout);
}

/**
 * ffmpeg arguments of the plain run. Mirrors the segment command (segmentEncodeCommand) and its audio chunks
 * (src/media/encode/args.ts) option for option, but over the whole file in one process. All outputs
 * go through one tee muxer so the audio is encoded once, as the pipeline's EncodeAudio does,
 * instead of once per rendition.
 */
export function buildPlainArgs(source: Source, preset: Preset, outDir: string): { args: string[]; outputs: string[] } {
  const n = source.renditions.length;
  const split = n > 1 ? `split=${n}${source.renditions.map((_, i) => `[s${i}]`).join('')}` : 'null[s0]';
  const pre = [...rotationFilter(source.info.video.rotation), split].join(',');
  const graph = [
    `[0:${source.info.video.index}]${pre}`,
    ...source.renditions.map((r, i) => `[s${i}]scale=${r.width}:${r.outHeight},format=${preset.video.pixFmt}[v${i}]`),
  ].join(';');
  const args = [
    '-hide_banner',
    '-nostdin',
    '-y',
    '-loglevel',
    'error',
    '-noautorotate',
    '-i',
    source.file,
    '-filter_complex',
    graph,
  ];
  source.renditions.forEach((_, i) => args.push('-map', `[v${i}]`));
  const audio = source.info.audio;
  if (audio) args.push('-map', `0:${audio.index}`);
  args.push('-vsync', 'passthrough', '-enc_time_base:v', '-1');
  // The pipeline's own encoder options (codecs.ts), each given to its output stream: the same
  // settings for x264, x265 and SVT-AV1, so the plain run is a fair baseline for every preset.
  source.renditions.forEach((r, i) => {
    const a = videoEncoderArgs(preset, r);
    for (let k = 0; k + 1 < a.length; k += 2) args.push(`${a[k].split(':')[0]}:v:${i}`, a[k + 1]);
  });
  args.push(...mp4VideoTagArgs(preset.video));
  if (audio) {
    args.push(
      '-af',
      'aresample=async=1:first_pts=0',
      '-c:a',
      preset.audio.encoder,
      '-b:a',
      `${preset.audio.bitrateKbps}k`,
      '-ac',
      String(preset.audio.channels),
      '-ar',
      String(preset.audio.sampleRate),
    );
  }
  const outputs = source.renditions.map((r) => path.join(outDir, `plain_${r.name}.mp4`));
  // Output stream n is the audio; each tee slave takes its video stream and that one.
  const slaves = outputs.map((file, i) => `[select=${audio ? `${i}\\,${n}` : i}:f=mp4:movflags=+faststart]${file}`);
  args.push('-f', 'tee', slaves.join('|'));
  return { args, outputs };
}

/** One measured plain run. */
export interface PlainRun {
  wallSec: number;
  cpu: CpuSeconds;
  outputBytes: number;
}

/** Runs the plain transcode once, measuring wall time and ffmpeg's CPU seconds. */
export async function runPlain(source: Source, preset: Preset, outDir: string): Promise<PlainRun> {
  const { args, outputs } = buildPlainArgs(source, preset, outDir);
  const r = await runAccounted(resolveBinaries(process.env).ffmpeg, args);
  const outputBytes = outputs.reduce((a, f) => a + statSync(f).size, 0);
  await Promise.all(outputs.map((f) => rm(f, { force: true })));
  return { wallSec: r.wallMs / 1000, cpu: r.treeCpu, outputBytes };
}
