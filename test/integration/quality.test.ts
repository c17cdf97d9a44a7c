/**
 * The quality figure with real ffmpeg (src/media/encode/quality.ts): the reference frames (a segment's
 * first) taken as one more output of an encode, by decoded frame number (a split piece) or from
 * a source pts on (a range read), a rendition's frames scaled back to the source size; a faithful
 * rendition scores above the floors of VERIFY_LIMITS, a blank one and one with its frames out of
 * order far below.
 */
import { ffInput, type FfOutput } from '../../src/media/ffmpeg/command.js';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { resolveBinaries } from '../../src/media/ffmpeg/binaries.js';
import { runProcess } from '../../src/media/ffmpeg/runner.js';
import { measureQuality, qualityReferenceOutputs } from '../../src/media/encode/quality.js';
import { VERIFY_LIMITS } from '../../src/pipeline/verify.js';

/** Outputs of a one-input command as arguments (the input at index 0). */
const only = ffInput('unused');
const asArgs = (outs: FfOutput[]) =>
  outs.flatMap((o) => [...o.maps.flatMap((m) => ['-map', `0:${m.stream}`]), ...o.options, o.url]);

describe('quality figure with real ffmpeg', function () {
  this.timeout(120_000);
  const ffmpeg = resolveBinaries(process.env).ffmpeg;
  const run = (args: string[]) => runProcess(ffmpeg, args, { timeoutMs: 60_000 });
  let dir: string;
  before(async () => (dir = await mkdtemp(path.join(os.tmpdir(), 'mt-quality-'))));
  after(() => rm(dir, { recursive: true, force: true }));

  it('a faithful rendition passes the floors; a blank one and a shuffled one fall far below', async () => {
    const src = path.join(dir, 'src.mp4');
    await run([
      '-hide_banner',
      '-nostdin',
      '-y',
      '-loglevel',
      'error',
      '-f',
      'lavfi',
      '-i',
      'testsrc2=size=640x360:rate=25',
      '-t',
      '2',
      '-c:v',
      'libx264',
      '-g',
      '50',
      src,
    ]);
    const reference = { frames: 3, file: path.join(dir, 'ref.nut') };
    const good = path.join(dir, 'good.mp4');
    const shuffled = path.join(dir, 'shuffled.mp4');
    const blank = path.join(dir, 'blank.mp4');
    // The rendition and the reference from one decode, as a segment worker does.
    await run([
      '-hide_banner',
      '-nostdin',
      '-y',
      '-loglevel',
      'error',
      '-i',
      src,
      '-map',
      '0:v',
      '-vf',
      'scale=320:180',
      '-c:v',
      'libx264',
      '-crf',
      '23',
      good,
      ...asArgs(
        qualityReferenceOutputs({
          ...reference,
          startPts: 0,
          video: { input: only, stream: 'v' },
          by: { n: true, skip: 0 },
          rotation: 0,
          colour: [],
        }),
      ),
    ]);
    await run([
      '-hide_banner',
      '-nostdin',
      '-y',
      '-loglevel',
      'error',
      '-i',
      src,
      '-vf',
      'reverse,scale=320:180',
      '-c:v',
      'libx264',
      shuffled,
    ]);
    await run([
      '-hide_banner',
      '-nostdin',
      '-y',
      '-loglevel',
      'error',
      '-f',
      'lavfi',
      '-i',
      'color=black:size=320x180:rate=25',
      '-t',
      '2',
      '-c:v',
      'libx264',
      blank,
    ]);
    const q = await measureQuality(run, {
      dir,
      reference,
      renditions: [
        { name: 'good', file: good },
        { name: 'shuffled', file: shuffled },
        { name: 'blank', file: blank },
      ],
    });
    assert.equal(q.good.frames, 3);
    assert.ok(
      Math.min(...q.good.ssim) >= VERIFY_LIMITS.minSsim && Math.min(...q.good.psnr) >= VERIFY_LIMITS.minPsnrDb,
      JSON.stringify(q.good),
    );
    for (const bad of [q.shuffled, q.blank]) {
      assert.equal(bad.frames, 3);
      assert.ok(
        Math.min(...bad.ssim) < VERIFY_LIMITS.minSsim || Math.min(...bad.psnr) < VERIFY_LIMITS.minPsnrDb,
        JSON.stringify(bad),
      );
    }
  });

  it("a segment read by range: the reference from its first frame's source pts on matches a rendition that starts there", async () => {
    const src = path.join(dir, 'src.mp4');
    // 25 fps in MP4: timescale 12800, frame k at pts 512 k. The segment starts at frame 20.
    const reference = { frames: 3, file: path.join(dir, 'ref-range.nut') };
    const seg = path.join(dir, 'seg.mp4');
    const early = path.join(dir, 'early.mp4');
    await run([
      '-hide_banner',
      '-nostdin',
      '-y',
      '-loglevel',
      'error',
      '-copyts',
      '-i',
      src,
      '-map',
      '0:v',
      '-vf',
      'select=gte(n\\,20),scale=320:180',
      '-c:v',
      'libx264',
      '-crf',
      '23',
      seg,
      '-map',
      '0:v',
      '-vf',
      'scale=320:180',
      '-c:v',
      'libx264',
      '-crf',
      '23',
      early,
      ...asArgs(
        qualityReferenceOutputs({
          ...reference,
          startPts: 512 * 20,
          video: { input: only, stream: 'v' },
          by: { pts: true },
          rotation: 0,
          colour: [],
        }),
      ),
    ]);
    const q = await measureQuality(run, {
      dir,
      reference,
      renditions: [
        { name: 'seg', file: seg },
        { name: 'early', file: early },
      ],
    });
    assert.ok(
      Math.min(...q.seg.psnr) >= VERIFY_LIMITS.minPsnrDb && Math.min(...q.seg.ssim) >= VERIFY_LIMITS.minSsim,
      JSON.stringify(q.seg),
    );
    assert.ok(
      Math.min(...q.early.psnr) < VERIFY_LIMITS.minPsnrDb,
      `frames 0-2 against the reference of 20-22: ${JSON.stringify(q.early)}`,
    );
  });
});
