/**
 * The Lambda handlers of the API with a mocked S3 client and the job records in an in-memory
 * dynalite: status codes and bodies of the paths the local stack cannot produce on demand (S3
 * or DynamoDB failing transiently), and of the read paths (indexed listing, pagination).
 * Every answer is checked against docs/openapi.json.
 */
import '../../src/util/quietWarnings.js';
import assert from 'node:assert/strict';
import { mockClient } from 'aws-sdk-client-mock';
import { S3Client, HeadObjectCommand } from '@aws-sdk/client-s3';
import { createRuntime, type Runtime } from '../../src/runtime.js';
import { parseConfig } from '../../src/config.js';
import { definition as getJob } from '../../functions/api/getJob.js';
import { definition as listJobs } from '../../functions/api/listJobs.js';
import { definition as createJob } from '../../functions/api/createJob.js';
import { definition as createUpload } from '../../functions/api/createUpload.js';
import type { FunctionDefinition } from '../../src/pipeline/handler.js';
import type { HttpApiEvent, HttpApiResult } from '../../src/api/http.js';
import { TemplateStore } from '../../src/templates/store.js';
import { JobStore, type JobRecord } from '../../src/pipeline/jobStore.js';
import { startJobsDb, type LocalJobsDb } from '../../src/local/jobsDb.js';
import { responseValidator } from '../helpers/openapi.js';

const awsError = (name: string, status: number) =>
  Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });

function event(
  method: string,
  path: string,
  p: { body?: unknown; query?: Record<string, string>; params?: Record<string, string> } = {},
): HttpApiEvent {
  return {
    version: '2.0',
    routeKey: `${method} ${path}`,
    rawPath: path,
    rawQueryString: '',
    headers: { 'content-type': 'application/json' },
    ...(p.query ? { queryStringParameters: p.query } : {}),
    ...(p.params ? { pathParameters: p.params } : {}),
    ...(p.body !== undefined ? { body: JSON.stringify(p.body) } : {}),
    isBase64Encoded: false,
    requestContext: { requestId: 'req-1', http: { method, path } },
  };
}

describe('API handlers (mocked S3, records in dynalite)', () => {
  const s3 = new S3Client({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
  const mock = mockClient(s3);
  const v = responseValidator();
  const starts: string[] = [];
  const call = async (h: FunctionDefinition<HttpApiResult>, method: string, template: string, e: HttpApiEvent) => {
    const res = await h.invoke(rt, e);
    const json = JSON.parse(res.body) as Record<string, unknown>;
    v.check(method, template, res.statusCode, json);
    assert.equal(res.headers['x-request-id'], 'req-1');
    assert.match(res.headers['content-type'], /^application\/json/);
    if (res.statusCode >= 400) assert.deepEqual(Object.keys(json).sort(), ['code', 'message']);
    return { status: res.statusCode, json, headers: res.headers };
  };
  const rec: JobRecord = {
    jobId: 'j-000000000000000000000001',
    status: 'PROGRESSING',
    source: 's3://ingest/a.mp4',
    preset: 'h264-single-480p',
    userMetadata: { k: 'v' },
    submittedAt: '2025-01-01T00:00:00.000Z',
    updatedAt: '2025-01-01T00:00:05.000Z',
    segmentsTotal: 5,
  };
  let db: LocalJobsDb;
  let store: JobStore;
  /** Set to make every record read fail with this error. */
  let failWith: Error | undefined;
  const jobs = new Proxy({} as JobStore, {
    get: (_, k: keyof JobStore) => {
      if (failWith) return () => Promise.reject(failWith);
      const v = store[k];
      return typeof v === 'function' ? v.bind(store) : v;
    },
  });
  before(async () => {
    db = await startJobsDb({ tableName: 'jobs' });
    store = new JobStore(db.client, 'jobs');
  });
  after(async () => db.close());

  const rt: Runtime = createRuntime(
    parseConfig({ INGEST_BUCKET: 'ingest', WORK_BUCKET: 'work', OUTPUT_BUCKET: 'output' }),
    {
      s3,
      jobs,
      // Stored templates in the same dynalite table (a job naming an unknown one looks there).
      templates: new Proxy({} as TemplateStore, {
        get:
          (_, k: keyof TemplateStore) =>
          (...a: never[]) =>
            (new TemplateStore(db.client, 'jobs')[k] as (...x: never[]) => unknown)(...a),
      }),
      events: { put: async () => undefined },
      starter: {
        start: async (name) => {
          starts.push(name);
          return { executionArn: `arn:${name}`, alreadyStarted: false };
        },
      },
      logSink: () => undefined,
    },
  );
  after(() => mock.restore());
  beforeEach(() => {
    mock.reset();
    failWith = undefined;
  });

  it('GET /jobs/{id}: the record with progress counted on the record', async () => {
    assert.equal(await store.create({ ...rec, status: 'SUBMITTED' }), true);
    assert.equal(await store.create({ ...rec, status: 'SUBMITTED' }), false, 'a second create writes nothing');
    await store.advance(rec, 'PROGRESSING', { segmentsTotal: 5 });
    // Segment functions record the count they announced (src/pipeline/progress.ts).
    assert.equal(
      await store.claimProgress(rec.jobId, {
        step: 4,
        percent: 40,
        phase: 'TRANSCODING',
        nowMs: Date.now(),
        minIntervalMs: 60_000,
        done: 2,
      }),
      true,
    );
    const r = await call(
      getJob,
      'GET',
      '/jobs/{id}',
      event('GET', `/jobs/${rec.jobId}`, { params: { id: rec.jobId } }),
    );
    assert.equal(r.status, 200);
    assert.deepEqual(r.json.progress, { segmentsDone: 2, segmentsTotal: 5, percent: 40, phase: 'TRANSCODING' });
    assert.deepEqual(r.json.outputs, []);
    assert.equal(r.json.error, null);
  });

  it('records only move forward: nothing after a final status, never two final statuses', async () => {
    const j = { ...rec, jobId: 'j-forward' };
    assert.ok(
      await store.advance(j, 'PROGRESSING', { segmentsTotal: 2 }),
      'PROGRESSING creates the record when the emitter runs first',
    );
    assert.equal(await store.create({ ...j, status: 'SUBMITTED' }), false, 'SUBMITTED never overwrites PROGRESSING');
    assert.equal((await store.get(j.jobId))?.status, 'PROGRESSING');
    assert.ok(await store.advance(j, 'PROGRESSING'), 'the same status again (a retried emitter) is accepted');
    assert.ok(await store.advance(j, 'COMPLETE', { outputs: [] }));
    assert.equal(await store.advance(j, 'PROGRESSING'), undefined, 'no PROGRESSING after COMPLETE');
    assert.equal(
      await store.advance(j, 'ERROR', { error: { code: 'X', message: 'late' } }),
      undefined,
      'no ERROR after COMPLETE',
    );
    assert.equal(await store.advance(j, 'CANCELED'), undefined, 'no CANCELED after COMPLETE');
    assert.equal(
      await store.claimProgress(j.jobId, {
        step: 5,
        percent: 50,
        phase: 'TRANSCODING',
        nowMs: Date.now(),
        minIntervalMs: 60_000,
        done: 1,
      }),
      false,
      'no progress after COMPLETE',
    );
    const got = await store.get(j.jobId);
    assert.deepEqual([got?.status, got?.error, got?.segmentsTotal], ['COMPLETE', undefined, 2]);
    // Concurrent final writes: exactly one wins.
    const k = { ...rec, jobId: 'j-race' };
    await store.advance(k, 'PROGRESSING');
    const results = await Promise.all(
      (['COMPLETE', 'ERROR', 'CANCELED', 'ERROR', 'CANCELED'] as const).map((st) => store.advance(k, st)),
    );
    const winners = new Set(results.filter(Boolean).map((r) => r!.status));
    assert.equal(winners.size, 1, `one final status wins: ${[...winners].join(',')}`);
    assert.equal((await store.get(k.jobId))?.status, [...winners][0]);
  });

  it('GET /jobs/{id}: 404 unknown, 400 malformed id, 503 when DynamoDB fails transiently', async () => {
    assert.deepEqual(
      (await call(getJob, 'GET', '/jobs/{id}', event('GET', '/jobs/j-unknown', { params: { id: 'j-unknown' } }))).json
        .code,
      'JOB_NOT_FOUND',
    );
    const bad = await call(getJob, 'GET', '/jobs/{id}', event('GET', '/jobs/x', { params: { id: '../etc' } }));
    assert.deepEqual([bad.status, bad.json.code], [400, 'INVALID_JOB_ID']);
    failWith = awsError('InternalServerError', 500);
    const down = await call(getJob, 'GET', '/jobs/{id}', event('GET', '/jobs/j-1', { params: { id: 'j-1' } }));
    assert.deepEqual([down.status, down.json.code], [503, 'SERVICE_UNAVAILABLE']);
    assert.ok(Number(down.headers['retry-after']) > 0);
    failWith = awsError('AccessDeniedException', 400);
    const denied = await call(getJob, 'GET', '/jobs/{id}', event('GET', '/jobs/j-1', { params: { id: 'j-1' } }));
    assert.deepEqual([denied.status, denied.json.code, denied.json.message], [500, 'INTERNAL', 'internal error']);
  });

  it('GET /jobs: newest first, by status, every job exactly once across pages', async () => {
    const db2 = await startJobsDb({ tableName: 'list' });
    const prev = store;
    store = new JobStore(db2.client, 'list');
    try {
      const all = Array.from({ length: 7 }, (_, i) => ({
        ...rec,
        jobId: `j-${i}`,
        submittedAt: `2025-01-0${i + 1}T00:00:00.000Z`,
      }));
      for (const [i, r] of [3, 0, 6, 1, 5, 2, 4].map((i) => [i, all[i]] as const)) {
        await store.create(r);
        if (i % 2) await store.advance(r, 'ERROR', { error: { code: 'INPUT_UNREADABLE', message: 'x' } });
      }
      const seen: string[] = [];
      let token: string | undefined;
      let pages = 0;
      do {
        const r = await call(
          listJobs,
          'GET',
          '/jobs',
          event('GET', '/jobs', { query: { limit: '3', ...(token ? { nextToken: token } : {}) } }),
        );
        assert.equal(r.status, 200);
        assert.equal(r.json.limit, 3);
        seen.push(...(r.json.jobs as { jobId: string }[]).map((j) => j.jobId));
        token = (r.json.nextToken as string | null) ?? undefined;
        pages++;
      } while (token && pages < 10);
      assert.deepEqual(seen, ['j-6', 'j-5', 'j-4', 'j-3', 'j-2', 'j-1', 'j-0'], 'newest first, each once');
      const errors = await call(listJobs, 'GET', '/jobs', event('GET', '/jobs', { query: { status: 'ERROR' } }));
      assert.deepEqual(
        (errors.json.jobs as { jobId: string }[]).map((j) => j.jobId),
        ['j-5', 'j-3', 'j-1'],
      );
      const firstError = await call(
        listJobs,
        'GET',
        '/jobs',
        event('GET', '/jobs', { query: { status: 'ERROR', limit: '1' } }),
      );
      const next = await call(
        listJobs,
        'GET',
        '/jobs',
        event('GET', '/jobs', { query: { status: 'ERROR', limit: '2', nextToken: String(firstError.json.nextToken) } }),
      );
      assert.deepEqual(
        (next.json.jobs as { jobId: string }[]).map((j) => j.jobId),
        ['j-3', 'j-1'],
      );
      const bads: Record<string, string>[] = [
        { limit: '500' },
        { status: 'DONE' },
        { nextToken: 'garbage!' },
        { nextToken: String(firstError.json.nextToken) },
      ];
      for (const query of bads) {
        const bad = await call(listJobs, 'GET', '/jobs', event('GET', '/jobs', { query }));
        assert.deepEqual([bad.status, bad.json.code], [400, 'INVALID_REQUEST'], JSON.stringify(query));
      }
    } finally {
      store = prev;
      await db2.close();
    }
  });

  it('POST /jobs: validation before any S3 call; S3 trouble is 503; nothing started', async () => {
    const n = starts.length;
    const r = await call(
      createJob,
      'POST',
      '/jobs',
      event('POST', '/jobs', { body: { source: 's3://ingest/a.mp4', preset: 'nope' } }),
    );
    assert.deepEqual([r.status, r.json.code], [400, 'UNKNOWN_PRESET']);
    assert.equal(mock.calls().length, 0, 'no S3 call for a bad request');
    mock.on(HeadObjectCommand).rejects(awsError('SlowDown', 503));
    const down = await call(
      createJob,
      'POST',
      '/jobs',
      event('POST', '/jobs', { body: { source: 's3://ingest/a.mp4' } }),
    );
    assert.deepEqual([down.status, down.json.code], [503, 'SERVICE_UNAVAILABLE']);
    mock.on(HeadObjectCommand).resolves({ ContentLength: 0, ETag: '"e"' });
    const empty = await call(
      createJob,
      'POST',
      '/jobs',
      event('POST', '/jobs', { body: { source: 's3://ingest/a.mp4' } }),
    );
    assert.deepEqual([empty.status, empty.json.code], [422, 'SOURCE_EMPTY']);
    assert.equal(starts.length, n, 'no execution started');
  });

  it('POST /uploads: a presigned PUT under uploads/<uuid>/', async () => {
    const r = await call(
      createUpload,
      'POST',
      '/uploads',
      event('POST', '/uploads', { body: { filename: 'my talk.MOV' } }),
    );
    assert.equal(r.status, 200);
    assert.match(String(r.json.key), /^uploads\/[0-9a-f-]{36}\/my_talk\.MOV$/);
    assert.deepEqual(r.json.headers, { 'content-type': 'video/quicktime' });
    const url = new URL(String(r.json.uploadUrl));
    assert.equal(url.searchParams.get('X-Amz-Expires'), '900');
    assert.equal(url.searchParams.get('x-id'), 'PutObject');
    const bad = await call(
      createUpload,
      'POST',
      '/uploads',
      event('POST', '/uploads', { body: { filename: 'notes.txt' } }),
    );
    assert.deepEqual([bad.status, bad.json.code], [400, 'UNSUPPORTED_FILE_TYPE']);
  });
});
