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
 *   output prefix, and every multipart upload it started is aborted;
 * - a job canceled while its ECS worker runs: once the stopped worker has exited, nothing of
 *   the job is left (the worker writes no late result after the cancel's cleanup).
 */
import '../../src/util/quietWarnings.js';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { createWriteStream, type WriteStream } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { LocalStack } from '../../src/local/stack.js';
import { generateSample, type SampleSpec } from '../../src/media/package/sample.js';
import { EncoderError } from '../../src/errors.js';
import { definition as assemble } from '../../functions/assemble.js';
import { runJob, keysUnder } from '../helpers/stack.js';
import { createReadStream, readFileSync, statSync } from 'node:fs';
import { descendants } from '../../src/worker/children.js';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { cancelJob } from '../../src/pipeline/cancel.js';
import type { LocalTaskEvent } from '../../src/local/ecsRunner.js';
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
      logSink: (l) => logStream.write(`${l}\n`),
      // AssembleComplete fails on demand: the pieces and the MP4 uploads exist by then.
      taskHandlers: {
        assemble: async (input) => {
          if (failComplete && (input as { phase?: string }).phase === 'complete')
            throw new EncoderError('ENCODER_FAILED', 'test: AssembleComplete fails');
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
    return {
      ...r,
      copies: s3.of('CopyObjectCommand') - copiesBefore,
      aborts: s3.of('AbortMultipartUploadCommand') - abortsBefore,
      writes: db.writesByJob.get(r.jobId) ?? 0,
    };
  }

  // SUBMITTED, PROGRESSING, COMPLETE, at most ten progress claims and two lost to a race.
  const WRITE_BOUND = 3 + 10 + 2;

  it('1 segment, MP4 only: no copy between buckets, only the MP4 and the pictures published, the job item written a few times', async () => {
    const r = await job(
      { durationSec: 2, width: 320, height: 240, fps: 25, audio: true },
      { preset: 'h264-single-480p', outputs: 'mp4', 'segment-seconds': '4' },
    );
    assert.equal(r.detail.status, 'COMPLETE', `${r.detail.errorCode}: ${r.detail.errorMessage}`);
    assert.equal(r.copies, 0, 'CopyObject requests');
    const published = (await keysUnder(stack, stack.config.OUTPUT_BUCKET, `${r.jobId}/`))
      .map((k) => k.slice(r.jobId.length + 1))
      .sort();
    assert.deepEqual(
      published,
      ['mp4/240p.mp4', 'poster.jpg', 'sprite.jpg', 'thumbnails.vtt'],
      'the pieces of an MP4-only job are not published',
    );
    assert.deepEqual((r.detail.outputs ?? []).map((o) => o.name).sort(), published);
    assert.deepEqual(await keysUnder(stack, stack.config.WORK_BUCKET, `jobs/${r.jobId}/`), [], 'work prefix cleaned');
    assert.ok(r.writes <= WRITE_BOUND, `${r.writes} writes to the job item`);
  });

  it('10 segments, HLS, DASH and MP4: no copy between buckets, the manifests published, the job item written a bounded number of times', async () => {
    const keyframes = Array.from({ length: 10 }, (_, i) => i);
    const r = await job(
      { durationSec: 10, width: 320, height: 240, fps: 25, audio: true, keyframes },
      { preset: 'h264-single-480p', 'segment-seconds': '1' },
    );
    assert.equal(r.detail.status, 'COMPLETE', `${r.detail.errorCode}: ${r.detail.errorMessage}`);
    const total = (
      r.events.find((e) => (e.detail as { status: string }).status === 'PROGRESSING')!.detail as {
        progress: { segmentsTotal: number };
      }
    ).progress.segmentsTotal;
    assert.equal(total, 10, 'segments planned');
    assert.equal(r.copies, 0, 'CopyObject requests');
    const published = (await keysUnder(stack, stack.config.OUTPUT_BUCKET, `${r.jobId}/`)).map((k) =>
      k.slice(r.jobId.length + 1),
    );
    for (const m of [
      'hls/master.m3u8',
      'hls/240p.m3u8',
      'hls/audio.m3u8',
      'dash/manifest.mpd',
      'mp4/240p.mp4',
      'cmaf/240p/init.mp4',
    ])
      assert.ok(published.includes(m), m);
    assert.equal(published.filter((k) => /^cmaf\/240p\/seg-\d+\.m4s$/.test(k)).length, 10, 'one fragment per segment');
    assert.deepEqual(await keysUnder(stack, stack.config.WORK_BUCKET, `jobs/${r.jobId}/`), [], 'work prefix cleaned');
    assert.ok(r.writes <= WRITE_BOUND, `${r.writes} writes to the job item for 10 segments`);
  });

  it('a job canceled while its ECS worker encodes: after the worker exits, nothing of the job is left in either bucket', async () => {
    const file = path.join(dir, `in-${++n}.mp4`);
    await generateSample({ durationSec: 20, width: 640, height: 360, fps: 25, audio: true, output: file });
    const key = `uploads/${n}.mp4`;
    const ingested = stack.waitForIngest(key);
    let started: (ev: LocalTaskEvent) => void = () => {};
    let stopped: (ev: LocalTaskEvent) => void = () => {};
    const startedP = new Promise<LocalTaskEvent>((r) => (started = r));
    const stoppedP = new Promise<LocalTaskEvent>((r) => (stopped = r));
    let jobId = '';
    const onTask = (ev: LocalTaskEvent) => {
      if (ev.jobId !== jobId) return;
      if (ev.type === 'started') started(ev);
      if (ev.type === 'stopped') stopped(ev);
    };
    stack.ecs.on('task', onTask);
    try {
      await stack.s3.send(
        new PutObjectCommand({
          Bucket: stack.config.INGEST_BUCKET,
          Key: key,
          Body: createReadStream(file),
          ContentLength: statSync(file).size,
          Metadata: { preset: 'h264-single-480p', engine: 'ecs' },
        }),
      );
      const ing = await ingested;
      if (!ing.started) throw new Error(`not started: ${ing.reason}`);
      jobId = ing.jobId;
      const ev0 = await startedP;
      // Cancel while an ffmpeg of the worker runs (the worker then takes its time to stop it:
      // the window in which a late result used to land after the cancel's cleanup).
      const ffmpegRuns = () =>
        descendants(ev0.pid!).some((p) => {
          try {
            return readFileSync(`/proc/${p}/comm`, 'utf8').startsWith('ffmpeg');
          } catch {
            return false;
          }
        });
      for (let i = 0; i < 600 && !ffmpegRuns(); i++) await new Promise((r) => setTimeout(r, 50));
      assert.ok(ffmpegRuns(), 'an ffmpeg of the worker runs');
      const c = await cancelJob(stack.rt, jobId, stack.rt.log.logger({ step: 'test' }));
      assert.equal(c.outcome, 'canceled');
      const ev = await stoppedP;
      assert.notEqual(ev.exitCode, 0, 'the worker was stopped, not finished');
      await new Promise((r) => setTimeout(r, 1000));
      assert.deepEqual(
        await keysUnder(stack, stack.config.WORK_BUCKET, `jobs/${jobId}/`),
        [],
        'no late result.json (or anything) in the work prefix',
      );
      assert.deepEqual(
        await keysUnder(stack, stack.config.OUTPUT_BUCKET, `${jobId}/`),
        [],
        'nothing under the output prefix',
      );
    } finally {
      stack.ecs.off('task', onTask);
    }
  });

  it('a job that fails after its pieces and MP4 uploads exist: nothing left under its output prefix, its uploads aborted', async () => {
    failComplete = true;
    try {
      const r = await job(
        { durationSec: 4, width: 320, height: 240, fps: 25, audio: true },
        { preset: 'h264-single-480p', 'segment-seconds': '2' },
      );
      assert.equal(r.detail.status, 'ERROR');
      assert.equal(r.detail.errorCode, 'ENCODER_FAILED');
      assert.deepEqual(await keysUnder(stack, stack.config.OUTPUT_BUCKET, `${r.jobId}/`), [], 'no output object');
      assert.deepEqual(await keysUnder(stack, stack.config.WORK_BUCKET, `jobs/${r.jobId}/`), [], 'work prefix cleaned');
      // One MP4 rendition, one upload: aborted, its parts gone (src/local/s3Multipart.ts).
      assert.equal(r.aborts, 1, 'AbortMultipartUpload requests');
      assert.deepEqual(
        (await stack.openUploads(stack.config.OUTPUT_BUCKET)).filter((u) => u.key.startsWith(`${r.jobId}/`)),
        [],
        'no open multipart upload of the job',
      );
    } finally {
      failComplete = false;
    }
  });
});
