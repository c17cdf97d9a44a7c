/**
 * Progress from segments (src/pipeline/progress.ts) against a real DynamoDB API (dynalite in
 * memory): concurrent segment functions count each segment once and announce at most one
 * STATUS_UPDATE per 10 % step, or one more after 60 s; nothing after the job has ended.
 */
import '../../src/util/quietWarnings.js';
import assert from 'node:assert/strict';
import { createRuntime, type Runtime } from '../../src/runtime.js';
import { parseConfig } from '../../src/config.js';
import { JobStore, newRecord } from '../../src/pipeline/jobStore.js';
import { startJobsDb, type LocalJobsDb } from '../../src/local/jobsDb.js';
import { describeProgress, etaSeconds, reportSegmentDone } from '../../src/pipeline/progress.js';
import { buildJobInput, type JobInput } from '../../src/pipeline/job.js';
import type { EventEntry } from '../../src/aws/events.js';
import { eventSchemaErrors } from '../helpers/eventSchema.js';

describe('progress: STATUS_UPDATE events from segment completions', () => {
  let db: LocalJobsDb;
  let rt: Runtime;
  const events: EventEntry[] = [];
  const log = { warn: (m: string, f: unknown) => assert.fail(`${m}: ${String((f as { error?: unknown }).error)}`) } as never;
  const config = parseConfig({ INGEST_BUCKET: 'ingest', WORK_BUCKET: 'work', OUTPUT_BUCKET: 'output' });
  const job = (id: string): JobInput =>
    buildJobInput(config, { jobId: id, source: { bucket: 'ingest', key: 'a.mp4' }, request: { preset: 'h264-single-480p' }, submittedAt: new Date('2026-01-01T00:00:00Z') });
  const details = (id: string) => events.map((e) => JSON.parse(e.Detail) as { jobId: string; status: string; jobPercentComplete: number; progress: { segmentsDone: number } }).filter((d) => d.jobId === id);

  before(async () => {
    db = await startJobsDb({ tableName: 'jobs' });
    rt = createRuntime(config, { jobs: new JobStore(db.client, 'jobs'), events: { put: async (e) => void events.push(e) }, logSink: () => undefined });
  });
  after(async () => db.close());

  it('20 segments finishing at once (some twice): each counted once, at most one event per 10 % step', async () => {
    const j = job('j-progress-1');
    await rt.jobs.advance(newRecord(j), 'PROGRESSING', { segmentsTotal: 20 });
    const now = Date.now();
    const indexes = [...Array.from({ length: 20 }, (_, i) => i), 3, 7, 19];
    await Promise.all(indexes.map((i) => reportSegmentDone(rt, j, i, log, 'lambda', now)));
    const rec = await rt.jobs.get(j.jobId);
    assert.equal(rec?.segmentsDone, 20, 'retried segments count once');
    const sent = details(j.jobId);
    assert.ok(sent.length >= 1 && sent.length <= 10, `${sent.length} events`);
    const steps = sent.map((d) => Math.floor(d.jobPercentComplete / 10));
    assert.equal(new Set(steps).size, steps.length, `one event per step: ${steps.join(',')}`);
    for (const e of events) {
      const delivered = { version: '0', id: 'x', 'detail-type': e.DetailType, source: e.Source, account: '000000000000', time: new Date().toISOString(), region: 'us-east-1', resources: e.Resources, detail: JSON.parse(e.Detail) as unknown };
      assert.deepEqual(eventSchemaErrors(delivered), [], 'docs/schemas/job-event.schema.json');
    }
    assert.ok(sent.every((d) => d.status === 'STATUS_UPDATE' && d.jobPercentComplete <= 99));
  });

  it('one segment at a time: an event per step; after 60 s the same step once more; none after COMPLETE', async () => {
    const j = job('j-progress-2');
    await rt.jobs.advance(newRecord(j), 'PROGRESSING', { segmentsTotal: 10 });
    const t0 = Date.now();
    for (let i = 0; i < 3; i++) await reportSegmentDone(rt, j, i, log, 'lambda', t0 + i);
    assert.deepEqual(details(j.jobId).map((d) => d.jobPercentComplete), [10, 20, 30]);
    // Same step (a duplicate delivery of segment 2) within 60 s: nothing; after 60 s: one more.
    assert.equal((await reportSegmentDone(rt, j, 2, log, 'lambda', t0 + 10_000)).announced, false);
    assert.equal((await reportSegmentDone(rt, j, 2, log, 'lambda', t0 + 61_000)).announced, true);
    await rt.jobs.advance(newRecord(j), 'COMPLETE', { outputs: [] });
    assert.equal((await reportSegmentDone(rt, j, 3, log, 'lambda', t0 + 200_000)).announced, false, 'nothing after COMPLETE');
    assert.equal(details(j.jobId).length, 4);
  });
});

describe('progress: the CLI line (percent and ETA)', () => {
  it('percent from segments, never 100 before COMPLETE; ETA from the rate so far', () => {
    assert.equal(describeProgress(0, 10, 5_000), 'segments 0/10  0%');
    assert.equal(describeProgress(3, 10, 6_000), 'segments 3/10  30%  ETA 14s');
    assert.equal(describeProgress(10, 10, 9_000), 'segments 10/10  99%  ETA 0s');
    assert.equal(etaSeconds(1, 4, 0), undefined);
  });
});
