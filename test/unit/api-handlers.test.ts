/**
 * The Lambda handlers of the API with a mocked S3 client: status codes and bodies of the paths
 * the local stack cannot produce on demand (S3 failing transiently), and of the read paths.
 * Every answer is checked against docs/openapi.json.
 */
import '../../src/util/quietWarnings.js';
import assert from 'node:assert/strict';
import { mockClient } from 'aws-sdk-client-mock';
import { S3Client, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { createRuntime, type Runtime } from '../../src/runtime.js';
import { parseConfig } from '../../src/config.js';
import { definition as getJob } from '../../functions/api/getJob.js';
import { definition as listJobs } from '../../functions/api/listJobs.js';
import { definition as createJob } from '../../functions/api/createJob.js';
import { definition as createUpload } from '../../functions/api/createUpload.js';
import type { FunctionDefinition } from '../../src/pipeline/handler.js';
import type { HttpApiEvent, HttpApiResult } from '../../src/api/http.js';
import type { JobRecord } from '../../src/pipeline/jobStore.js';
import { responseValidator } from '../helpers/openapi.js';

/** What getJson reads of a GetObject body. */
const body = (o: unknown) => ({ transformToString: async () => JSON.stringify(o) });
const awsError = (name: string, status: number) => Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });

function event(method: string, path: string, p: { body?: unknown; query?: Record<string, string>; params?: Record<string, string> } = {}): HttpApiEvent {
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

describe('API handlers (mocked S3)', () => {
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

  const rt: Runtime = createRuntime(parseConfig({ INGEST_BUCKET: 'ingest', WORK_BUCKET: 'work', OUTPUT_BUCKET: 'output' }), {
    s3,
    events: { put: async () => undefined },
    starter: {
      start: async (name) => {
        starts.push(name);
        return { executionArn: `arn:${name}`, alreadyStarted: false };
      },
    },
    logSink: () => undefined,
  });
  after(() => mock.restore());
  beforeEach(() => mock.reset());

  it('GET /jobs/{id}: the record with progress counted from segment results', async () => {
    mock.on(GetObjectCommand, { Bucket: 'work', Key: `status/${rec.jobId}.json` }).resolves({ Body: body(rec) as never });
    mock.on(ListObjectsV2Command, { Bucket: 'work', Prefix: `jobs/${rec.jobId}/segments/` }).resolves({ Contents: [{ Key: 'a', Size: 1 }, { Key: 'b', Size: 1 }] });
    const r = await call(getJob, 'GET', '/jobs/{id}', event('GET', `/jobs/${rec.jobId}`, { params: { id: rec.jobId } }));
    assert.equal(r.status, 200);
    assert.deepEqual(r.json.progress, { segmentsDone: 2, segmentsTotal: 5, percent: 40 });
    assert.deepEqual(r.json.outputs, []);
    assert.equal(r.json.error, null);
  });

  it('GET /jobs/{id}: 404 unknown, 400 malformed id, 503 when S3 fails transiently', async () => {
    mock.on(GetObjectCommand).rejects(awsError('NoSuchKey', 404));
    assert.deepEqual((await call(getJob, 'GET', '/jobs/{id}', event('GET', '/jobs/j-unknown', { params: { id: 'j-unknown' } }))).json.code, 'JOB_NOT_FOUND');
    const bad = await call(getJob, 'GET', '/jobs/{id}', event('GET', '/jobs/x', { params: { id: '../etc' } }));
    assert.deepEqual([bad.status, bad.json.code], [400, 'INVALID_JOB_ID']);
    mock.on(GetObjectCommand).rejects(awsError('InternalError', 500));
    const down = await call(getJob, 'GET', '/jobs/{id}', event('GET', '/jobs/j-1', { params: { id: 'j-1' } }));
    assert.deepEqual([down.status, down.json.code], [503, 'SERVICE_UNAVAILABLE']);
    assert.ok(Number(down.headers['retry-after']) > 0);
    mock.on(GetObjectCommand).rejects(awsError('AccessDenied', 403));
    const denied = await call(getJob, 'GET', '/jobs/{id}', event('GET', '/jobs/j-1', { params: { id: 'j-1' } }));
    assert.deepEqual([denied.status, denied.json.code, denied.json.message], [500, 'INTERNAL', 'internal error']);
  });

  it('GET /jobs: newest first, bounded by limit', async () => {
    const recs = [1, 3, 2].map((i) => ({ ...rec, jobId: `j-${i}`, status: 'COMPLETE', submittedAt: `2025-01-0${i}T00:00:00.000Z` }));
    mock.on(ListObjectsV2Command, { Bucket: 'work', Prefix: 'status/' }).resolves({ Contents: recs.map((r) => ({ Key: `status/${r.jobId}.json`, Size: 1 })) });
    for (const r of recs) mock.on(GetObjectCommand, { Bucket: 'work', Key: `status/${r.jobId}.json` }).callsFake(() => ({ Body: body(r) }));
    const r = await call(listJobs, 'GET', '/jobs', event('GET', '/jobs', { query: { limit: '2' } }));
    assert.equal(r.status, 200);
    assert.deepEqual((r.json.jobs as { jobId: string }[]).map((j) => j.jobId), ['j-3', 'j-2']);
    assert.equal(r.json.limit, 2);
    const bad = await call(listJobs, 'GET', '/jobs', event('GET', '/jobs', { query: { limit: '500' } }));
    assert.deepEqual([bad.status, bad.json.code], [400, 'INVALID_REQUEST']);
  });

  it('POST /jobs: validation before any S3 call; S3 trouble is 503; nothing started', async () => {
    const n = starts.length;
    const r = await call(createJob, 'POST', '/jobs', event('POST', '/jobs', { body: { source: 's3://ingest/a.mp4', preset: 'nope' } }));
    assert.deepEqual([r.status, r.json.code], [400, 'UNKNOWN_PRESET']);
    assert.equal(mock.calls().length, 0, 'no S3 call for a bad request');
    mock.on(HeadObjectCommand).rejects(awsError('SlowDown', 503));
    const down = await call(createJob, 'POST', '/jobs', event('POST', '/jobs', { body: { source: 's3://ingest/a.mp4' } }));
    assert.deepEqual([down.status, down.json.code], [503, 'SERVICE_UNAVAILABLE']);
    mock.on(HeadObjectCommand).resolves({ ContentLength: 0, ETag: '"e"' });
    const empty = await call(createJob, 'POST', '/jobs', event('POST', '/jobs', { body: { source: 's3://ingest/a.mp4' } }));
    assert.deepEqual([empty.status, empty.json.code], [422, 'SOURCE_EMPTY']);
    assert.equal(starts.length, n, 'no execution started');
  });

  it('POST /uploads: a presigned PUT under uploads/<uuid>/', async () => {
    const r = await call(createUpload, 'POST', '/uploads', event('POST', '/uploads', { body: { filename: 'my talk.MOV' } }));
    assert.equal(r.status, 200);
    assert.match(String(r.json.key), /^uploads\/[0-9a-f-]{36}\/my_talk\.MOV$/);
    assert.deepEqual(r.json.headers, { 'content-type': 'video/quicktime' });
    const url = new URL(String(r.json.uploadUrl));
    assert.equal(url.searchParams.get('X-Amz-Expires'), '900');
    assert.equal(url.searchParams.get('x-id'), 'PutObject');
    const bad = await call(createUpload, 'POST', '/uploads', event('POST', '/uploads', { body: { filename: 'notes.txt' } }));
    assert.deepEqual([bad.status, bad.json.code], [400, 'UNSUPPORTED_FILE_TYPE']);
  });
});
