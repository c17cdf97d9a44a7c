/**
 * Issue 13, what a stranger can send the local service: `startServe` (what `npm run serve`
 * runs) in-process on free ports, exercised over raw HTTP, so each request is exactly the bytes
 * an attacker or a careless client would send.
 */
import '../../src/util/quietWarnings.js';
import assert from 'node:assert/strict';
import http from 'node:http';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startServe, type Serve } from '../../scripts/serve.js';
import { generateSample } from '../../src/media/package/sample.js';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { listKeys } from '../../src/aws/s3.js';
import { EVENT_FUNCTIONS } from '../../src/local/functions.js';
import type { IngestResult } from '../../src/pipeline/steps/ingest.js';
import { eventSchemaErrors } from '../helpers/eventSchema.js';
import { objectBytes } from '../helpers/stack.js';
import { Webhook } from 'standardwebhooks';
import type { AddressInfo } from 'node:net';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Json = any;

/** One raw HTTP exchange (no SDK, no signing: what curl sends). */
function raw(
  url: string,
  method: string,
  body?: Buffer | string,
  headers: Record<string, string> = {},
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      {
        method,
        headers: { ...(body !== undefined ? { 'content-length': String(Buffer.byteLength(body)) } : {}), ...headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('hardening: hostile requests to the local service (issue 13)', function () {
  this.timeout(120_000);
  let dir: string;
  let serve: Serve;
  const src = () => path.join(dir, 'tiny.mp4');

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'mt-hard-'));
    const log = createWriteStream(path.join(dir, 'log.jsonl'));
    await generateSample({ output: src(), durationSec: 2, width: 160, height: 120, fps: 25, audio: true });
    serve = await startServe({
      logSink: (l) => log.write(`${l}\n`),
      dataDir: path.join(dir, 'data'),
      apiPort: 0,
      s3Port: 0,
      segmentSeconds: 1,
      webhookRetryDelaysMs: [50, 50],
    });
  });

  after(async () => {
    await serve?.close();
    if (!process.env.KEEP_TEST_FILES && dir) await rm(dir, { recursive: true, force: true });
  });

  it('an unauthenticated PUT with a 250-byte key segment gets an S3 error; S3, the API and a running job go on', async () => {
    const s3 = serve.s3Endpoint;
    // A job running while the hostile PUT arrives.
    const ingest = serve.stack.waitForIngest('uploads/running.mp4');
    const put = await raw(`${s3}/ingest/uploads/running.mp4`, 'PUT', await readFile(src()));
    assert.equal(put.status, 200, put.text);
    const ing = await ingest;
    assert.ok(ing.started);

    const long = `${s3}/ingest/k/${'x'.repeat(246)}.mp4`;
    const hostile = await raw(long, 'PUT', await readFile(src()));
    assert.equal(hostile.status, 400, hostile.text);
    assert.match(hostile.text, /<Code>KeyTooLongError<\/Code>/);
    // The object cannot exist, so reading it is an ordinary 404, never a 5xx.
    assert.equal((await raw(long, 'HEAD')).status, 404);
    assert.match((await raw(long, 'GET')).text, /<Code>NoSuchKey<\/Code>/);
    // A key naming s3rver's own files (a second PUT of `library/x` would then write into a
    // directory) is refused too.
    const marker = await raw(`${s3}/ingest/library/x._S3rver_object/y`, 'PUT', 'x');
    assert.equal(marker.status, 400, marker.text);
    // Multipart parts go through the same guard.
    assert.equal((await raw(`${long}?uploads`, 'POST')).status, 400);

    // Still serving: S3 round trip, the API, and the job that was running.
    const ok = await raw(`${s3}/ingest/library/after.txt`, 'PUT', 'still here');
    assert.equal(ok.status, 200, ok.text);
    assert.equal((await raw(`${s3}/ingest/library/after.txt`, 'GET')).text, 'still here');
    const list = await raw(`${serve.apiUrl}/jobs?limit=5`, 'GET');
    assert.equal(list.status, 200, list.text);
    const final = await serve.stack.waitForFinalEvent(ing.jobId);
    assert.equal((final?.detail as Json | undefined)?.status, 'COMPLETE', JSON.stringify(final?.detail));
  });
  it('POST /jobs: a request that can never succeed gets a 4xx with a clear code, never a 5xx', async () => {
    const post = async (body: Buffer | string) => {
      const r = await raw(`${serve.apiUrl}/jobs`, 'POST', body, { 'content-type': 'application/json' });
      return { status: r.status, body: JSON.parse(r.text) as Json };
    };
    // A key with `..` segments (was 500).
    for (const source of ['s3://ingest/a/../library/x.mp4', 's3://ingest/./x.mp4', 's3://ingest/..']) {
      const r = await post(JSON.stringify({ source }));
      assert.equal(r.status, 400, `${source}: ${JSON.stringify(r.body)}`);
      assert.equal(r.body.code, 'INVALID_REQUEST');
      assert.match(r.body.message, /\.\./);
    }
    // A 1,000-byte key (was 503 "retry later"): no such object can exist, so it is not found.
    const longKey = `k/${'x'.repeat(998)}`;
    assert.equal(Buffer.byteLength(longKey), 1000);
    const long = await post(JSON.stringify({ source: `s3://ingest/${longKey}` }));
    assert.equal(long.status, 404, JSON.stringify(long.body));
    assert.equal(long.body.code, 'SOURCE_NOT_FOUND');
    // Invalid UTF-8 inside a JSON string (was silently replaced by U+FFFD).
    const bad = Buffer.concat([
      Buffer.from('{"source":"s3://ingest/'),
      Buffer.from([0xff, 0xfe]),
      Buffer.from('.mp4"}'),
    ]);
    const utf = await post(bad);
    assert.equal(utf.status, 400, JSON.stringify(utf.body));
    assert.equal(utf.body.code, 'INVALID_JSON');
    assert.match(utf.body.message, /UTF-8/);
  });
  it('an upload with unusable x-amz-meta settings becomes a job in ERROR with exactly one ERROR event naming the setting; nothing runs', async () => {
    const stack = serve.stack;
    const bytes = await readFile(src());
    const cases: { meta: Record<string, string>; code: string; message: RegExp; correlationId?: string }[] = [
      { meta: { 'segment-seconds': '-1' }, code: 'INVALID_REQUEST', message: /segment-seconds/ },
      { meta: { 'segment-seconds': '1e9' }, code: 'INVALID_REQUEST', message: /segment-seconds/ },
      {
        meta: { 'segment-seconds': 'abc', 'correlation-id': 'order-7' },
        code: 'INVALID_REQUEST',
        message: /segment-seconds/,
        correlationId: 'order-7',
      },
      { meta: { 'segment-seconds': '1000' }, code: 'INVALID_REQUEST', message: /segment-seconds: .*600/ },
      {
        meta: { 'correlation-id': 'c'.repeat(300) },
        code: 'INVALID_REQUEST',
        message: /correlation-id: 300 characters, at most 256 \(not echoed\)/,
      },
      { meta: { engine: 'warp' }, code: 'INVALID_REQUEST', message: /engine/ },
      { meta: { preset: 'nope' }, code: 'UNKNOWN_PRESET', message: /preset: unknown preset "nope"/ },
    ];
    for (const [i, c] of cases.entries()) {
      const key = `uploads/bad-meta/${i}.mp4`;
      const what = JSON.stringify(c.meta).slice(0, 80);
      const ingested = stack.waitForIngest(key);
      await stack.s3.send(new PutObjectCommand({ Bucket: 'ingest', Key: key, Body: bytes, Metadata: c.meta }));
      const ing = (await ingested) as Extract<IngestResult, { errorCode: string }>;
      assert.equal(ing.started, false, what);
      assert.equal(ing.errorCode, c.code, what);
      const jobId = ing.jobId;
      assert.match(jobId, /^j-[0-9a-f]{24}$/);

      const events = stack.jobEvents(jobId);
      assert.equal(events.length, 1, `${what}: exactly one event`);
      const d = events[0].detail as Json;
      assert.equal(d.status, 'ERROR');
      assert.equal(d.errorCode, c.code);
      assert.match(d.errorMessage, c.message);
      assert.equal(d.source, `s3://ingest/${key}`);
      assert.equal(d.correlationId, c.correlationId, `${what}: correlation id echoed only when valid`);
      assert.deepEqual(eventSchemaErrors(events[0]), [], what);

      const view = await raw(`${serve.apiUrl}/jobs/${jobId}`, 'GET');
      assert.equal(view.status, 200, view.text);
      const v = JSON.parse(view.text) as Json;
      assert.equal(v.status, 'ERROR');
      assert.equal(v.error.code, c.code);

      // Nothing ran, nothing was published, the source is as uploaded.
      await assert.rejects(stack.sfn.wait(jobId), /no execution/);
      assert.deepEqual(await listKeys(stack.s3, 'output', `${jobId}/`), []);
      assert.deepEqual(await listKeys(stack.s3, 'work', `jobs/${jobId}/`), []);
      assert.ok((await objectBytes(stack, 'ingest', key)).equals(bytes), 'source untouched');

      // The same upload delivered again: still one event.
      const again = (await EVENT_FUNCTIONS.ingest.invoke(stack.rt, {
        version: '0',
        'detail-type': 'Object Created',
        source: 'aws.s3',
        detail: { bucket: { name: 'ingest' }, object: { key, size: bytes.length } },
      })) as IngestResult;
      assert.equal(again.started, false);
      assert.equal(stack.jobEvents(jobId).length, 1, `${what}: a duplicate delivery emits nothing`);
    }
  });
  it('npm run serve signs webhook deliveries (generated whsec_ secret); a receiver verifies each with standardwebhooks', async () => {
    assert.equal(serve.webhookSecretGenerated, true);
    assert.match(serve.webhookSecret, /^whsec_[A-Za-z0-9+/]+=*$/);
    const got: { headers: http.IncomingHttpHeaders; body: string }[] = [];
    const receiver = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        got.push({ headers: req.headers, body });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
      assert.equal((await raw(`${serve.s3Endpoint}/ingest/library/tiny`, 'PUT', await readFile(src()))).status, 200);
      const created = await raw(
        `${serve.apiUrl}/jobs`,
        'POST',
        JSON.stringify({ source: 's3://ingest/library/tiny', callbackUrl: url }),
        { 'content-type': 'application/json' },
      );
      assert.equal(created.status, 202, created.text);
      const { jobId } = JSON.parse(created.text) as { jobId: string };
      await serve.stack.waitForFinalEvent(jobId);
      const statuses = () => got.map((g) => (JSON.parse(g.body) as Json).detail.status as string);
      for (let i = 0; i < 100 && !statuses().includes('COMPLETE'); i++) await new Promise((r) => setTimeout(r, 50));
      // PROGRESSING, any STATUS_UPDATE progress events, then the one final event: every one signed.
      const seen = statuses();
      assert.equal(seen[0], 'PROGRESSING', seen.join(' > '));
      assert.equal(seen.at(-1), 'COMPLETE', seen.join(' > '));
      assert.ok(
        seen.slice(1, -1).every((s) => s === 'STATUS_UPDATE'),
        seen.join(' > '),
      );
      const wh = new Webhook(serve.webhookSecret);
      for (const g of got) {
        const h = {
          'webhook-id': String(g.headers['webhook-id']),
          'webhook-timestamp': String(g.headers['webhook-timestamp']),
          'webhook-signature': String(g.headers['webhook-signature']),
        };
        const ev = wh.verify(g.body, h) as Json;
        assert.equal(ev.id, h['webhook-id']);
        assert.equal(ev.detail.jobId, jobId);
      }
    } finally {
      receiver.closeAllConnections();
      await new Promise((r) => receiver.close(r));
    }
  });
});
