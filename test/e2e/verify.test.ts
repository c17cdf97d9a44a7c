/**
 * A job proves what it made (issue 21): a piece changed in S3 after its worker checked it (one
 * frame dropped from a fragment, between the segment step and Assemble) makes the job fail its
 * verification before anything is published: one ERROR event with VERIFICATION_FAILED naming the
 * rendition and the figure, no manifest, the output prefix emptied. The same upload untouched
 * COMPLETEs, its event carrying the verification (checked by runJob for every e2e job).
 */
import '../../src/util/quietWarnings.js';
import assert from 'node:assert/strict';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { LocalStack } from '../../src/local/stack.js';
import { generateSample } from '../../src/media/package/sample.js';
import { keepSamples, readFragments, trexDefaults } from '../../src/media/package/isobmff.js';
import { definition as assemble } from '../../functions/assemble.js';
import { runJob, keysUnder, objectBytes } from '../helpers/stack.js';
import { eventSchemaErrors } from '../helpers/eventSchema.js';

describe('verification: a changed piece fails the job instead of completing', function () {
  this.timeout(300_000);
  let dir: string;
  let stack: LocalStack;
  /** Jobs whose piece 1 of the first video rendition loses its last frame before Assemble runs. */
  const tamper = new Set<string>();
  const tampered: string[] = [];

  /** Drops the last frame of a fragment in place (a smaller, valid fragment with one frame fewer). */
  async function dropLastFrame(jobId: string): Promise<void> {
    const out = stack.config.OUTPUT_BUCKET;
    const track = (await keysUnder(stack, out, `${jobId}/cmaf/`))
      .map((k) => k.split('/')[2])
      .find((t) => !t.startsWith('audio'))!;
    const key = `${jobId}/cmaf/${track}/seg-00001.m4s`;
    const defaults = trexDefaults(await objectBytes(stack, out, `${jobId}/cmaf/${track}/init.mp4`));
    const media = await objectBytes(stack, out, key);
    const n = readFragments(media, defaults)[0].samples.length;
    await stack.s3.send(new PutObjectCommand({ Bucket: out, Key: key, Body: keepSamples(media, 0, n - 1, defaults) }));
    tampered.push(`${track} ${key}`);
  }

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'mt-verify-'));
    const log = createWriteStream(path.join(dir, 'log.jsonl'));
    stack = await LocalStack.start({
      dataDir: path.join(dir, 'stack'),
      logSink: (l) => log.write(`${l}\n`),
      taskHandlers: {
        // Assemble's layout phase runs after every segment step: the piece is changed just before.
        assemble: async (input) => {
          const i = input as { job: { jobId: string }; phase?: string };
          if ((i.phase ?? 'layout') === 'layout' && tamper.delete(i.job.jobId)) await dropLastFrame(i.job.jobId);
          return assemble.invoke(stack.rt, input);
        },
      },
    });
  });
  after(async () => {
    await stack?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const meta = { preset: 'h264-single-480p', 'segment-seconds': '1', outputs: 'hls,dash' };

  it('untouched: COMPLETE with the verification of every rendition', async () => {
    const file = path.join(dir, 'ok.mp4');
    await generateSample({ output: file, durationSec: 3, width: 320, height: 240, fps: 25, audio: true });
    const r = await runJob(stack, file, 'uploads/ok.mp4', meta);
    assert.equal(r.detail.status, 'COMPLETE', `${r.detail.errorCode}: ${r.detail.errorMessage}`);
    const v = r.detail.verification!;
    assert.deepEqual(
      v.renditions.map((x) => [x.name, x.framesIn, x.framesOut, x.piecesChecked]),
      [['240p', 75, 75, 2]],
    );
    for (const e of r.events) assert.deepEqual(eventSchemaErrors(e), []);
  });

  it('one frame dropped from a stored piece: ERROR VERIFICATION_FAILED naming the rendition and figure, nothing published', async () => {
    const file = path.join(dir, 'bad.mp4');
    await generateSample({ output: file, durationSec: 3, width: 320, height: 240, fps: 25, audio: true });
    const key = 'uploads/bad.mp4';
    // The job id is known only once the upload is ingested: tamper the next job that reaches Assemble.
    const ingested = stack.waitForIngest(key);
    const run = runJob(stack, file, key, meta);
    const ing = await ingested;
    assert.ok(ing.started, 'the job started');
    const jobId = ing.jobId;
    tamper.add(jobId);
    const r = await run;
    assert.equal(tampered.length, 1, 'the piece was changed');
    const statuses = r.events.map((e) => (e.detail as { status: string }).status);
    assert.deepEqual(
      statuses.filter((s) => ['COMPLETE', 'ERROR', 'CANCELED'].includes(s)),
      ['ERROR'],
      'one final event, ERROR',
    );
    assert.equal(r.detail.errorCode, 'VERIFICATION_FAILED', r.detail.errorMessage);
    assert.match(
      r.detail.errorMessage!,
      /^rendition 240p: bytes: segment 1's piece is \d+ bytes in the bucket, its worker wrote \d+/,
    );
    for (const e of r.events) assert.deepEqual(eventSchemaErrors(e), []);
    assert.deepEqual(await keysUnder(stack, stack.config.OUTPUT_BUCKET, `${jobId}/`), [], 'outputs removed');
    assert.deepEqual(await keysUnder(stack, stack.config.WORK_BUCKET, `jobs/${jobId}/`), [], 'work prefix cleaned');
  });
});
