/** The HTTP API's pure parts: timecodes, request validation, routing, URL policy, the v2 adapter. */
import assert from 'node:assert/strict';
import { parseTime, formatTimecode, TimeParseError } from '../../src/pipeline/timecode.js';
import {
  CreateJobRequestSchema,
  CreateUploadRequestSchema,
  ListJobsQuerySchema,
  parseRequest,
} from '../../src/api/schemas.js';
import { ApiError, API_ERRORS, toApiError } from '../../src/api/errors.js';
import { readJsonBody, MAX_BODY_BYTES } from '../../src/api/http.js';
import { checkClipInSource, newJobId, normalizeClip, parseSource } from '../../src/api/operations.js';
import { matchRoute } from '../../src/api/router.js';
import { callbackUrlProblem, isNonPublicAddress, resolveCallbackTarget } from '../../src/api/callbackUrl.js';
import { contentTypeFor, sanitizeFilename } from '../../src/api/uploads.js';
import { isLoopbackAddress, toHttpApiEvent } from '../../src/local/apiServer.js';
import { buildDurationProbeArgs, parseDurationProbe } from '../../src/api/sourceCheck.js';
import { progressOf, toJobView } from '../../src/api/jobView.js';
import { buildStreamProbeArgs } from '../../src/media/probe/probe.js';
import { JobId } from '../../src/pipeline/job.js';
import { TransientError } from '../../src/errors.js';
import type { JobRecord } from '../../src/pipeline/jobStore.js';

function refused(fn: () => unknown, code: string, status?: number): ApiError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ApiError, `an ApiError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    if (status) assert.equal(err.status, status);
    return err;
  }
  assert.fail(`expected ${code}`);
}

describe('API: clip times', () => {
  it('seconds as numbers or decimal strings, timecodes HH:MM:SS[.fraction]', () => {
    assert.equal(parseTime(12.345), 12.345);
    assert.equal(parseTime(0), 0);
    assert.equal(parseTime('20'), 20);
    assert.equal(parseTime('12.345'), 12.345);
    assert.equal(parseTime('00:00:12.345'), 12.345);
    assert.equal(parseTime('00:00:12.345'), parseTime(12.345), 'the same number either way (no float sum of parts)');
    assert.equal(parseTime('01:02:03'), 3723);
    assert.equal(parseTime('1:02:03.5'), 3723.5);
    assert.equal(parseTime('100:00:00.000001'), 360000.000001);
    assert.equal(parseTime(' 00:00:01.250 '), 1.25);
    assert.equal(parseTime(1 / 3), 0.333333, 'rounded to the microsecond');
  });

  it('refuses malformed, negative, out-of-range and frame timecodes with a reason', () => {
    for (const bad of [
      '',
      'abc',
      '-1',
      '12:3',
      '00:60:00',
      '00:00:60',
      '00:00:12.3456789',
      '1e3',
      '0x10',
      '00:00:12,345',
      '::',
      '1234:00:00',
      null,
      true,
      {},
      [],
      NaN,
      Infinity,
      -0.001,
      1e9,
    ]) {
      assert.throws(() => parseTime(bad), TimeParseError, JSON.stringify(bad));
    }
    assert.throws(() => parseTime('00:00:12:05'), /frame timecode/);
  });

  it('formats seconds as HH:MM:SS.mmm', () => {
    assert.equal(formatTimecode(12.345), '00:00:12.345');
    assert.equal(formatTimecode(3723.5), '01:02:03.500');
  });
});

describe('API: request validation', () => {
  const job = (body: unknown) => parseRequest(CreateJobRequestSchema, body);

  it('accepts the documented request; clip times become seconds', () => {
    const r = job({
      source: 's3://ingest/a.mp4',
      preset: 'h264-single-480p',
      clip: { start: '00:00:12.345', end: 20 },
      correlationId: 'c-1',
      userMetadata: { k: 'v' },
      callbackUrl: 'https://x.example.com/h',
    });
    assert.deepEqual(r.clip, { start: 12.345, end: 20 });
    assert.deepEqual(job({ source: 's3://ingest/a.mp4' }), { source: 's3://ingest/a.mp4' });
  });

  it('refuses unknown fields, wrong types and bounds (INVALID_REQUEST)', () => {
    for (const body of [
      {},
      { source: 1 },
      { source: 's3://ingest/a.mp4', extra: true },
      { source: 's3://ingest/a.mp4', userMetadata: { k: 1 } },
      { source: 's3://ingest/a.mp4', userMetadata: { 'bad key': 'v' } },
      {
        source: 's3://ingest/a.mp4',
        userMetadata: Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`k${i}`, 'v'])),
      },
      { source: 's3://ingest/a.mp4', userMetadata: { callbackUrl: 'https://x.example.com' } },
      { source: 's3://ingest/a.mp4', correlationId: 'x'.repeat(257) },
      { source: 's3://ingest/a.mp4', preset: '' },
    ]) {
      refused(() => job(body), 'INVALID_REQUEST', 400);
    }
  });

  it('a bad clip is INVALID_CLIP, and names the field', () => {
    const e = refused(() => job({ source: 's3://ingest/a.mp4', clip: { start: 'soon' } }), 'INVALID_CLIP', 400);
    assert.match(e.message, /clip\.start/);
    refused(() => job({ source: 's3://ingest/a.mp4', clip: { start: -1 } }), 'INVALID_CLIP');
    refused(() => job({ source: 's3://ingest/a.mp4', clip: { begin: 1 } }), 'INVALID_CLIP');
  });

  it('clip end must be after start; start defaults to 0; an empty clip is no clip', () => {
    refused(() => normalizeClip({ start: 10, end: 5 }), 'INVALID_CLIP', 400);
    refused(() => normalizeClip({ start: 10, end: 10 }), 'INVALID_CLIP');
    assert.deepEqual(normalizeClip({ end: 5 }), { start: 0, end: 5 });
    assert.deepEqual(normalizeClip({ start: 3 }), { start: 3 });
    assert.equal(normalizeClip({}), undefined);
    assert.equal(normalizeClip(undefined), undefined);
  });

  it('a clip must lie inside the source (CLIP_OUT_OF_RANGE, 422)', () => {
    checkClipInSource({ start: 12.345, end: 20 }, 20.02);
    checkClipInSource({ start: 12.345, end: 20 }, 19.98);
    checkClipInSource({ start: 5, end: 50 }, undefined);
    refused(() => checkClipInSource({ start: 25 }, 20), 'CLIP_OUT_OF_RANGE', 422);
    refused(() => checkClipInSource({ start: 20 }, 20), 'CLIP_OUT_OF_RANGE');
    refused(() => checkClipInSource({ start: 1, end: 21 }, 20), 'CLIP_OUT_OF_RANGE');
  });

  it('the source must be an s3:// URI in the ingest bucket', () => {
    assert.deepEqual(parseSource('s3://ingest/uploads/a b.mp4', 'ingest'), {
      bucket: 'ingest',
      key: 'uploads/a b.mp4',
    });
    refused(() => parseSource('s3://output/a.mp4', 'ingest'), 'SOURCE_NOT_ALLOWED', 400);
    refused(() => parseSource('s3://ingest-other/a.mp4', 'ingest'), 'SOURCE_NOT_ALLOWED');
    for (const bad of [
      'https://ingest.s3.amazonaws.com/a.mp4',
      's3://ingest',
      's3://ingest/',
      'ingest/a.mp4',
      's3://ingest/a\nb.mp4',
    ])
      refused(() => parseSource(bad, 'ingest'), 'INVALID_REQUEST');
  });

  it('uploads: a file name and an optional MIME type', () => {
    assert.deepEqual(parseRequest(CreateUploadRequestSchema, { filename: 'a.mp4', contentType: 'video/mp4' }), {
      filename: 'a.mp4',
      contentType: 'video/mp4',
    });
    refused(() => parseRequest(CreateUploadRequestSchema, { filename: '' }), 'INVALID_REQUEST');
    refused(
      () => parseRequest(CreateUploadRequestSchema, { filename: 'a.mp4', contentType: 'video/mp4\r\nx: y' }),
      'INVALID_REQUEST',
    );
    refused(() => parseRequest(CreateUploadRequestSchema, { filename: 'a.mp4', size: 3 }), 'INVALID_REQUEST');
  });

  it('list limit: 1-100, other query parameters ignored', () => {
    assert.deepEqual(parseRequest(ListJobsQuerySchema, { limit: '5', other: 'x' }), { limit: 5 });
    assert.deepEqual(parseRequest(ListJobsQuerySchema, {}), {});
    for (const limit of ['0', '101', '-1', '1.5', 'ten', ''])
      refused(() => parseRequest(ListJobsQuerySchema, { limit }), 'INVALID_REQUEST');
  });

  it('file names are reduced to a safe base name', () => {
    assert.equal(sanitizeFilename('../../etc/My Vidéo (1).MP4'), 'My_Video_1_.MP4');
    assert.equal(sanitizeFilename('C:\\Users\\me\\clip.mov'), 'clip.mov');
    assert.equal(sanitizeFilename('..mp4'), 'mp4');
    assert.equal(sanitizeFilename('.hidden.mkv'), 'hidden.mkv');
    assert.equal(sanitizeFilename(`${'a'.repeat(300)}.webm`).length, 200);
    assert.ok(sanitizeFilename(`${'a'.repeat(300)}.webm`).endsWith('.webm'));
    assert.equal(contentTypeFor('x.MOV'), 'video/quicktime');
    assert.equal(contentTypeFor('x.vob'), 'video/mpeg');
  });

  it('job ids are j- and 24 random hex digits, valid job ids', () => {
    const ids = new Set(Array.from({ length: 50 }, newJobId));
    assert.equal(ids.size, 50);
    for (const id of ids) {
      assert.match(id, /^j-[0-9a-f]{24}$/);
      assert.ok(JobId.safeParse(id).success);
    }
  });
});

describe('API: bodies', () => {
  const ev = (body: string | undefined, type = 'application/json', extra: Record<string, string> = {}) => ({
    body,
    isBase64Encoded: false,
    headers: { 'content-type': type, ...extra },
  });

  it('JSON objects only, with Content-Type application/json (UTF-8)', () => {
    assert.deepEqual(readJsonBody(ev('{"a":1}')), { a: 1 });
    assert.deepEqual(readJsonBody(ev('{"a":1}', 'Application/JSON; charset=UTF-8')), { a: 1 });
    assert.deepEqual(
      readJsonBody({
        body: Buffer.from('{"a":2}').toString('base64'),
        isBase64Encoded: true,
        headers: { 'Content-Type': 'application/json' },
      }),
      { a: 2 },
    );
    refused(() => readJsonBody(ev('{"a":')), 'INVALID_JSON', 400);
    refused(() => readJsonBody(ev('[1]')), 'INVALID_JSON');
    refused(() => readJsonBody(ev('null')), 'INVALID_JSON');
    refused(() => readJsonBody(ev(undefined)), 'INVALID_JSON');
    refused(
      () =>
        readJsonBody({
          body: Buffer.from([0x7b, 0xff, 0x7d]).toString('base64'),
          isBase64Encoded: true,
          headers: { 'content-type': 'application/json' },
        }),
      'INVALID_JSON',
    );
    refused(() => readJsonBody(ev('{}', 'text/plain')), 'UNSUPPORTED_MEDIA_TYPE', 415);
    refused(() => readJsonBody(ev('{}', '')), 'UNSUPPORTED_MEDIA_TYPE');
    refused(() => readJsonBody(ev('{}', 'application/json; charset=latin1')), 'UNSUPPORTED_MEDIA_TYPE');
  });

  it('413 beyond 64 KiB, by length or by declared Content-Length', () => {
    refused(() => readJsonBody(ev(`{"a":"${'x'.repeat(MAX_BODY_BYTES)}"}`)), 'PAYLOAD_TOO_LARGE', 413);
    refused(
      () => readJsonBody(ev('{}', 'application/json', { 'content-length': String(MAX_BODY_BYTES + 1) })),
      'PAYLOAD_TOO_LARGE',
    );
    assert.deepEqual(
      readJsonBody(ev(`{"a":"${'x'.repeat(MAX_BODY_BYTES - 8)}"}`)).a?.toString().length,
      MAX_BODY_BYTES - 8,
    );
  });

  it('every code has its status; unknown failures are 500, transient ones 503 with Retry-After', () => {
    for (const [code, status] of Object.entries(API_ERRORS))
      assert.equal(new ApiError(code as keyof typeof API_ERRORS, 'x').status, status);
    assert.equal(toApiError(new Error('boom')).code, 'INTERNAL');
    assert.equal(toApiError(new Error('boom')).message, 'internal error', 'nothing leaks');
    const t = toApiError(new TransientError('INTERNAL', 'slow down'));
    assert.equal(t.status, 503);
    assert.ok(Number(t.headers['retry-after']) > 0);
    assert.equal(
      toApiError(Object.assign(new Error('x'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } }))
        .status,
      503,
    );
    assert.equal(toApiError(Object.assign(new Error('x'), { $metadata: { httpStatusCode: 503 } })).status, 503);
  });
});

describe('API: routing and the local adapter', () => {
  it('matches routes and path parameters; 404 and 405 otherwise', () => {
    assert.equal(matchRoute('POST', '/jobs').route.operationId, 'createJob');
    assert.equal(matchRoute('get', '/jobs').route.operationId, 'listJobs');
    assert.deepEqual(matchRoute('GET', '/jobs/j-1').pathParameters, { id: 'j-1' });
    assert.deepEqual(matchRoute('GET', '/jobs/a%20b').pathParameters, { id: 'a b' });
    assert.equal(matchRoute('POST', '/uploads').route.operationId, 'createUpload');
    refused(() => matchRoute('GET', '/jobs/'), 'NOT_FOUND', 404);
    refused(() => matchRoute('GET', '/jobs/a/b'), 'NOT_FOUND');
    refused(() => matchRoute('GET', '/'), 'NOT_FOUND');
    assert.equal(matchRoute('DELETE', '/jobs/j-1').route.operationId, 'cancelJob');
    const e = refused(() => matchRoute('PUT', '/jobs/j-1'), 'METHOD_NOT_ALLOWED', 405);
    assert.equal(e.headers.allow, 'GET, DELETE');
    refused(() => matchRoute('GET', '/uploads'), 'METHOD_NOT_ALLOWED');
  });

  it('builds an HTTP API v2 event: lowercase headers, joined query values, text or base64 body', () => {
    const now = new Date('2025-01-01T00:00:00Z');
    const e = toHttpApiEvent({
      method: 'post',
      url: '/jobs?limit=5&x=1&x=2',
      headers: {
        host: '127.0.0.1:3000',
        'content-type': 'application/json',
        'x-multi': ['a', 'b'],
        cookie: 'secret=1',
      },
      body: Buffer.from('{"a":1}'),
      now,
    });
    assert.equal(e.version, '2.0');
    assert.equal(e.rawPath, '/jobs');
    assert.equal(e.rawQueryString, 'limit=5&x=1&x=2');
    assert.deepEqual(e.queryStringParameters, { limit: '5', x: '1,2' });
    assert.equal(e.headers['x-multi'], 'a,b');
    assert.equal(e.headers.cookie, undefined);
    assert.equal(e.body, '{"a":1}');
    assert.equal(e.isBase64Encoded, false);
    assert.equal(e.requestContext.http.method, 'POST');
    assert.equal(e.requestContext.timeEpoch, now.getTime());
    const bin = toHttpApiEvent({
      method: 'POST',
      url: '/jobs',
      headers: { 'content-type': 'application/octet-stream' },
      body: Buffer.from([0, 1, 2]),
    });
    assert.equal(bin.isBase64Encoded, true);
    assert.equal(bin.body, 'AAEC');
    assert.equal(toHttpApiEvent({ method: 'GET', url: '/jobs', headers: {}, body: Buffer.alloc(0) }).body, undefined);
  });

  it('binds loopback addresses only', () => {
    for (const a of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost']) assert.ok(isLoopbackAddress(a), a);
    for (const a of ['0.0.0.0', '::', '192.168.1.2', 'example.com', '']) assert.ok(!isLoopbackAddress(a), a);
  });
});

describe('API: callback URLs', () => {
  const cloud = { allowLoopback: false };
  const local = { allowLoopback: true };
  it('cloud: https to a public host only', () => {
    assert.equal(callbackUrlProblem('https://hooks.example.com/t?x=1', cloud), undefined);
    assert.equal(callbackUrlProblem('https://93.184.216.34/hook', cloud), undefined);
    for (const bad of [
      'http://hooks.example.com/t',
      'https://user:pw@hooks.example.com/',
      'https://localhost/h',
      'https://a.localhost/h',
      'https://127.0.0.1/h',
      'https://10.0.0.1/h',
      'https://169.254.169.254/latest',
      'https://[::1]/h',
      'https://[fd00::1]/h',
      'https://[::ffff:127.0.0.1]/h',
      'https://intranet/h',
      'ftp://hooks.example.com/',
      'not a url',
      'https://hooks.example.com/#frag',
      `https://hooks.example.com/${'x'.repeat(2100)}`,
    ]) {
      assert.ok(callbackUrlProblem(bad, cloud), bad.slice(0, 60));
    }
  });
  it('local: also http(s) to 127.0.0.1, [::1] and localhost; still not other private hosts', async () => {
    for (const ok of [
      'http://127.0.0.1:8080/h',
      'http://localhost:9/h',
      'http://[::1]:9/h',
      'https://hooks.example.com/',
    ])
      assert.equal(callbackUrlProblem(ok, local), undefined, ok);
    for (const bad of ['http://192.168.1.1/h', 'file:///etc/passwd']) assert.ok(callbackUrlProblem(bad, local), bad);
    // http:// to a name: decided by what it resolves to (loopback only).
    const publicName = await resolveCallbackTarget('http://hooks.example.com/', {
      ...local,
      resolve: async () => [{ address: '93.184.216.34', family: 4 }],
    });
    assert.equal(publicName.ok, false);
  });
  it('classifies address literals', () => {
    for (const ip of [
      '0.0.0.0',
      '10.1.1.1',
      '100.64.0.1',
      '127.0.0.1',
      '169.254.1.1',
      '172.16.0.1',
      '172.31.255.255',
      '192.168.0.1',
      '224.0.0.1',
      '::',
      '::1',
      'fe80::1',
      'fc00::1',
    ])
      assert.ok(isNonPublicAddress(ip), ip);
    for (const ip of ['8.8.8.8', '172.32.0.1', '2001:4860:4860::8888']) assert.ok(!isNonPublicAddress(ip), ip);
  });
});

describe('API: source probe and job views', () => {
  it('the duration probe uses the pipeline probe whitelists', () => {
    const url = 'https://ingest.s3.amazonaws.com/a.mp4?X-Amz-Signature=x';
    const args = buildDurationProbeArgs(url);
    const stream = buildStreamProbeArgs({ url });
    for (const flag of ['-protocol_whitelist', '-format_whitelist'])
      assert.equal(args[args.indexOf(flag) + 1], stream[stream.indexOf(flag) + 1], flag);
    assert.equal(args.at(-1), url);
    assert.deepEqual(parseDurationProbe('{"format":{"format_name":"mov,mp4","duration":"20.021000"}}'), {
      formatName: 'mov,mp4',
      durationSec: 20.021,
    });
    assert.deepEqual(parseDurationProbe('{"format":{"duration":"N/A"}}'), {
      formatName: undefined,
      durationSec: undefined,
    });
    assert.deepEqual(parseDurationProbe('garbage'), {});
  });

  it('progress by status; outputs only when COMPLETE; presigned URLs never shown in errors', () => {
    const base: JobRecord = {
      jobId: 'j-1',
      status: 'SUBMITTED',
      source: 's3://ingest/a.mp4',
      preset: 'p',
      userMetadata: {},
      submittedAt: 't',
      updatedAt: 't',
    };
    assert.deepEqual(progressOf(base), { segmentsDone: 0, segmentsTotal: null, percent: 0, phase: null });
    assert.deepEqual(progressOf({ ...base, status: 'PROGRESSING', segmentsTotal: 4, segmentsDone: 2 }), {
      segmentsDone: 2,
      segmentsTotal: 4,
      percent: 50,
      phase: 'TRANSCODING',
    });
    assert.deepEqual(progressOf({ ...base, status: 'PROGRESSING', segmentsTotal: 4, segmentsDone: 4 }), {
      segmentsDone: 4,
      segmentsTotal: 4,
      percent: 99,
      phase: 'TRANSCODING',
    });
    assert.deepEqual(progressOf({ ...base, status: 'PROGRESSING', segmentsTotal: 4, segmentsDone: 9 }), {
      segmentsDone: 4,
      segmentsTotal: 4,
      percent: 99,
      phase: 'TRANSCODING',
    });
    assert.deepEqual(progressOf({ ...base, status: 'PROGRESSING' }), {
      segmentsDone: 0,
      segmentsTotal: null,
      percent: 0,
      phase: 'TRANSCODING',
    });
    assert.deepEqual(progressOf({ ...base, status: 'COMPLETE', segmentsTotal: 4 }), {
      segmentsDone: 4,
      segmentsTotal: 4,
      percent: 100,
      phase: null,
    });
    assert.deepEqual(progressOf({ ...base, status: 'ERROR', segmentsTotal: 4 }), {
      segmentsDone: null,
      segmentsTotal: 4,
      percent: null,
      phase: null,
    });
    assert.deepEqual(
      progressOf({ ...base, status: 'CANCELED', segmentsTotal: 4, segmentsDone: 1 }),
      { segmentsDone: 1, segmentsTotal: 4, percent: 25, phase: null },
      'a CANCELED job keeps the percent it reached',
    );
    const out = { type: 'video' as const, name: 'a.mp4', uri: 's3://output/j-1/a.mp4', sizeBytes: 1 };
    assert.deepEqual(toJobView({ ...base, status: 'PROGRESSING', outputs: [out] }).outputs, []);
    assert.deepEqual(toJobView({ ...base, status: 'COMPLETE', outputs: [out] }).outputs, [out]);
    const err = toJobView({
      ...base,
      status: 'ERROR',
      error: {
        code: 'INPUT_UNREADABLE',
        message: 'not readable: http://127.0.0.1:1/ingest/a.mp4?X-Amz-Signature=abc&x-id=GetObject: Invalid data',
      },
    }).error;
    assert.equal(err?.code, 'INPUT_UNREADABLE');
    assert.doesNotMatch(err!.message, /Signature|127\.0\.0\.1/);
    assert.match(err!.message, /Invalid data/);
  });
});
