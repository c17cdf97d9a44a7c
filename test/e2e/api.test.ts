/**
 * The HTTP API end to end: `startServe` (what `npm run serve` runs) in-process on free ports,
 * exercised over real HTTP (fetch) and real S3 (@aws-sdk/client-s3 against the local endpoint).
 * Every API answer is validated against docs/openapi.json.
 */
import '../../src/util/quietWarnings.js';
import assert from 'node:assert/strict';
import http from 'node:http';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { S3Client, PutObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { startServe, type Serve } from '../../scripts/serve.js';
import { generateSample } from '../../src/media/package/sample.js';
import { downloadFile, listKeys } from '../../src/aws/s3.js';
import { jobIdFor } from '../../src/pipeline/ingest.js';
import { requestFromMetadata } from '../../src/pipeline/job.js';
import { matchRoute } from '../../src/api/router.js';
import { MAX_BODY_BYTES } from '../../src/api/http.js';
import type { ExecutionProgress } from '../../src/local/stepFunctions.js';
import type { DeliveredEvent } from '../../src/local/eventBus.js';
import { frameTimes, streams } from '../helpers/media.js';
import { checkVerification } from '../helpers/contract.js';
import type { JobEventDetail } from '../../src/pipeline/events.js';
import { responseValidator } from '../helpers/openapi.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Json = any;

describe('HTTP API on the local stack (npm run serve)', function () {
  this.timeout(120_000);
  let dir: string;
  let serve: Serve;
  let s3: S3Client;
  let receiver: http.Server;
  let callbackBase: string;
  const callbacks: DeliveredEvent[] = [];
  const executions = new Set<string>();
  const validator = responseValidator();
  const longSrc = () => path.join(dir, 'long-20s.mp4');
  const shortSrc = () => path.join(dir, 'short-3s.mp4');

  /** A request over HTTP; the answer is checked against the OpenAPI document. */
  async function api(
    method: string,
    url: string,
    p: { json?: unknown; raw?: string; type?: string } = {},
  ): Promise<{ status: number; body: Json; headers: Headers }> {
    const headers: Record<string, string> = {};
    let body: string | undefined;
    if (p.json !== undefined) {
      body = JSON.stringify(p.json);
      headers['content-type'] = 'application/json';
    }
    if (p.raw !== undefined) body = p.raw;
    if (p.type !== undefined) headers['content-type'] = p.type;
    const res = await fetch(serve.apiUrl + url, { method, headers, body });
    const text = await res.text();
    const json = JSON.parse(text) as Json;
    const { route } = matchRoute(method, new URL(url, 'http://x').pathname);
    validator.check(method, route.path, res.status, json);
    return { status: res.status, body: json, headers: res.headers };
  }

  /** Polls GET /jobs/{id} until COMPLETE or ERROR (404 while the ingest trigger has not recorded it). */
  async function untilDone(jobId: string, timeoutMs = 90_000): Promise<{ view: Json; seen: string[] }> {
    const seen: string[] = [];
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const r = await api('GET', `/jobs/${jobId}`);
      if (r.status === 200) {
        if (seen.at(-1) !== r.body.status) seen.push(r.body.status);
        if (r.body.status === 'COMPLETE' || r.body.status === 'ERROR') return { view: r.body, seen };
      } else assert.equal(r.status, 404, JSON.stringify(r.body));
      if (Date.now() > deadline)
        throw new Error(`job ${jobId} not done after ${timeoutMs} ms (seen ${seen.join(' > ')})`);
      await new Promise((res) => setTimeout(res, 150));
    }
  }

  /** Every job record, through the listing's pages. */
  async function allRecords() {
    const out = [];
    let token: string | undefined;
    do {
      const page = await serve.stack.rt.jobs.list({ limit: 100, ...(token ? { nextToken: token } : {}) });
      out.push(...page.records);
      token = page.nextToken;
    } while (token);
    return out;
  }
  const recordCount = async () => (await allRecords()).length;

  /** Runs a request that must be refused: the status and code, and no job recorded or started. */
  async function refused(method: string, url: string, p: Parameters<typeof api>[2], status: number, code: string) {
    const records = await recordCount();
    const started = executions.size;
    const events = serve.stack.bus.history.length;
    const r = await api(method, url, p);
    assert.equal(r.status, status, JSON.stringify(r.body));
    assert.equal(r.body.code, code, r.body.message);
    assert.ok(typeof r.body.message === 'string' && r.body.message.length > 10, 'a readable message');
    assert.equal(await recordCount(), records, 'no job record written');
    assert.equal(executions.size, started, 'no execution started');
    assert.equal(serve.stack.bus.history.length, events, 'no event');
    return r;
  }

  before(async function () {
    this.timeout(120_000);
    dir = await mkdtemp(path.join(os.tmpdir(), 'mt-api-'));
    const log = createWriteStream(path.join(dir, 'log.jsonl'));
    const logSink = (l: string) => log.write(`${l}\n`);
    // Keyframes every 2 s (the default GOP), so the clip start 12.345 is not on a keyframe.
    await Promise.all([
      generateSample({ output: longSrc(), durationSec: 20, width: 320, height: 240, fps: 25, audio: true }),
      generateSample({ output: shortSrc(), durationSec: 3, width: 320, height: 240, fps: 25, audio: true }),
    ]);
    receiver = http.createServer((req, res) => {
      let b = '';
      req.on('data', (c: Buffer) => (b += c.toString()));
      req.on('end', () => {
        callbacks.push(JSON.parse(b) as DeliveredEvent);
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    callbackBase = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
    serve = await startServe({
      logSink,
      dataDir: path.join(dir, 'data'),
      apiPort: 0,
      s3Port: 0,
      segmentSeconds: 4,
      webhookRetryDelaysMs: [100, 200],
    });
    serve.stack.sfn.on('progress', (p: ExecutionProgress) => executions.add(p.jobId));
    s3 = new S3Client({
      endpoint: serve.s3Endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
    // A source for POST /jobs: without a video suffix, so its upload starts no job of its own.
    await s3.send(new PutObjectCommand({ Bucket: 'ingest', Key: 'library/talk-20s', Body: await readFile(longSrc()) }));
    await s3.send(
      new PutObjectCommand({
        Bucket: 'ingest',
        Key: 'library/notes',
        Body: 'these are not video frames\n'.repeat(100),
      }),
    );
  });

  after(async () => {
    if (serve) {
      assert.deepEqual(serve.stack.sfn.running(), [], 'no execution left running');
      await serve.close();
    }
    s3?.destroy();
    receiver?.closeAllConnections();
    await new Promise((r) => (receiver ? receiver.close(r) : r(undefined)));
    if (!process.env.KEEP_TEST_FILES && dir) await rm(dir, { recursive: true, force: true });
  });

  it('an upload with @aws-sdk/client-s3 starts a job that GET /jobs/{id} follows to COMPLETE', async () => {
    const key = 'uploads/e2e/short.mp4';
    const put = await s3.send(
      new PutObjectCommand({
        Bucket: 'ingest',
        Key: key,
        Body: await readFile(shortSrc()),
        Metadata: { preset: 'h264-single-480p', 'correlation-id': 'upload-1' },
      }),
    );
    const jobId = jobIdFor('ingest', key, put.ETag!.replace(/"/g, ''));
    const { view, seen } = await untilDone(jobId);
    assert.equal(view.status, 'COMPLETE', JSON.stringify(view.error));
    assert.equal(view.source, `s3://ingest/${key}`);
    assert.equal(view.preset, 'h264-single-480p');
    assert.equal(view.correlationId, 'upload-1');
    assert.deepEqual(view.progress, {
      segmentsDone: view.progress.segmentsTotal,
      segmentsTotal: view.progress.segmentsTotal,
      percent: 100,
      phase: null,
    });
    assert.ok(view.progress.segmentsTotal >= 1);
    assert.equal(seen.at(-1), 'COMPLETE');
    const video = view.outputs.find((o: Json) => o.type === 'video');
    assert.ok(video, 'a video output');
    const head = await s3.send(new HeadObjectCommand({ Bucket: 'output', Key: video.uri.replace('s3://output/', '') }));
    assert.equal(head.ContentLength, video.sizeBytes);
    const list = await api('GET', '/jobs?limit=1');
    assert.equal(list.status, 200);
    assert.deepEqual(
      list.body.jobs.map((j: Json) => j.jobId),
      [jobId],
      'the newest job first',
    );
  });

  it('one job contract: an upload with metadata and POST /jobs with the same settings start identical executions', async () => {
    const key = 'uploads/e2e/contract.mp4';
    const ingested = serve.stack.waitForIngest(key);
    const meta = {
      preset: 'h264-single-480p',
      'segment-seconds': '1.5',
      engine: 'lambda',
      outputs: 'mp4',
      'clip-start': '00:00:00.500',
      'clip-end': '2.5',
      'correlation-id': 'same-1',
    };
    await s3.send(
      new PutObjectCommand({ Bucket: 'ingest', Key: key, Body: await readFile(shortSrc()), Metadata: meta }),
    );
    const ing = await ingested;
    assert.ok(ing.started, 'the upload started a job');
    const r = await api('POST', '/jobs', {
      json: {
        source: `s3://ingest/${key}`,
        preset: 'h264-single-480p',
        segmentSeconds: 1.5,
        engine: 'lambda',
        outputs: ['mp4'],
        clip: { start: '00:00:00.500', end: 2.5 },
        correlationId: 'same-1',
      },
    });
    assert.equal(r.status, 202, JSON.stringify(r.body));
    const viaUpload = serve.stack.sfn.inputOf(ing.jobId)!;
    const viaApi = serve.stack.sfn.inputOf(r.body.jobId)!;
    const strip = (j: Json) => ({ ...j, jobId: undefined, submittedAt: undefined });
    assert.deepEqual(strip(viaApi), strip(viaUpload));
    assert.deepEqual(viaApi.settings, {
      preset: 'h264-single-480p',
      segmentSeconds: 1.5,
      engine: 'lambda',
      outputs: ['mp4'],
      clip: { start: 0.5, end: 2.5 },
    });
    await untilDone(ing.jobId);
    await untilDone(r.body.jobId);
    // What one way refuses, the other refuses too: a segment length out of range.
    assert.equal(
      (await api('POST', '/jobs', { json: { source: `s3://ingest/${key}`, segmentSeconds: 1e9 } })).status,
      400,
    );
    assert.throws(() => requestFromMetadata({ 'segment-seconds': 'abc' }), /segment-seconds/);
  });

  it('the same bytes PUT twice to the same key (same ETag) start one job', async () => {
    const key = 'uploads/e2e/twice.mp4';
    const bytes = await readFile(shortSrc());
    const first = serve.stack.waitForIngest(key);
    const a = await s3.send(
      new PutObjectCommand({ Bucket: 'ingest', Key: key, Body: bytes, Metadata: { preset: 'h264-single-480p' } }),
    );
    const ing1 = await first;
    const second = serve.stack.waitForIngest(key);
    const b = await s3.send(
      new PutObjectCommand({ Bucket: 'ingest', Key: key, Body: bytes, Metadata: { preset: 'h264-single-480p' } }),
    );
    const ing2 = await second;
    assert.equal(a.ETag, b.ETag);
    const jobId = jobIdFor('ingest', key, a.ETag!.replace(/"/g, ''));
    assert.ok(ing1.started && ing2.started);
    assert.equal(ing1.started && ing1.jobId, jobId);
    assert.equal(ing2.started && ing2.jobId, jobId);
    assert.equal(ing1.started && ing1.alreadyStarted, false);
    assert.equal(ing2.started && ing2.alreadyStarted, true, 'the second delivery starts nothing');
    const { view } = await untilDone(jobId);
    assert.equal(view.status, 'COMPLETE');
    // The record turns COMPLETE just before its event is put: wait (bounded) for the event.
    const finalsOf = () =>
      serve.stack.jobEvents(jobId).filter((e) => ['COMPLETE', 'ERROR'].includes((e.detail as Json).status));
    for (const until = Date.now() + 10_000; finalsOf().length === 0 && Date.now() < until; )
      await new Promise((res) => setTimeout(res, 100));
    const finals = finalsOf();
    assert.equal(finals.length, 1, 'one job, one final event');
    assert.equal((await allRecords()).filter((r) => r.jobId === jobId).length, 1, 'one record');
    const del = await api('DELETE', `/jobs/${jobId}`);
    assert.deepEqual([del.status, del.body.code], [409, 'JOB_ALREADY_FINAL'], 'a COMPLETE job cannot be canceled');
    assert.equal(
      serve.stack.jobEvents(jobId).filter((e) => ['COMPLETE', 'ERROR', 'CANCELED'].includes((e.detail as Json).status))
        .length,
      1,
      'still one final event',
    );
  });

  it('DELETE /jobs/{id}: stops the execution, deletes work files and outputs, one CANCELED event; 409 once ended', async () => {
    const created = await api('POST', '/jobs', {
      json: {
        source: 's3://ingest/library/talk-20s',
        preset: 'h264-ladder',
        segmentSeconds: 2,
        engine: 'lambda',
        correlationId: 'cancel-1',
      },
    });
    assert.equal(created.status, 202);
    const jobId = created.body.jobId as string;
    // Cancel while it transcodes: after the first segment result, before the job can end.
    const deadline = Date.now() + 60_000;
    for (;;) {
      const r = await api('GET', `/jobs/${jobId}`);
      if (r.body.status === 'PROGRESSING' && (r.body.progress.segmentsDone ?? 0) >= 1) break;
      assert.ok(!['COMPLETE', 'ERROR'].includes(r.body.status), `ended before the cancel: ${r.body.status}`);
      assert.ok(Date.now() < deadline, 'never reached PROGRESSING');
      await new Promise((res) => setTimeout(res, 50));
    }
    const del = await api('DELETE', `/jobs/${jobId}`);
    assert.equal(del.status, 200, JSON.stringify(del.body));
    assert.equal(del.body.status, 'CANCELED');
    const ended = await serve.stack.sfn.wait(jobId);
    assert.equal(ended.status, 'ABORTED', 'the execution was stopped, not run to its end');
    const statuses = serve.stack.jobEvents(jobId).map((e) => (e.detail as Json).status as string);
    assert.deepEqual(
      statuses.filter((s) => ['COMPLETE', 'ERROR', 'CANCELED'].includes(s)),
      ['CANCELED'],
      `exactly one final event: ${statuses.join(' > ')}`,
    );
    assert.equal((serve.stack.jobEvents(jobId).at(-1)!.detail as Json).correlationId, 'cancel-1');
    assert.deepEqual(await listKeys(serve.stack.s3, 'work', `jobs/${jobId}/`), [], 'no work files left');
    assert.deepEqual(await listKeys(serve.stack.s3, 'output', `${jobId}/`), [], 'no outputs');
    const view = await api('GET', `/jobs/${jobId}`);
    assert.equal(view.body.status, 'CANCELED');
    const pr = view.body.progress;
    assert.ok(
      Number.isInteger(pr.percent) && pr.percent >= 0 && pr.percent < 100,
      `the percent reached is kept: ${JSON.stringify(pr)}`,
    );
    assert.ok(pr.segmentsDone >= 1 && pr.segmentsDone <= pr.segmentsTotal, JSON.stringify(pr));
    const again = await api('DELETE', `/jobs/${jobId}`);
    assert.deepEqual([again.status, again.body.code], [409, 'JOB_ALREADY_FINAL']);
    assert.equal(
      serve.stack.jobEvents(jobId).filter((e) => (e.detail as Json).status === 'CANCELED').length,
      1,
      'a second DELETE emits nothing',
    );
    const missing = await api('DELETE', '/jobs/j-000000000000000000000000');
    assert.deepEqual([missing.status, missing.body.code], [404, 'JOB_NOT_FOUND']);
    const bad = await api('DELETE', '/jobs/..%2Fx');
    assert.deepEqual([bad.status, bad.body.code], [400, 'INVALID_JOB_ID']);
  });

  it('POST /uploads: the presigned PUT lands under uploads/<uuid>/ and starts a job', async () => {
    const r = await api('POST', '/uploads', { json: { filename: 'Keynote (final).mp4' } });
    assert.equal(r.status, 200);
    assert.match(r.body.key, /^uploads\/[0-9a-f-]{36}\/Keynote_final_\.mp4$/);
    assert.equal(r.body.source, `s3://ingest/${r.body.key}`);
    const ingested = serve.stack.waitForIngest(r.body.key);
    const put = await fetch(r.body.uploadUrl, {
      method: 'PUT',
      headers: r.body.headers,
      body: await readFile(shortSrc()),
    });
    assert.equal(put.status, 200, await put.text());
    const ing = await ingested;
    assert.ok(ing.started, 'the upload started a job');
    const { view } = await untilDone(ing.jobId);
    assert.equal(view.status, 'COMPLETE', JSON.stringify(view.error));
  });

  it('POST /jobs with a clip: exactly the source frames in [12.345, 20.000), audio trimmed to match', async () => {
    const r = await api('POST', '/jobs', {
      json: {
        source: 's3://ingest/library/talk-20s',
        preset: 'h264-single-480p',
        clip: { start: '00:00:12.345', end: 20 },
        correlationId: 'clip-1',
        userMetadata: { customer: 'acme' },
        callbackUrl: `${callbackBase}/hook`,
      },
    });
    assert.equal(r.status, 202, JSON.stringify(r.body));
    assert.match(r.body.jobId, /^j-[0-9a-f]{24}$/);
    assert.equal(r.headers.get('location'), `/jobs/${r.body.jobId}`);
    const { view } = await untilDone(r.body.jobId);
    assert.equal(view.status, 'COMPLETE', JSON.stringify(view.error));
    assert.deepEqual(view.clip, { start: 12.345, end: 20 });
    assert.equal(view.correlationId, 'clip-1');
    assert.deepEqual(view.userMetadata, { customer: 'acme', callbackUrl: `${callbackBase}/hook` });

    const video = view.outputs.find((o: Json) => o.type === 'video');
    const out = path.join(dir, 'clip.mp4');
    await downloadFile(serve.stack.s3, { bucket: 'output', key: video.uri.replace('s3://output/', '') }, out);
    const src = await frameTimes(longSrc());
    const kept = src.filter((t) => t >= 12.345 - 1e-9 && t < 20 - 1e-9);
    assert.ok(
      kept[0] > 12.345 && kept[0] - 12.345 < 0.04,
      `first kept frame ${kept[0]} is the first at or after 12.345`,
    );
    const got = await frameTimes(out);
    assert.equal(got.length, kept.length, `frame count: ${got.length} vs ${kept.length} source frames in [12.345, 20)`);
    let worst = 0;
    for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i] - got[0] - (kept[i] - kept[0])));
    assert.ok(worst < 1e-4, `every frame at its source time minus the first kept frame's (worst drift ${worst}s)`);
    const st = await streams(out);
    const v = st.find((s) => s.codecType === 'video')!;
    const a = st.find((s) => s.codecType === 'audio');
    assert.ok(a, 'the clip has audio');
    const frameDur = src[1] - src[0];
    const expected = kept[kept.length - 1] - kept[0] + frameDur;
    assert.ok(Math.abs(v.duration - expected) <= frameDur + 1e-3, `video duration ${v.duration} vs ${expected}`);
    // The MP4 hides the AAC priming packet with an edit list; ffprobe shows it before zero and
    // counts it in the duration (test/helpers/contract.ts does the same): what plays is the rest.
    const audioDur = a.startTime < 0 && a.startTime > -2048 / 48000 ? a.duration + a.startTime : a.duration;
    assert.ok(
      Math.abs(audioDur - v.duration) <= 1024 / 48000 + 1e-3,
      `audio ${audioDur}s within one AAC frame of video ${v.duration}s`,
    );
    assert.equal(video.frames, kept.length, 'the output record counts the same frames');

    // The webhook notifier POSTed the job's events to the callback URL, echoing what was sent.
    const deadline = Date.now() + 5000;
    while (
      !callbacks.some((e) => (e.detail as Json).jobId === r.body.jobId && (e.detail as Json).status === 'COMPLETE') &&
      Date.now() < deadline
    )
      await new Promise((res) => setTimeout(res, 50));
    const mine = callbacks.filter((e) => (e.detail as Json).jobId === r.body.jobId);
    // Progress (PROGRESSING, STATUS_UPDATE) is delivered too; one final event, last.
    assert.deepEqual(
      mine.map((e) => (e.detail as Json).status).filter((s) => s !== 'PROGRESSING' && s !== 'STATUS_UPDATE'),
      ['COMPLETE'],
    );
    assert.equal((mine.at(-1)!.detail as Json).correlationId, 'clip-1');
    assert.equal((mine.at(-1)!.detail as Json).userMetadata.customer, 'acme');
    // A clip starting between keyframes: the verification counts exactly the clip's frames.
    checkVerification(mine.at(-1)!.detail as unknown as JobEventDetail);
    assert.equal((mine.at(-1)!.detail as unknown as JobEventDetail).verification!.renditions[0].framesIn, kept.length);
  });

  describe('bad requests get a 4xx with a clear code and start nothing', () => {
    const src = 's3://ingest/library/talk-20s';
    it('malformed JSON -> 400 INVALID_JSON', () =>
      refused(
        'POST',
        '/jobs',
        { raw: '{"source": "s3://ingest/library/talk-20s",', type: 'application/json' },
        400,
        'INVALID_JSON',
      ));
    it('wrong content type -> 415 UNSUPPORTED_MEDIA_TYPE', () =>
      refused(
        'POST',
        '/jobs',
        { raw: JSON.stringify({ source: src }), type: 'text/plain' },
        415,
        'UNSUPPORTED_MEDIA_TYPE',
      ));
    it('body over 64 KiB -> 413 PAYLOAD_TOO_LARGE', () =>
      refused(
        'POST',
        '/jobs',
        { json: { source: src, correlationId: 'x', pad: 'x'.repeat(MAX_BODY_BYTES) } },
        413,
        'PAYLOAD_TOO_LARGE',
      ));
    it('unknown field -> 400 INVALID_REQUEST', () =>
      refused('POST', '/jobs', { json: { source: src, clipp: { start: 1 } } }, 400, 'INVALID_REQUEST'));
    it('unknown preset -> 400 UNKNOWN_PRESET', () =>
      refused('POST', '/jobs', { json: { source: src, preset: 'h265-8k' } }, 400, 'UNKNOWN_PRESET'));
    it('clip end before start -> 400 INVALID_CLIP', () =>
      refused(
        'POST',
        '/jobs',
        { json: { source: src, clip: { start: 10, end: '00:00:05.000' } } },
        400,
        'INVALID_CLIP',
      ));
    it('malformed timecode -> 400 INVALID_CLIP', () =>
      refused('POST', '/jobs', { json: { source: src, clip: { start: '00:00:12:05' } } }, 400, 'INVALID_CLIP'));
    it('clip starting beyond the source -> 422 CLIP_OUT_OF_RANGE', () =>
      refused('POST', '/jobs', { json: { source: src, clip: { start: 25, end: 30 } } }, 422, 'CLIP_OUT_OF_RANGE'));
    it('clip ending beyond the source -> 422 CLIP_OUT_OF_RANGE', () =>
      refused(
        'POST',
        '/jobs',
        { json: { source: src, clip: { start: 12, end: '00:00:40' } } },
        422,
        'CLIP_OUT_OF_RANGE',
      ));
    it('missing source object -> 404 SOURCE_NOT_FOUND', () =>
      refused('POST', '/jobs', { json: { source: 's3://ingest/library/missing.mp4' } }, 404, 'SOURCE_NOT_FOUND'));
    it('source outside the ingest bucket -> 400 SOURCE_NOT_ALLOWED', () =>
      refused('POST', '/jobs', { json: { source: 's3://output/anything.mp4' } }, 400, 'SOURCE_NOT_ALLOWED'));
    it('source that is not media -> 422 SOURCE_UNREADABLE', () =>
      refused('POST', '/jobs', { json: { source: 's3://ingest/library/notes' } }, 422, 'SOURCE_UNREADABLE'));
    it('callback URL that is not allowed -> 400 INVALID_REQUEST', () =>
      refused(
        'POST',
        '/jobs',
        { json: { source: src, callbackUrl: 'http://192.168.1.10/hook' } },
        400,
        'INVALID_REQUEST',
      ));
    it('upload of a non-video file name -> 400 UNSUPPORTED_FILE_TYPE', () =>
      refused('POST', '/uploads', { json: { filename: 'notes.txt' } }, 400, 'UNSUPPORTED_FILE_TYPE'));
    it('unknown and malformed job ids -> 404 JOB_NOT_FOUND, 400 INVALID_JOB_ID; bad limit -> 400', async () => {
      await refused('GET', '/jobs/j-000000000000000000000000', {}, 404, 'JOB_NOT_FOUND');
      await refused('GET', `/jobs/${encodeURIComponent('bad_id!')}`, {}, 400, 'INVALID_JOB_ID');
      await refused('GET', '/jobs?limit=1000', {}, 400, 'INVALID_REQUEST');
    });
    it('Step Functions unavailable -> 503 SERVICE_UNAVAILABLE with Retry-After, no record', async () => {
      // The runtime's starter, swapped for this test: StartExecution throttled.
      serve.stack.rt.starter = {
        start: async () => {
          throw Object.assign(new Error('Rate exceeded'), {
            name: 'ThrottlingException',
            $metadata: { httpStatusCode: 400 },
          });
        },
      };
      try {
        const r = await refused('POST', '/jobs', { json: { source: src } }, 503, 'SERVICE_UNAVAILABLE');
        assert.ok(Number(r.headers.get('retry-after')) > 0, 'Retry-After');
      } finally {
        serve.stack.rt.starter = serve.stack.sfn;
      }
    });
    it('a request for a host that is not loopback (DNS rebinding) -> 403 FORBIDDEN_HOST', async () => {
      const u = new URL(serve.apiUrl);
      const r = await new Promise<{ status: number; body: Json }>((resolve, reject) => {
        const req = http.request(
          { host: u.hostname, port: u.port, path: '/jobs', headers: { host: 'attacker.example:80' } },
          (res) => {
            let b = '';
            res.on('data', (c: Buffer) => (b += c.toString()));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(b) as Json }));
          },
        );
        req.on('error', reject);
        req.end();
      });
      assert.deepEqual([r.status, r.body.code], [403, 'FORBIDDEN_HOST']);
    });
    it('routes outside the API -> 404 NOT_FOUND, 405 METHOD_NOT_ALLOWED', async () => {
      const nf = await fetch(`${serve.apiUrl}/nope`);
      assert.equal(nf.status, 404);
      assert.equal(((await nf.json()) as Json).code, 'NOT_FOUND');
      const na = await fetch(`${serve.apiUrl}/jobs`, { method: 'DELETE' });
      assert.equal(na.status, 405);
      assert.equal(na.headers.get('allow'), 'POST, GET');
    });
  });
});
