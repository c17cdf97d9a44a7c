/**
 * Generated sources for the shapes the real-world corpus (test/e2e/corpus.test.ts) has no file
 * for: a phone's variable-frame-rate recording whose first frame lasts 184 ms (the others 33 ms),
 * in one segment and in several, with and without B-frames in the source; and VP9 in AVI at
 * 29.97 fps. Each must complete frame-exact under the full contract (progressive MP4, and every
 * HLS variant and DASH representation read through its manifest).
 */
import assert from 'node:assert/strict';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { LocalStack } from '../../src/local/stack.js';
import { checkContract, checkStreaming } from '../helpers/contract.js';
import { phoneVfrFixture, vp9AviFixture } from '../helpers/phoneFixture.js';
import { frameTimes } from '../helpers/media.js';
import { downloadOutputs, runJob } from '../helpers/stack.js';

describe('generated real-world shapes (local stack)', function () {
  this.timeout(300_000);
  let dir: string;
  let stack: LocalStack;
  let n = 0;
  const file = (name: string) => path.join(dir, name);

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'mt-shapes-'));
    const log = createWriteStream(file('log.jsonl'));
    stack = await LocalStack.start({ dataDir: file('stack'), logSink: (l) => log.write(`${l}\n`) });
  });
  after(async () => {
    await stack?.stop();
    if (!process.env.KEEP_TEST_FILES) await rm(dir, { recursive: true, force: true });
  });

  /** Runs `src` (the smallest preset), asserts COMPLETE, the segment count and the whole contract. */
  async function completesExact(src: string, segmentSeconds: string, segments: (n: number) => boolean, audio: boolean) {
    const { detail } = await runJob(stack, src, `uploads/shape-${++n}${path.extname(src)}`, {
      preset: 'h264-single-480p',
      'segment-seconds': segmentSeconds,
    });
    assert.equal(detail.status, 'COMPLETE', `${detail.errorCode}: ${detail.errorMessage}`);
    const outDir = file(`out-${n}`);
    await mkdir(outDir, { recursive: true });
    await downloadOutputs(stack, detail.jobId, outDir);
    const videos = (detail.outputs ?? [])
      .filter((o) => o.type === 'video')
      .map((o) => ({ name: o.name, width: o.width, height: o.height }));
    await checkContract(src, outDir, videos, audio);
    await checkStreaming(
      src,
      outDir,
      videos.map((v) => path.basename(v.name, '.mp4')),
      audio,
    );
    const hls = (await import('node:fs/promises')).readFile(
      path.join(outDir, 'hls', `${path.basename(videos[0].name, '.mp4')}.m3u8`),
      'utf8',
    );
    const count = ((await hls).match(/#EXTINF/g) ?? []).length;
    assert.ok(segments(count), `${count} segments`);
    return { outDir, videos };
  }

  for (const bframes of [0, 2]) {
    it(`a phone recording (1080p, first frame 184 ms then 33 ms, ${bframes} B-frames) in one segment completes frame-exact`, async () => {
      const src = file(`phone-1seg-bf${bframes}.mp4`);
      await phoneVfrFixture(src, { width: 1920, height: 1080, frames: 44, firstMs: 184, gop: 60, bframes });
      const t = await frameTimes(src);
      assert.ok(
        Math.abs(t[1] - t[0] - 0.184) < 1e-3 && Math.abs(t[2] - t[1] - 1 / 30) < 1e-3,
        `fixture shape: ${t.slice(0, 3)}`,
      );
      await completesExact(src, '4', (c) => c === 1, true);
    });
  }

  it('the same recording cut into several segments (a keyframe every 12 frames) completes frame-exact', async () => {
    const src = file('phone-nseg.mp4');
    await phoneVfrFixture(src, { width: 1920, height: 1080, frames: 44, firstMs: 184, gop: 12, bframes: 2 });
    await completesExact(src, '0.5', (c) => c >= 3, true);
  });

  it('a first frame of 2 s (a camera that starts its clock early) completes frame-exact', async () => {
    const src = file('phone-2s.mp4');
    await phoneVfrFixture(src, { width: 640, height: 360, frames: 30, firstMs: 2000, gop: 10, bframes: 2 });
    await completesExact(src, '0.5', (c) => c >= 2, true);
  });

  it('VP9 in AVI at 29.97 fps completes frame-exact', async () => {
    const src = file('vp9-2997.avi');
    await vp9AviFixture(src, { size: '640x360', rate: '30000/1001', seconds: 2, gop: 15 });
    await completesExact(src, '0.5', (c) => c >= 2, true);
  });
});
