/**
 * Whether an ffmpeg writes CMAF fragments with source timing right: a few frames with B-frames
 * and the pipeline's own fragment options, checked by the same rules as every real piece
 * (package.ts videoPiece), and every frame at its known time. The npm-shipped 2018 build fails it
 * (its muxer stretches the first frame of a fragment written with signed composition offsets,
 * which moves every later frame); Debian's 5.1 passes. Checked
 * once per process (the runtime memoizes it), at planning, so a job fails before anything is encoded rather than half-way.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { runProcess } from '../ffmpeg/runner.js';
import { fragmentMuxerArgs } from '../encode/cmaf.js';
import { videoPiece } from './package.js';
import { sampleTimes } from './isobmff.js';

const FRAMES = 12;
/** Encodes FRAMES frames at 25 fps (time base 1/25) with B-frames into one fragment and checks it. */
async function check(ffmpeg: string): Promise<{ ok: true } | { ok: false; reason: string }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'mt-cmafcheck-'));
  try {
    const out = path.join(dir, 'c.mp4');
    await runProcess(
      ffmpeg,
      [
        '-hide_banner',
        '-nostdin',
        '-y',
        '-loglevel',
        'error',
        '-f',
        'lavfi',
        '-i',
        'testsrc2=size=64x48:rate=25',
        '-frames:v',
        String(FRAMES),
        '-vsync',
        'passthrough',
        '-c:v',
        'libx264',
        '-preset',
        'ultrafast',
        '-bf',
        '2',
        '-g',
        '100',
        '-pix_fmt',
        'yuv420p',
        '-enc_time_base',
        '-1',
        ...fragmentMuxerArgs({ timescale: 25, negativeCts: true }),
        out,
      ],
      { timeoutMs: 30_000 },
    );
    const piece = videoPiece(await readFile(out), {
      index: 0,
      startTicks: 0,
      spanTicks: FRAMES,
      count: FRAMES,
      what: 'CMAF check',
    });
    // The input's frame times are known here (tick i for frame i): each must come out exactly
    // (a muxer that stretches the first sample moves every later frame).
    const pts = [...sampleTimes(piece.info).pts].sort((a, b) => a - b);
    const wrong = pts.findIndex((t, i) => t !== i);
    if (wrong >= 0)
      return { ok: false, reason: `frame ${wrong} is presented at tick ${pts[wrong]}, the source's is ${wrong}` };
    return { ok: true };
  } catch (err) {
    return { ok: false, reason: (err as Error).message };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The check's outcome for one binary (the runtime asks once per process: `cmafSupport`). */
export function writesCmaf(ffmpeg: string): Promise<{ ok: true } | { ok: false; reason: string }> {
  return check(ffmpeg);
}
