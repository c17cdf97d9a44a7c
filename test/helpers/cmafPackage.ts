/**
 * Builds a streaming package from a fixture the way the pipeline's steps will, calling ffmpeg
 * directly (no state machine): split at the planned keyframes (buildSplitArgs), one encode per
 * segment writing every rendition as a CMAF fragment (segmentEncodeCommand), audio encoded in
 * chunks aligned to the segments (audioChunkCommand), then the manifests and the progressive
 * MP4s from the same pieces. Used by test/e2e/cmaf.test.ts (the player test plays real jobs).
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { resolveBinaries, type Binaries } from '../../src/media/ffmpeg/binaries.js';
import { runProcess } from '../../src/media/ffmpeg/runner.js';
import { buildSplitArgs } from '../../src/media/encode/args.js';
import { audioChunkCommand, planAudioChunks, type AudioChunk } from '../../src/media/encode/cmaf.js';
import { segmentEncodeCommand } from '../../src/media/encode/args.js';
import {
  assembleProgressive,
  audioPiece,
  audioTrackModel,
  commonInit,
  pieceFacts,
  videoPiece,
  videoTrackModel,
  type Piece,
} from '../../src/media/package/package.js';
import { dashManifest, hlsPlaylists, packageLayout, type PackageModel } from '../../src/media/package/manifests.js';
import { PRESETS, type Preset, type Rendition } from '../../src/media/plan/presets.js';
import { concatBytes } from '../../src/media/package/isobmff.js';

const ffprobeJson = async (ffprobe: string, args: string[]) =>
  JSON.parse(
    (
      await runProcess(ffprobe, ['-v', 'error', '-print_format', 'json', ...args], {
        timeoutMs: 120_000,
        captureStdout: true,
      })
    ).stdout,
  );

export interface BuiltPackage {
  dir: string;
  model: PackageModel;
  renditions: Rendition[];
  /** Per rendition, the init each segment's worker wrote (to compare). */
  workerInits: Record<string, Uint8Array[]>;
  audioChunks: AudioChunk[];
  /** Segment start times (s, from the first frame) and the frame time base. */
  segmentStartsSec: number[];
  /** Source time (s) of the package's first frame. */
  planStartSec: number;
  timeBase: { num: number; den: number };
  timings: Record<string, number>;
}

/**
 * Packages `src` into `dir` for the given renditions, cut into segments at every keyframe (or
 * every `segmentFrames` frames, which must be keyframes), with `bins` (default: the resolved ones).
 * `clipSkip`: a clip that starts that many frames (display order) into the first segment, as
 * the planner's `skip` of a frame-accurate clip start.
 */
export async function buildPackage(
  src: string,
  dir: string,
  p: {
    bins?: Binaries;
    segmentFrames?: number;
    clipSkip?: number;
    renditions: Rendition[];
    preset?: Preset;
    audio?: boolean;
  },
): Promise<BuiltPackage> {
  const preset = p.preset ?? PRESETS['h264-ladder'];
  const bins = p.bins ?? resolveBinaries(process.env);
  const ff = bins.ffmpeg;
  const timings: Record<string, number> = {};
  const time = async <T>(k: string, f: () => Promise<T>) => {
    const t0 = Date.now();
    const r = await f();
    timings[k] = (timings[k] ?? 0) + Date.now() - t0;
    return r;
  };
  await mkdir(path.join(dir, 'work'), { recursive: true });
  // The plan: the fixture's frames (decode order = packets) and where segments start.
  const probe = await ffprobeJson(bins.ffprobe, [
    '-select_streams',
    'v:0',
    '-show_entries',
    'stream=time_base:packet=pts,duration,flags',
    src,
  ]);
  const [num, den] = String(probe.streams[0].time_base).split('/').map(Number);
  const pkts = probe.packets as { pts: number; duration: number; flags: string }[];
  const pts = pkts.map((x) => Number(x.pts)).sort((a, b) => a - b);
  const nFrames = pts.length;
  const lastDur = Number(pkts.find((x) => Number(x.pts) === pts[nFrames - 1])?.duration ?? pts[1] - pts[0]);
  // Cut at every keyframe (decode order; the fixtures have closed GOPs), or every n frames.
  const splitFrames: number[] = [];
  if (p.segmentFrames) for (let i = p.segmentFrames; i < nFrames; i += p.segmentFrames) splitFrames.push(i);
  else for (const [i, x] of pkts.entries()) if (i > 0 && x.flags.includes('K')) splitFrames.push(i);
  const starts = [0, ...splitFrames];
  // A segment's first frame in display order: the smallest pts among its packets.
  const skip = p.clipSkip ?? 0;
  const segPts = (s: number) =>
    pkts
      .slice(starts[s], starts[s + 1] ?? nFrames)
      .map((x) => Number(x.pts))
      .sort((a, b) => a - b);
  const startPts = starts.map((_, s) => segPts(s)[s === 0 ? skip : 0]);
  const endPts = [...startPts.slice(1), pts[nFrames - 1] + lastDur];
  await time('split', () =>
    runProcess(
      ff,
      buildSplitArgs({ input: src, videoStream: 0, splitFrames, pattern: path.join(dir, 'work', 'src-%d.nut') }),
      { timeoutMs: 120_000 },
    ),
  );

  const pieces: Record<string, Piece[]> = Object.fromEntries(p.renditions.map((r) => [r.name, []]));
  for (let s = 0; s < starts.length; s++) {
    const total = (starts[s + 1] ?? nFrames) - starts[s];
    const count = s === 0 ? total - skip : total;
    const outputs = p.renditions.map((r) => ({ rendition: r, file: path.join(dir, 'work', `${r.name}-${s}.mp4`) }));
    const args = segmentEncodeCommand({
      source: {
        kind: 'piece',
        file: path.join(dir, 'work', `src-${s}.nut`),
        skip: s === 0 ? skip : 0,
        totalFrames: total,
      },
      preset,
      outputs,
      count,
      rotation: 0,
      container: { cmaf: { num, den } },
    });
    await time('segments', () => runProcess(ff, args, { timeoutMs: 300_000 }));
    for (const o of outputs) {
      pieces[o.rendition.name].push(
        videoPiece(await readFile(o.file), {
          index: s,
          startTicks: (startPts[s] - startPts[0]) * num,
          spanTicks: (endPts[s] - startPts[s]) * num,
          count,
          what: `segment ${s} ${o.rendition.name}`,
        }),
      );
    }
  }
  const durationSec = ((endPts[endPts.length - 1] - startPts[0]) * num) / den;
  const planStartSec = (startPts[0] * num) / den;
  const segmentStartsSec = startPts.map((x) => ((x - startPts[0]) * num) / den);
  const audioChunks = p.audio === false ? [] : planAudioChunks(segmentStartsSec, durationSec, preset.audio.sampleRate);
  const audioPieces: Piece[] = [];
  for (const c of audioChunks) {
    const out = path.join(dir, 'work', `audio-${c.index}.mp4`);
    const args = audioChunkCommand({
      input: src,
      planStartSec,
      chunk: c,
      preset,
      tracks: [{ index: 1, channels: preset.audio.channels, bitrateKbps: preset.audio.bitrateKbps, output: out }],
    });
    await time('audio', () => runProcess(ff, args, { timeoutMs: 120_000 }));
    audioPieces.push(audioPiece(await readFile(out), c));
  }

  const write = async (rel: string, data: Uint8Array | string) => {
    await mkdir(path.dirname(path.join(dir, rel)), { recursive: true });
    await writeFile(path.join(dir, rel), data);
  };
  const model: PackageModel = { video: [], audio: [] };
  const workerInits: Record<string, Uint8Array[]> = {};
  for (const r of p.renditions) {
    workerInits[r.name] = pieces[r.name].map((x) => x.init);
    const init = commonInit(workerInits[r.name], r.name);
    await write(packageLayout.init(r.name), init);
    for (const [i, x] of pieces[r.name].entries()) await write(packageLayout.segment(r.name, i), x.fragment);
    model.video.push(videoTrackModel(r.name, init, pieces[r.name].map(pieceFacts)));
  }
  if (audioPieces.length) {
    const init = commonInit(
      audioPieces.map((x) => x.init),
      'audio',
    );
    await write(packageLayout.init('audio'), init);
    for (const [i, x] of audioPieces.entries()) await write(packageLayout.segment('audio', i), x.fragment);
    model.audio.push(audioTrackModel('audio', init, audioPieces.map(pieceFacts), { language: 'en', name: 'English' }));
  }
  for (const [rel, text] of Object.entries(hlsPlaylists(model))) await write(rel, text);
  await write(packageLayout.dash, dashManifest(model));
  for (const r of p.renditions) {
    const parts = await time('progressive', async () =>
      assembleProgressive({
        videoInit: await readFile(path.join(dir, packageLayout.init(r.name))),
        videoFragments: pieces[r.name].map((x) => x.fragment),
        tracks: audioPieces.length
          ? [
              {
                init: await readFile(path.join(dir, packageLayout.init('audio'))),
                fragments: audioPieces.map((x) => x.fragment),
              },
            ]
          : [],
      }),
    );
    await write(packageLayout.progressive(r.name), concatBytes(parts));
  }
  return {
    dir,
    model,
    renditions: p.renditions,
    workerInits,
    audioChunks,
    segmentStartsSec,
    planStartSec,
    timeBase: { num, den },
    timings,
  };
}
