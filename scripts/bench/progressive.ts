/**
 * `npx tsx scripts/bench/progressive.ts [--seconds 60] [--reps 3]`
 *
 * Ways to make a progressive MP4 download of a rendition from the CMAF pieces a job already
 * has (one 720p rendition + chunked AAC of a generated 1280x720 30 fps source):
 * - join: the composed two-track init and the fragments joined by bytes (src/media/package/package.ts
 *   assembleProgressive; only moof headers rewritten);
 * - remux: ffmpeg reading the HLS playlists and stream-copying into a faststart MP4 (what a
 *   concat step does today: every packet demuxed and muxed again, then the file rewritten to
 *   move the moov first);
 * - floor: plain concatenation of the same files (what any byte join costs at least).
 * Prints time and bytes of each (median of the repetitions).
 */
import os from 'node:os';
import path from 'node:path';
import { mkdtemp, open, readFile, readdir, rm, stat } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { generateSample } from '../../src/media/package/sample.js';
import { PRESETS, selectRenditions, type Preset } from '../../src/media/plan/presets.js';
import { resolveBinaries } from '../../src/media/ffmpeg/binaries.js';
import { runProcess } from '../../src/media/ffmpeg/runner.js';
import { assembleProgressive } from '../../src/media/package/package.js';
import { packageLayout } from '../../src/media/package/manifests.js';
import { buildPackage } from '../../test/helpers/cmafPackage.js';

const { values } = parseArgs({
  options: { seconds: { type: 'string', default: '60' }, reps: { type: 'string', default: '3' } },
});
const seconds = Number(values.seconds);
const reps = Number(values.reps);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
/** Writes parts as one file without joining them in memory first (writev, in batches). */
async function writeParts(file: string, parts: Uint8Array[]): Promise<void> {
  const fh = await open(file, 'w');
  try {
    for (let i = 0; i < parts.length; i += 512) await fh.writev(parts.slice(i, i + 512));
  } finally {
    await fh.close();
  }
}

const preset: Preset = { ...PRESETS['h264-ladder'], renditions: [PRESETS['h264-ladder'].renditions[1]] };
const dir = await mkdtemp(path.join(os.tmpdir(), 'mt-bench-progressive-'));
try {
  const src = path.join(dir, 'src.mp4');
  await generateSample({ output: src, durationSec: seconds, width: 1280, height: 720, fps: 30, audio: true });
  const pkg = await buildPackage(src, path.join(dir, 'pkg'), {
    segmentFrames: 120,
    renditions: selectRenditions(preset, 1280, 720),
    preset,
  });
  const id = pkg.renditions[0].name;
  const p = (rel: string) => path.join(pkg.dir, rel);
  const segs = async (track: string) =>
    (await readdir(p(`cmaf/${track}`)))
      .filter((f) => f.endsWith('.m4s'))
      .sort()
      .map((f) => p(`cmaf/${track}/${f}`));
  const videoSegs = await segs(id);
  const audioSegs = await segs('audio');
  const segBytes = await Promise.all(videoSegs.map(async (f) => (await stat(f)).size));
  const results: Record<string, { ms: number[]; bytes: number }> = {
    join: { ms: [], bytes: 0 },
    remux: { ms: [], bytes: 0 },
    floor: { ms: [], bytes: 0 },
  };
  for (let r = 0; r < reps; r++) {
    let t0 = performance.now();
    const parts = assembleProgressive({
      videoInit: await readFile(p(packageLayout.init(id))),
      videoFragments: await Promise.all(videoSegs.map((f) => readFile(f))),
      tracks: [
        {
          init: await readFile(p(packageLayout.init('audio'))),
          fragments: await Promise.all(audioSegs.map((f) => readFile(f))),
        },
      ],
    });
    await writeParts(path.join(dir, 'join.mp4'), parts);
    results.join.ms.push(performance.now() - t0);
    results.join.bytes = (await stat(path.join(dir, 'join.mp4'))).size;

    t0 = performance.now();
    await runProcess(
      resolveBinaries(process.env).ffmpeg,
      [
        '-v',
        'error',
        '-y',
        '-protocol_whitelist',
        'file',
        '-i',
        p(packageLayout.hlsMedia(id)),
        '-protocol_whitelist',
        'file',
        '-i',
        p(packageLayout.hlsMedia('audio')),
        '-map',
        '0:v',
        '-map',
        '1:a',
        '-c',
        'copy',
        '-movflags',
        '+faststart',
        path.join(dir, 'remux.mp4'),
      ],
      { timeoutMs: 600_000 },
    );
    results.remux.ms.push(performance.now() - t0);
    results.remux.bytes = (await stat(path.join(dir, 'remux.mp4'))).size;

    t0 = performance.now();
    const all = [p(packageLayout.init(id)), ...videoSegs, p(packageLayout.init('audio')), ...audioSegs];
    await writeParts(path.join(dir, 'floor.bin'), await Promise.all(all.map((f) => readFile(f))));
    results.floor.ms.push(performance.now() - t0);
    results.floor.bytes = (await stat(path.join(dir, 'floor.bin'))).size;
  }
  console.log(
    JSON.stringify(
      {
        source: `${seconds} s 1280x720 30 fps + AAC`,
        segments: videoSegs.length,
        segmentBytes: { min: Math.min(...segBytes), max: Math.max(...segBytes) },
        s3MultipartMinPart: 5 * 1024 * 1024,
        ffmpeg: resolveBinaries(process.env).ffmpeg,
        ...Object.fromEntries(
          Object.entries(results).map(([k, v]) => [
            k,
            { msMedian: Number(median(v.ms).toFixed(1)), ms: v.ms.map((x) => Number(x.toFixed(1))), bytes: v.bytes },
          ]),
        ),
        packaging: pkg.timings,
      },
      null,
      2,
    ),
  );
} finally {
  await rm(dir, { recursive: true, force: true });
}
