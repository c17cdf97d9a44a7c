/**
 * The work of single cloud functions, each run alone on one core of this machine (taskset):
 * the longest segment's encode, the audio encode and the thumbnails. In the pipeline run these
 * share two cores with each other, so their times there say little about a Lambda that has
 * its vCPUs to itself; the cloud model uses these instead.
 */
import path from 'node:path';
import { existsSync } from 'node:fs';
import { mkdir, rm, stat } from 'node:fs/promises';
import { segmentEncodeCommand } from '../../src/media/args.js';
import { ffArgs } from '../../src/media/command.js';
import { buildAudioArgs, buildPosterArgs, buildThumbnailArgs } from './legacyArgs.js';
import { resolveBinaries } from '../../src/media/binaries.js';
import type { Preset } from '../../src/media/presets.js';
import { runAccounted } from './proc.js';
import type { Source } from './plain.js';
import { splitSource } from './throughput.js';

/** Seconds of each function's ffmpeg work on one core. */
export interface OneCoreTimes {
  /** Whether the runs were pinned to one core (taskset found). */
  pinned: boolean;
  /** Bytes of all split pieces (what Split uploads and the segments download). */
  splitBytes: number;
  segment: { index: number; frames: number; sec: number };
  audioSec: number;
  thumbnailsSec: number;
}

/** Thumbnail settings of the Thumbnails step (config default and its tile layout). */
const THUMBS = { intervalSec: 10, width: 160, height: 90 };

/** Measures the three encodes alone, each pinned to core 0. */
export async function measureOneCore(source: Source, preset: Preset, segmentSeconds: number, workDir: string): Promise<OneCoreTimes> {
  const dir = path.resolve(workDir, 'one-core');
  await rm(dir, { recursive: true, force: true });
  const { plan, pieces } = await splitSource(source, segmentSeconds, path.join(dir, 'pieces'));
  const splitBytes = (await Promise.all(pieces.map((p) => stat(p)))).reduce((a, st) => a + st.size, 0);
  const pinned = existsSync('/usr/bin/taskset');
  const ffmpeg = resolveBinaries(process.env).ffmpeg;
  const run = async (args: string[]) => (await runAccounted(pinned ? '/usr/bin/taskset' : ffmpeg, pinned ? ['-c', '0', ffmpeg, ...args] : args)).wallMs / 1000;

  // The segment with the most frames: the one that would set the Map's critical path.
  const seg = plan.segments.reduce((a, b) => (b.count > a.count ? b : a));
  const segArgs = ffArgs(segmentEncodeCommand({
    source: { kind: 'piece', file: pieces[seg.splitFile], skip: seg.skip, totalFrames: seg.endPacket - seg.startPacket },
    preset,
    outputs: source.renditions.map((r) => ({ rendition: r, file: path.join(dir, `seg_${r.name}.nut`) })),
    count: seg.count,
    rotation: source.info.video.rotation,
    container: { nut: true },
  }));
  const segmentSec = await run(segArgs);

  const tick = plan.timeBase.num / plan.timeBase.den;
  const audio = source.info.audio;
  const audioSec = audio
    ? await run(buildAudioArgs({ input: source.file, audioStream: audio.index, startSec: plan.startPts * tick, endSec: plan.endPts * tick, preset, output: path.join(dir, 'audio.m4a') }))
    : 0;

  await mkdir(path.join(dir, 'thumbs'));
  const v = source.info.video.index;
  const thumbnailsSec =
    (await run(buildThumbnailArgs({ input: source.file, videoStream: v, ...THUMBS, pattern: path.join(dir, 'thumbs', 'tile_%05d.jpg') }))) +
    (await run(buildPosterArgs({ input: source.file, videoStream: v, atSec: plan.startPts * tick + Math.min(plan.durationSec * 0.1, 10), output: path.join(dir, 'poster.png') })));
  await rm(dir, { recursive: true, force: true });
  return { pinned, splitBytes, segment: { index: seg.index, frames: seg.count, sec: segmentSec }, audioSec, thumbnailsSec };
}
