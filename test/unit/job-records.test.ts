/**
 * Job records read back are checked against the one JobRecord schema (issue 20, case 7): a record
 * that does not match is answered 500 JOB_RECORD_INVALID and logged, never served or acted on;
 * and a cancel's write of CANCELED is refused over CANCELED (case 1), so racing cancels have one
 * winner. Records in an in-memory dynalite; answers checked against docs/openapi.json.
 */
import '../../src/util/quietWarnings.js';
import assert from 'node:assert/strict';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { S3Client, ListObjectsV2Command } from '@aws-sdk/client-s3';
import type { EventEntry } from '../../src/aws/events.js';
import { createRuntime, type Runtime } from '../../src/runtime.js';
import { parseConfig } from '../../src/config.js';
import { definition as getJob } from '../../functions/api/getJob.js';
import { definition as listJobs } from '../../functions/api/listJobs.js';
import { definition as cancelJob } from '../../functions/api/cancelJob.js';
import type { FunctionDefinition } from '../../src/pipeline/handler.js';
import type { HttpApiEvent, HttpApiResult } from '../../src/api/http.js';
import { JobStore, JobRecordInvalidError, type JobRecord } from '../../src/pipeline/jobStore.js';
import { startJobsDb, type LocalJobsDb } from '../../src/local/jobsDb.js';
import { responseValidator } from '../helpers/openapi.js';

function event(method: string, path: string, params?: Record<string, string>): HttpApiEvent {
  return {
    version: '2.0',
    routeKey: `${method} ${path}`,
    rawPath: path,
    rawQueryString: '',
    headers: {},
    ...(params ? { pathParameters: params } : {}),
    isBase64Encoded: false,
    requestContext: { requestId: 'req-7', http: { method, path } },
  };
}

describe('job records: validated when read back, one winner for CANCELED', () => {
  let db: LocalJobsDb;
  let store: JobStore;
  let rt: Runtime;
  const events: EventEntry[] = [];
  const stops: string[] = [];
  const s3 = new S3Client({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
  const s3mock = mockClient(s3);
  const logs: Record<string, unknown>[] = [];
  const v = responseValidator();
  const call = async (h: FunctionDefinition<HttpApiResult>, method: string, template: string, e: HttpApiEvent) => {
    const res = await h.invoke(rt, e);
    const json = JSON.parse(res.body) as Record<string, unknown>;
    v.check(method, template, res.statusCode, json);
    return { status: res.statusCode, json };
  };
  const good: JobRecord = {
    jobId: 'j-000000000000000000000071',
    status: 'PROGRESSING',
    source: 's3://ingest/a.mp4',
    preset: 'h264-single-480p',
    userMetadata: {},
    submittedAt: '2025-01-01T00:00:00.000Z',
    updatedAt: '2025-01-01T00:00:05.000Z',
  };
  /** Stores an item as it is, past the store's own writes (a hand edit, an old writer, a bug). */
  const putRaw = (item: Record<string, unknown>) =>
    db.client.send(
      new PutCommand({
        TableName: 'jobs',
        Item: { listPk: 'JOB', listKey: `${String(item.submittedAt)}#${String(item.jobId)}`, rank: 1, ...item },
      }),
    );

  before(async () => {
    db = await startJobsDb({ tableName: 'jobs' });
    store = new JobStore(db.client, 'jobs');
    rt = createRuntime(parseConfig({ INGEST_BUCKET: 'ingest', WORK_BUCKET: 'work', OUTPUT_BUCKET: 'output' }), {
      jobs: store,
      s3,
      events: { put: async (e) => void events.push(e) },
      stopper: { stop: async (arn) => void stops.push(arn) },
      logSink: (line) => logs.push(JSON.parse(line) as Record<string, unknown>),
    });
  });
  after(async () => {
    s3mock.restore();
    await db.close();
  });

  it('a status outside the enum or a numeric source: 500 JOB_RECORD_INVALID on GET, DELETE and the listing, logged with what does not match', async () => {
    const badStatus = { ...good, jobId: 'j-bad-status', status: 'PAUSED' };
    const badSource = { ...good, jobId: 'j-bad-source', source: 42 };
    await putRaw(badStatus);
    await putRaw(badSource);
    for (const id of [badStatus.jobId, badSource.jobId]) {
      const g = await call(getJob, 'GET', '/jobs/{id}', event('GET', `/jobs/${id}`, { id }));
      assert.deepEqual([g.status, g.json.code], [500, 'JOB_RECORD_INVALID'], JSON.stringify(g.json));
      assert.match(String(g.json.message), new RegExp(id));
      const d = await call(cancelJob, 'DELETE', '/jobs/{id}', event('DELETE', `/jobs/${id}`, { id }));
      assert.deepEqual(
        [d.status, d.json.code],
        [500, 'JOB_RECORD_INVALID'],
        `DELETE never acts on it: ${JSON.stringify(d.json)}`,
      );
    }
    const l = await call(listJobs, 'GET', '/jobs', event('GET', '/jobs'));
    assert.deepEqual([l.status, l.json.code], [500, 'JOB_RECORD_INVALID']);
    const logged = logs.filter((x) => x.level === 'ERROR' && x.code === 'JOB_RECORD_INVALID');
    assert.ok(logged.length >= 5, `every refusal is logged (${logged.length})`);
    assert.match(JSON.stringify(logged[0]), /status/, 'the log says what does not match');
    await assert.rejects(
      store.get(badSource.jobId),
      (e: unknown) => e instanceof JobRecordInvalidError && e.name === 'JobRecordInvalid' && /source/.test(e.message),
    );
  });

  it('five concurrent DELETEs: one stop, one cleanup, one CANCELED event; the racers get 200 with the same record, later ones 409', async () => {
    const j = {
      ...good,
      jobId: 'j-000000000000000000000072',
      submittedAt: '2025-01-03T00:00:00.000Z',
      executionArn: 'arn:exec:72',
    };
    await store.create({ ...j, status: 'SUBMITTED' });
    await store.advance(j, 'PROGRESSING', { segmentsTotal: 4 });
    // The cleanup lists the job's recorded multipart uploads, its output and work prefixes (nothing
    // there): exact request shapes.
    s3mock.reset();
    s3mock.on(ListObjectsV2Command).resolves({ Contents: [] });
    const del = () => call(cancelJob, 'DELETE', '/jobs/{id}', event('DELETE', `/jobs/${j.jobId}`, { id: j.jobId }));
    const answers = await Promise.all([del(), del(), del(), del(), del()]);
    const ok = answers.filter((a) => a.status === 200);
    assert.ok(
      ok.length >= 1 &&
        answers.every((a) => a.status === 200 || (a.status === 409 && a.json.code === 'JOB_ALREADY_FINAL')),
      JSON.stringify(answers.map((a) => a.status)),
    );
    for (const a of ok) assert.deepEqual(a.json, ok[0].json, 'every 200 is the same record');
    assert.equal(ok[0].json.status, 'CANCELED');
    const canceled = events.filter((e) => JSON.parse(e.Detail).jobId === j.jobId);
    assert.deepEqual(
      canceled.map((e) => JSON.parse(e.Detail).status),
      ['CANCELED'],
      'one CANCELED event (so one webhook)',
    );
    assert.deepEqual(stops, ['arn:exec:72'], 'the execution is stopped once');
    const lists = s3mock
      .commandCalls(ListObjectsV2Command)
      .map((c) => [c.args[0].input.Bucket, c.args[0].input.Prefix]);
    assert.deepEqual(
      lists,
      [
        ['work', `jobs/${j.jobId}/uploads/`],
        ['output', `${j.jobId}/`],
        ['work', `jobs/${j.jobId}/`],
      ],
      'one cleanup',
    );
    const later = await del();
    assert.deepEqual([later.status, later.json.code], [409, 'JOB_ALREADY_FINAL']);
  });

  it('CANCELED over CANCELED is refused for a cancel: of five racing writes exactly one succeeds', async () => {
    const j = { ...good, jobId: 'j-cancel-race', submittedAt: '2025-01-02T00:00:00.000Z' };
    await store.advance(j, 'PROGRESSING');
    const r = await Promise.all([0, 1, 2, 3, 4].map(() => store.advance(j, 'CANCELED', {}, { onlyForward: true })));
    assert.equal(r.filter(Boolean).length, 1, 'one winner');
    assert.equal((await store.get(j.jobId))?.status, 'CANCELED');
    assert.ok(await store.advance(j, 'CANCELED'), 'a retried emitter may still repeat its status');
  });
});
