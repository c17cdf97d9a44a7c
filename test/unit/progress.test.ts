/**
 * Progress from segments (src/pipeline/progress.ts) against the real protocols: segment results
 * in s3rver (a segment is done when its result object exists), the job item in dynalite (the
 * DynamoDB API). Concurrent segment functions count each segment once and announce at most one
 * STATUS_UPDATE per 10 % step, or one more after 60 s; nothing after the job has ended; and the
 * job item is written a bounded number of times whatever the segment count (counted on the
 * DynamoDB client: PutItem/UpdateItem per key).
 */
import '../../src/util/quietWarnings.js';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import S3rver from 's3rver';
import { createRuntime, type Runtime } from '../../src/runtime.js';
import { parseConfig } from '../../src/config.js';
import { createS3Client, putJson } from '../../src/aws/s3.js';
import { JobStore, newRecord } from '../../src/pipeline/jobStore.js';
import { startJobsDb, type LocalJobsDb } from '../../src/local/jobsDb.js';
import { LOCAL_CREDENTIALS } from '../../src/local/stack.js';
import { describeProgress, etaSeconds, reportSegmentDone } from '../../src/pipeline/progress.js';
import { buildJobInput, keys, type JobInput } from '../../src/pipeline/job.js';
import type { EventEntry } from '../../src/aws/events.js';
import { eventSchemaErrors } from '../helpers/eventSchema.js';
import { countRequests, type RequestCounts } from '../helpers/requestCounts.js';
import { mapLimit } from '../../src/util/mapLimit.js';

describe('progress: STATUS_UPDATE events from segment completions', function () {
  this.timeout(120_000);
  let db: LocalJobsDb;
  let s3rver: S3rver;
  let dir: string;
  let rt: Runtime;
  let counts: RequestCounts;
  const events: EventEntry[] = [];
  const log = {
    warn: (m: string, f: unknown) => assert.fail(`${m}: ${String((f as { error?: unknown }).error)}`),
  } as never;
  let config: ReturnType<typeof parseConfig>;
  const job = (id: string): JobInput =>
    buildJobInput(config, {
      jobId: id,
      source: { bucket: 'ingest', key: 'a.mp4' },
      request: { preset: 'h264-single-480p' },
      submittedAt: new Date('2026-01-01T00:00:00Z'),
    });
  const details = (id: string) =>
    events
      .map(
        (e) =>
          JSON.parse(e.Detail) as {
            jobId: string;
            status: string;
            jobPercentComplete: number;
            progress: { segmentsDone: number };
          },
      )
      .filter((d) => d.jobId === id);
  /** What a segment function does once its encode is done: its result written, then counted. */
  const segmentDone = async (j: JobInput, i: number, nowMs = Date.now()) => {
    await putJson(rt.s3, { bucket: 'work', key: keys.segmentResult(j.jobId, i) }, { index: i });
    return reportSegmentDone(rt, j, i, log, 'lambda', nowMs);
  };

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'mt-progress-'));
    s3rver = new S3rver({
      address: '127.0.0.1',
      port: 0,
      silent: true,
      directory: dir,
      configureBuckets: [{ name: 'work' }],
    });
    const { port } = await s3rver.run();
    config = parseConfig({
      INGEST_BUCKET: 'ingest',
      WORK_BUCKET: 'work',
      OUTPUT_BUCKET: 'output',
      S3_ENDPOINT: `http://127.0.0.1:${port}`,
    });
    db = await startJobsDb({ tableName: 'jobs' });
    counts = countRequests(db.client);
    rt = createRuntime(config, {
      s3: createS3Client(config, LOCAL_CREDENTIALS),
      jobs: new JobStore(db.client, 'jobs'),
      events: { put: async (e) => void events.push(e) },
      logSink: () => undefined,
    });
  });
  after(async () => {
    counts?.stop();
    await db?.close();
    await s3rver?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('20 segments finishing at once (some twice): each counted once, at most one event per 10 % step', async () => {
    const j = job('j-progress-1');
    await rt.jobs.advance(newRecord(j), 'PROGRESSING', { segmentsTotal: 20 });
    const now = Date.now();
    const indexes = [...Array.from({ length: 20 }, (_, i) => i), 3, 7, 19];
    await Promise.all(indexes.map((i) => segmentDone(j, i, now)));
    const sent = details(j.jobId);
    assert.ok(sent.length >= 1 && sent.length <= 10, `${sent.length} events`);
    const steps = sent.map((d) => Math.floor(d.jobPercentComplete / 10));
    assert.equal(new Set(steps).size, steps.length, `one event per step: ${steps.join(',')}`);
    assert.ok(
      sent.every((d) => d.progress.segmentsDone <= 20),
      'retried segments count once',
    );
    for (const e of events) {
      const delivered = {
        version: '0',
        id: 'x',
        'detail-type': e.DetailType,
        source: e.Source,
        account: '000000000000',
        time: new Date().toISOString(),
        region: 'us-east-1',
        resources: e.Resources,
        detail: JSON.parse(e.Detail) as unknown,
      };
      assert.deepEqual(eventSchemaErrors(delivered), [], 'docs/schemas/job-event.schema.json');
    }
    assert.ok(sent.every((d) => d.status === 'STATUS_UPDATE' && d.jobPercentComplete <= 99));
    const rec = await rt.jobs.get(j.jobId);
    assert.ok(
      (rec?.segmentsDone ?? 0) >= 1 && (rec?.segmentsDone ?? 0) <= 20,
      `the record holds the count last announced: ${rec?.segmentsDone}`,
    );
  });

  it('one segment at a time: an event per step; after 60 s the same step once more; none after COMPLETE', async () => {
    const j = job('j-progress-2');
    await rt.jobs.advance(newRecord(j), 'PROGRESSING', { segmentsTotal: 10 });
    const t0 = Date.now();
    for (let i = 0; i < 3; i++) await segmentDone(j, i, t0 + i);
    assert.deepEqual(
      details(j.jobId).map((d) => d.jobPercentComplete),
      [10, 20, 30],
    );
    assert.equal((await rt.jobs.get(j.jobId))?.segmentsDone, 3, 'GET /jobs/{id} shows the count announced');
    // Same step (a duplicate delivery of segment 2) within 60 s: nothing; after 60 s: one more.
    assert.equal((await segmentDone(j, 2, t0 + 10_000)).announced, false);
    assert.equal((await segmentDone(j, 2, t0 + 61_000)).announced, true);
    await rt.jobs.advance(newRecord(j), 'COMPLETE', { outputs: [] });
    assert.equal((await segmentDone(j, 3, t0 + 200_000)).announced, false, 'nothing after COMPLETE');
    assert.equal(details(j.jobId).length, 4);
  });

  // The hot key: every segment used to ADD its index to the job item (900 conditional writes to
  // one growing item within seconds). Now the item is written only by the caller that crosses a
  // step (or finds the last announcement 60 s old): the create, PROGRESSING, at most ten steps,
  // plus the few callers that saw the same crossing at once (each write a conditional one).
  for (const n of [1, 10, 100]) {
    it(`${n} segment(s), 16 at a time: the job item is written a bounded number of times (not once per segment)`, async () => {
      const j = job(`j-writes-${n}`);
      assert.equal(await rt.jobs.create(newRecord(j)), true);
      await rt.jobs.advance(newRecord(j), 'PROGRESSING', { segmentsTotal: n });
      await mapLimit(
        Array.from({ length: n }, (_, i) => i),
        16,
        (i) => segmentDone(j, i),
      );
      const writes = counts.writesByJob.get(j.jobId) ?? 0;
      const steps = details(j.jobId).length;
      assert.ok(steps >= (n >= 10 ? 1 : 0), `${steps} STATUS_UPDATE events`);
      // create + PROGRESSING + one conditional write per step crossed (ten steps at most, each
      // tried by the one segment whose result crossed it) + two for the races of a LIST: the same
      // for any segment count.
      const bound = 2 + 10 + 2;
      assert.ok(writes <= bound, `${writes} writes to the job item for ${n} segments (bound ${bound})`);
    });
  }
});

describe('progress: the CLI line (percent and ETA)', () => {
  it('percent from segments, never 100 before COMPLETE; ETA from the rate so far', () => {
    assert.equal(describeProgress(0, 10, 5_000), 'segments 0/10  0%');
    assert.equal(describeProgress(3, 10, 6_000), 'segments 3/10  30%  ETA 14s');
    assert.equal(describeProgress(10, 10, 9_000), 'segments 10/10  99%  ETA 0s');
    assert.equal(etaSeconds(1, 4, 0), undefined);
  });
});
