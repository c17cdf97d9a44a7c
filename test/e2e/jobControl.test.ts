/**
 * Job control under races (issue 20, cases 1 and 3), on the local stack with real ffmpeg:
 * five concurrent cancels give exactly one CANCELED event; a cancel with 20 s segments leaves no
 * ffmpeg of the job 1 s after it was asked, whatever the segment length; after one segment's
 * ERROR the other segments' encoders are ended too.
 */
import '../../src/util/quietWarnings.js';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { LocalStack } from '../../src/local/stack.js';
import { TASK_FUNCTIONS } from '../../src/local/functions.js';
import { generateSample } from '../../src/media/package/sample.js';
import { cancelJob } from '../../src/pipeline/cancel.js';
import { EncoderError } from '../../src/errors.js';
import { listKeys } from '../../src/aws/s3.js';

/** Live (not zombie) processes whose command line names the job (its work folder is named after it). */
function processesOf(jobId: string): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc').filter((x) => /^\d+$/.test(x))) {
    try {
      const cmd = readFileSync(`/proc/${d}/cmdline`, 'utf8');
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      if (cmd.includes(jobId) && !/\) Z /.test(stat) && Number(d) !== process.pid) out.push(Number(d));
    } catch {
      /* gone */
    }
  }
  return out;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls until the job has no process left; the ms it took from `since`. */
async function goneAfter(jobId: string, since: number, limitMs: number): Promise<number> {
  for (;;) {
    if (processesOf(jobId).length === 0) return Date.now() - since;
    if (Date.now() - since > limitMs) return Infinity;
    await sleep(20);
  }
}

describe('job control: one cancel, work stopped now (issue 20)', function () {
  this.timeout(300_000);
  let dir: string;
  let stack: LocalStack;
  const logs: { message?: string; jobId?: string; timestamp?: string }[] = [];
  /** Segment `index` of a job fails (EncoderError) once the other segments' ffmpeg runs. */
  const failSegment = new Map<string, number>();

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'mt-jobctl-'));
    await generateSample({
      output: path.join(dir, 'src.mp4'),
      durationSec: 45,
      width: 854,
      height: 480,
      fps: 25,
      audio: true,
    });
    const real = TASK_FUNCTIONS.find((f) => f.name === 'transcodeSegment')!;
    stack = await LocalStack.start({
      dataDir: path.join(dir, 'data'),
      mapConcurrency: 2,
      logSink: (line) => logs.push(JSON.parse(line) as { message?: string }),
      taskHandlers: {
        transcodeSegment: async (input) => {
          const { job, index } = input as { job: { jobId: string }; index: number };
          if (failSegment.get(job.jobId) === index) {
            while (processesOf(job.jobId).length === 0) await sleep(50);
            await sleep(500);
            throw new EncoderError('ENCODER_FAILED', `segment ${index}: injected failure`);
          }
          return real.invoke(stack.rt, input);
        },
      },
    });
  });
  after(async () => {
    await stack?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  /** Uploads the 45 s source as 20 s segments and waits until a segment's ffmpeg encodes. */
  async function startEncoding(key: string, onStarted?: (jobId: string) => void): Promise<string> {
    const ingested = stack.waitForIngest(key, 60_000);
    await stack.s3.send(
      new PutObjectCommand({
        Bucket: 'ingest',
        Key: key,
        Body: readFileSync(path.join(dir, 'src.mp4')),
        Metadata: { preset: 'h264-single-480p', engine: 'lambda', 'segment-seconds': '20' },
      }),
    );
    const ing = await ingested;
    assert.ok(ing.started, JSON.stringify(ing));
    onStarted?.(ing.jobId);
    const deadline = Date.now() + 120_000;
    while (
      !logs.some(
        (l) => l.jobId === ing.jobId && l.message === 'step succeeded' && (l as { step?: string }).step === 'plan',
      ) ||
      processesOf(ing.jobId).length === 0
    ) {
      assert.ok(Date.now() < deadline, 'no segment encoder ever ran');
      assert.ok(
        !stack
          .jobEvents(ing.jobId)
          .some((e) => ['COMPLETE', 'ERROR'].includes((e.detail as { status: string }).status)),
        'the job ended before the test could act',
      );
      await sleep(50);
    }
    return ing.jobId;
  }

  it('five concurrent cancels: one wins, the others get its record or 409; one CANCELED event; no ffmpeg of the job 1 s after the cancel', async () => {
    const jobId = await startEncoding('uploads/cancel-race.mp4');
    const asked = Date.now();
    const outcomes = await Promise.all(
      [0, 1, 2, 3, 4].map(() => cancelJob(stack.rt, jobId, stack.rt.log.logger({ step: 'test' }))),
    );
    const returnedMs = Date.now() - asked;
    const goneMs = await goneAfter(jobId, asked, 5_000);
    await stack.sfn.wait(jobId);
    const finals = stack
      .jobEvents(jobId)
      .map((e) => (e.detail as { status: string }).status)
      .filter((s) => ['COMPLETE', 'ERROR', 'CANCELED'].includes(s));
    assert.deepEqual(finals, ['CANCELED'], 'exactly one final event');
    assert.equal(outcomes.filter((o) => o.outcome === 'canceled').length, 1, 'one cancel wins');
    // The others raced it (the same record: 200) or read the job already CANCELED (409).
    assert.ok(
      outcomes.every((o) => ['canceled', 'joined', 'final'].includes(o.outcome)),
      JSON.stringify(outcomes.map((o) => o.outcome)),
    );
    const winner = outcomes.find((o) => o.outcome === 'canceled');
    for (const o of outcomes)
      if (o.outcome === 'joined' && winner?.outcome === 'canceled')
        assert.equal(o.record.updatedAt, winner.record.updatedAt, 'the same record');
    for (const o of outcomes) assert.equal(o.outcome !== 'missing' && o.record.status, 'CANCELED');
    assert.ok(
      goneMs <= 1_000,
      `every ffmpeg of the job ended within 1 s of the cancel (took ${goneMs} ms; the cancel returned after ${returnedMs} ms)`,
    );
    const after = logs.filter(
      (l) => l.jobId === jobId && l.message === 'segment done' && Date.parse(l.timestamp ?? '') > asked,
    );
    assert.deepEqual(after, [], 'no segment finishes after the cancel');
    assert.deepEqual(await listKeys(stack.s3, 'work', `jobs/${jobId}/`), [], 'no work files left');
  });

  it("after one segment's ERROR, the other segments' ffmpeg is ended within 1 s", async () => {
    let jobId = '';
    const started = startEncoding('uploads/fail-one.mp4', (id) => {
      jobId = id;
      failSegment.set(id, 1);
    });
    await started;
    const deadline = Date.now() + 60_000;
    let errorAt: number | undefined;
    while (errorAt === undefined) {
      if (stack.jobEvents(jobId).some((e) => (e.detail as { status: string }).status === 'ERROR')) errorAt = Date.now();
      assert.ok(Date.now() < deadline, 'the job never failed');
      await sleep(20);
    }
    const goneMs = await goneAfter(jobId, errorAt, 5_000);
    assert.ok(goneMs <= 1_000, `the other segments' ffmpeg ended within 1 s of the ERROR (took ${goneMs} ms)`);
    await stack.sfn.wait(jobId);
    const finals = stack
      .jobEvents(jobId)
      .map((e) => e.detail as { status: string; errorCode?: string })
      .filter((d) => ['COMPLETE', 'ERROR', 'CANCELED'].includes(d.status));
    assert.deepEqual(
      finals.map((d) => [d.status, d.errorCode]),
      [['ERROR', 'ENCODER_FAILED']],
    );
  });
});
