/**
 * MPEG-4 Part 2 in AVI made here with ffmpeg (issue 19, beside the real XviD files of the corpus):
 * AVI packets carry no pts, so these sources take the split path with pts = dts and each piece's
 * frames re-timed by display index (src/media/encode/args.ts). Checked frame by frame against the source.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createWriteStream } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LocalStack } from '../../src/local/stack.js';
import { resolveBinaries } from '../../src/media/ffmpeg/binaries.js';
import { runProcess } from '../../src/media/ffmpeg/runner.js';
import { checkContract } from '../helpers/contract.js';
import { runJob, downloadOutputs } from '../helpers/stack.js';

const bins = resolveBinaries(process.env);

describe('MPEG-4 Part 2 AVI on the local stack', function () {
  this.timeout(600_000);
  let dir: string;
  let stack: LocalStack;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'mt-avi4-'));
    const log = createWriteStream(path.join(dir, 'log.jsonl'));
    stack = await LocalStack.start({
      dataDir: path.join(dir, 'stack'),
      binaries: bins,
      logSink: (l) => log.write(`${l}\n`),
    });
  });
  after(async () => {
    await stack?.stop();
    if (!process.env.KEEP_TEST_FILES) await rm(dir, { recursive: true, force: true });
  });

  const cases: [string, string[]][] = [
    ['without B-frames', ['-bf', '0']],
    // Unpacked B-frames in decode order, closed GOPs (a cut at a keyframe loses no reference).
    ['with closed-GOP B-frames', ['-bf', '2', '-flags', '+cgop', '-sc_threshold', '1000000000']],
  ];
  for (const [label, opts] of cases) {
    it(`${label}: COMPLETE, every frame at its source time, cut into several segments`, async () => {
      const src = path.join(dir, `${label.replace(/\W+/g, '-')}.avi`);
      await runProcess(
        bins.ffmpeg,
        [
          '-v',
          'error',
          '-nostdin',
          '-f',
          'lavfi',
          '-i',
          'testsrc2=size=320x240:rate=25:duration=5',
          '-c:v',
          'mpeg4',
          '-q:v',
          '3',
          '-g',
          '25',
          ...opts,
          '-y',
          src,
        ],
        { timeoutMs: 120_000 },
      );
      const { detail } = await runJob(stack, src, `uploads/${path.basename(src)}`, {
        preset: 'h264-single-480p',
        'segment-seconds': '1',
      });
      assert.equal(detail.status, 'COMPLETE', `${detail.errorCode}: ${detail.errorMessage}`);
      const outDir = path.join(dir, `out-${path.basename(src, '.avi')}`);
      await mkdir(outDir, { recursive: true });
      await downloadOutputs(stack, detail.jobId, outDir);
      const videos = (detail.outputs ?? [])
        .filter((o) => o.type === 'video')
        .map((o) => ({ name: o.name, width: o.width, height: o.height }));
      assert.ok(videos.length > 0, 'a rendition');
      assert.equal(detail.outputs!.find((o) => o.type === 'video')!.frames, 125);
      await checkContract(src, outDir, videos, false);
    });
  }
});
