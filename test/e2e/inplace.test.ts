/**
 * Outputs written in place and progress without a hot key, counted on real jobs on the local
 * stack (real ffmpeg, s3rver, the real ASL, dynalite): the requests the runtime's S3 client and
 * the job store's DynamoDB client send are counted by a middleware on each client.
 *
 * - no object is copied between buckets (CopyObject: 0); the package is under the job's output
 *   prefix and nothing else is (an MP4-only job leaves no CMAF pieces there);
 * - the job item is written a bounded number of times, not once per segment (1 and 10 segments
 *   here; 100 in test/unit/progress.test.ts through the same code against dynalite);
 * - a job that fails after its pieces and its MP4 uploads were started leaves nothing under its
 *   output prefix, and every multipart upload it started is aborted.
 */
import '../../src/util/quietWarnings.js';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { createWriteStream, type WriteStream } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { LocalStack } from '../../src/local/stack.js';
import { generateSample, type SampleSpec } from '../../src/media/sample.js';
import { EncoderError } from '../../src/errors.js';
import { definition as assemble } from '../../functions/assemble.js';
import { runJob, keysUnder } from '../helpers/stack.js';
import { countRequests, type RequestCounts } from '../helpers/requestCounts.js';

describe('outputs in place, progress without a hot key (local stack)', function () {
  this.timeout(600_000);
  let dir: string;
  let stack: LocalStack;
  let logStream: WriteStream;
  let s3: RequestCounts;
  let db: RequestCounts;
  let failComplete = false;
  let n = 0;

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'mt-inplace-'));
    logStream = createWriteStream(path.join(dir, 'log.jsonl'));
    stack = await LocalStack.start({
      dataDir: path.join(dir, 'stack'),
      logSink: (l) => logStream.write(l + '\n'),
      // AssembleComplete fails on demand: the pieces and the MP4 uploads exist by then.
      taskHandlers: {
        assemble: async (input) => {
          if (failComplete && (input as { phase?: string }).phase === 'complete') throw new EncoderError('ENCODER_FAILED', 'test: AssembleComplete fails');
          return assemble.invoke(stack.rt, input);
        },
      },
    });
    s3 = countRequests(stack.s3);
    // The job store's client is private to it: the test reaches in to count its requests.
    db = countRequests((stack.rt.jobs as unknown as { db: DynamoDBDocumentClient }).db);
  });
  after(async () => {
    s3?.stop();
    db?.stop();
    await stack?.stop();
    logStream?.end();
    if (!process.env.KEEP_TEST_FILES) await rm(dir, { recursive: true, force: true });
  });

  async function job(spec: Omit<SampleSpec, 'output'>, meta: Record<string, string>) {
    const file = path.join(dir, `in-${++n}.mp4`);
    await generateSample({ ...spec, output: file });
    const copiesBefore = s3.of('CopyObjectCommand');
    const abortsBefore = s3.of('AbortMultipartUploadCommand');
    const r = await runJob(stack, file, `uploads/${n}.mp4`, meta);
    return { ...r, copies: s3.of('CopyObjectCommand') - copiesBefore, aborts: s3.of('AbortMultipartUploadCommand') - abortsBefore, writes: db.writesByJob.get(r.jobId) ?? 0 };
  }

  // SUBMITTED, PROGRESSING, COMPLETE, at most ten progress claims and two lost to a race.
  const WRITE_BOUND = 3 + 10 + 2;

  it('1 segment, MP4 only: no copy between buckets, only the MP4 and the pictures published, the job item written a few times', async () => {
    const r = await job({ durationSec: 2, width: 320, height: 240, fps: 25, audio: true }, { preset: 'h264-single-480p', outputs: 'mp4', 'segment-seconds': '4' });
    assert.equal(r.detail.status, 'COMPLETE', `${r.detail.errorCode}: ${r.detail.errorMessage}`);
    assert.equal(r.copies, 0, 'CopyObject requests');
    const published = (await keysUnder(stack, stack.config.OUTPUT_BUCKET, `${r.jobId}/`)).map((k) => k.slice(r.jobId.length + 1)).sort();
    assert.deepEqual(published, ['mp4/240p.mp4', 'poster.jpg', 'sprite.jpg', 'thumbnails.vtt'], 'the pieces of an MP4-only job are not published');
    assert.deepEqual((r.detail.outputs ?? []).map((o) => o.name).sort(), published);
    assert.deepEqual(await keysUnder(stack, stack.config.WORK_BUCKET, `jobs/${r.jobId}/`), [], 'work prefix cleaned');
    assert.ok(r.writes <= WRITE_BOUND, `${r.writes} writes to the job item`);
  });

  it('10 segments, HLS, DASH and MP4: no copy between buckets, the manifests published, the job item written a bounded number of times', async () => {
    const keyframes = Array.from({ length: 10 }, (_, i) => i);
    const r = await job({ durationSec: 10, width: 320, height: 240, fps: 25, audio: true, keyframes }, { preset: 'h264-single-480p', 'segment-seconds': '1' });
    assert.equal(r.detail.status, 'COMPLETE', `${r.detail.errorCode}: ${r.detail.errorMessage}`);
    const total = (r.events.find((e) => (e.detail as { status: string }).status === 'PROGRESSING')!.detail as { progress: { segmentsTotal: number } }).progress.segmentsTotal;
    assert.equal(total, 10, 'segments planned');
    assert.equal(r.copies, 0, 'CopyObject requests');
    const published = (await keysUnder(stack, stack.config.OUTPUT_BUCKET, `${r.jobId}/`)).map((k) => k.slice(r.jobId.length + 1));
    for (const m of ['hls/master.m3u8', 'hls/240p.m3u8', 'hls/audio.m3u8', 'dash/manifest.mpd', 'mp4/240p.mp4', 'cmaf/240p/init.mp4']) assert.ok(published.includes(m), m);
    assert.equal(published.filter((k) => /^cmaf\/240p\/seg-\d+\.m4s$/.test(k)).length, 10, 'one fragment per segment');
    assert.deepEqual(await keysUnder(stack, stack.config.WORK_BUCKET, `jobs/${r.jobId}/`), [], 'work prefix cleaned');
    assert.ok(r.writes <= WRITE_BOUND, `${r.writes} writes to the job item for 10 segments`);
  });

  it('a job that fails after its pieces and MP4 uploads exist: nothing left under its output prefix, its uploads aborted', async () => {
    failComplete = true;
    try {
      const r = await job({ durationSec: 4, width: 320, height: 240, fps: 25, audio: true }, { preset: 'h264-single-480p', 'segment-seconds': '2' });
      assert.equal(r.detail.status, 'ERROR');
      assert.equal(r.detail.errorCode, 'ENCODER_FAILED');
      assert.deepEqual(await keysUnder(stack, stack.config.OUTPUT_BUCKET, `${r.jobId}/`), [], 'no output object');
      assert.deepEqual(await keysUnder(stack, stack.config.WORK_BUCKET, `jobs/${r.jobId}/`), [], 'work prefix cleaned');
      // One MP4 rendition, one upload: aborted (s3rver serves no AbortMultipartUpload and keeps
      // no parts: the request is counted as sent).
      assert.equal(r.aborts, 1, 'AbortMultipartUpload requests');
    } finally {
      failComplete = false;
    }
  });
});
