/** The webhook notifier against a real local HTTP receiver: delivery, refusals, retries, bounds. */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { deliverWebhook, WebhookRetryableError, MAX_WEBHOOK_RESPONSE_BYTES } from '../../src/api/webhook.js';
import { definition as webhookNotifier } from '../../functions/webhookNotifier.js';
import { silentLogger } from '../../src/log.js';
import { createRuntime } from '../../src/runtime.js';
import { parseConfig } from '../../src/config.js';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { mockClient } from 'aws-sdk-client-mock';
import { SSMClient, GetParameterCommand } from '@aws-sdk/client-ssm';

interface Received {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

describe('webhook notifier', function () {
  this.timeout(20_000);
  let server: http.Server;
  let base: string;
  const received: Received[] = [];
  const log = silentLogger;
  const local = { allowLoopback: true };
  const SECRET = `whsec_${Buffer.from('a test secret, 32 bytes long!!!!').toString('base64')}`;
  const secret = async () => SECRET;
  const event = (path: string, extra: Record<string, unknown> = {}) => ({
    version: '0',
    id: 'ev-1',
    'detail-type': 'Transcode Job State Change',
    detail: { status: 'COMPLETE', jobId: 'j-1', userMetadata: { callbackUrl: `${base}${path}`, ...extra } },
  });

  before(async () => {
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        received.push({ path: req.url ?? '', headers: req.headers, body });
        const p = req.url ?? '';
        if (p === '/ok') res.writeHead(204).end();
        else if (p === '/redirect') res.writeHead(302, { location: `${base}/ok` }).end();
        else if (p === '/gone') res.writeHead(410).end('gone');
        else if (p === '/busy') res.writeHead(503).end('busy');
        else if (p === '/throttled') res.writeHead(429).end();
        else if (p === '/slow') setTimeout(() => res.writeHead(200).end(), 3000);
        else if (p === '/huge') {
          res.writeHead(200, { 'content-type': 'text/plain' });
          const chunk = Buffer.alloc(64 * 1024, 'x');
          let sent = 0;
          const pump = () => {
            while (sent < 64 * 1024 * 1024 && res.write(chunk)) sent += chunk.length;
            if (sent < 64 * 1024 * 1024) res.once('drain', pump);
            else res.end();
          };
          res.on('close', () => (sent = Infinity));
          pump();
        } else res.writeHead(404).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });
  beforeEach(() => (received.length = 0));

  it('POSTs the event as JSON with its ids in headers', async () => {
    const r = await deliverWebhook(event('/ok'), { policy: local, log, secret });
    assert.deepEqual(r, { delivered: true, status: 204, url: `${base}/ok` });
    assert.equal(received.length, 1);
    assert.equal(received[0].headers['content-type'], 'application/json');
    assert.equal(received[0].headers['x-transcode-event-id'], 'ev-1');
    assert.equal(received[0].headers['x-transcode-job-id'], 'j-1');
    assert.deepEqual(JSON.parse(received[0].body), event('/ok'));
  });

  it('signs every delivery per Standard Webhooks: the package verify() accepts it, and refuses a changed body or another secret', async () => {
    const r = await deliverWebhook(event('/ok'), { policy: local, log, secret });
    assert.equal(r.delivered, true);
    const [got] = received;
    const headers = {
      'webhook-id': String(got.headers['webhook-id']),
      'webhook-timestamp': String(got.headers['webhook-timestamp']),
      'webhook-signature': String(got.headers['webhook-signature']),
    };
    assert.equal(headers['webhook-id'], 'ev-1', 'the event id: the same on a retried delivery');
    assert.match(headers['webhook-signature'], /^v1,[A-Za-z0-9+/]+=*$/);
    assert.ok(Math.abs(Number(headers['webhook-timestamp']) - Date.now() / 1000) < 60);
    assert.deepEqual(new Webhook(SECRET).verify(got.body, headers), event('/ok'));
    assert.throws(
      () => new Webhook(SECRET).verify(got.body.replace('COMPLETE', 'ERROR'), headers),
      WebhookVerificationError,
    );
    const other = `whsec_${Buffer.from('another secret, 32 bytes long!!!').toString('base64')}`;
    assert.throws(() => new Webhook(other).verify(got.body, headers), WebhookVerificationError);
  });

  it('the Lambda function reads its secret from the runtime; none configured is a ConfigError, never an unsigned delivery', async () => {
    const buckets = {
      INGEST_BUCKET: 'ingest',
      WORK_BUCKET: 'work',
      OUTPUT_BUCKET: 'output',
      WEBHOOK_ALLOW_LOOPBACK_HTTP: 'true',
    };
    const unsigned = createRuntime(parseConfig(buckets), { logSink: () => undefined });
    await assert.rejects(webhookNotifier.invoke(unsigned, event('/ok')), { name: 'ConfigError' });
    assert.equal(received.length, 0, 'nothing sent without a secret');
    // AWS: the secret comes from the SSM SecureString the parameter names, read once.
    let reads = 0;
    const fromSsm = createRuntime(
      parseConfig({ ...buckets, WEBHOOK_SECRET_PARAMETER: '/media-transcoder/test/webhook-secret' }),
      { logSink: () => undefined },
    );
    const ssm = mockClient(SSMClient);
    try {
      ssm
        .on(GetParameterCommand, { Name: '/media-transcoder/test/webhook-secret', WithDecryption: true })
        .callsFake(() => {
          reads++;
          return { Parameter: { Value: SECRET } };
        });
      assert.equal((await webhookNotifier.invoke(fromSsm, event('/ok'))).delivered, true);
      assert.equal((await webhookNotifier.invoke(fromSsm, event('/ok'))).delivered, true);
    } finally {
      ssm.restore();
    }
    assert.equal(reads, 1, 'read once per process');
    for (const got of received) {
      const h = {
        'webhook-id': String(got.headers['webhook-id']),
        'webhook-timestamp': String(got.headers['webhook-timestamp']),
        'webhook-signature': String(got.headers['webhook-signature']),
      };
      assert.ok(new Webhook(SECRET).verify(got.body, h));
    }
  });

  it('does not follow redirects and does not retry them', async () => {
    const r = await deliverWebhook(event('/redirect'), { policy: local, log, secret });
    assert.equal(r.delivered, false);
    assert.equal(r.status, 302);
    assert.deepEqual(
      received.map((x) => x.path),
      ['/redirect'],
      'the redirect target is never called',
    );
  });

  it('a 4xx answer is final; 5xx, 429, timeouts and network errors throw a retryable error', async () => {
    const gone = await deliverWebhook(event('/gone'), { policy: local, log, secret });
    assert.deepEqual([gone.delivered, gone.status], [false, 410]);
    await assert.rejects(deliverWebhook(event('/busy'), { policy: local, log, secret }), WebhookRetryableError);
    await assert.rejects(deliverWebhook(event('/throttled'), { policy: local, log, secret }), WebhookRetryableError);
    const t0 = Date.now();
    await assert.rejects(
      deliverWebhook(event('/slow'), { policy: local, log, secret, timeoutMs: 300 }),
      (e: Error) => e instanceof WebhookRetryableError && /no answer within 300 ms/.test(e.message),
    );
    assert.ok(Date.now() - t0 < 2000, 'the timeout cuts the wait');
    await assert.rejects(
      deliverWebhook(
        { ...event('/ok'), detail: { ...event('/ok').detail, userMetadata: { callbackUrl: 'http://127.0.0.1:1/x' } } },
        { policy: local, log, secret },
      ),
      WebhookRetryableError,
    );
  });

  it('reads a bounded part of the answer', async () => {
    const t0 = Date.now();
    const r = await deliverWebhook(event('/huge'), { policy: local, log, secret });
    assert.equal(r.delivered, true);
    assert.ok(
      Date.now() - t0 < 5000,
      `did not read 64 MiB (${Date.now() - t0} ms; reads at most ${MAX_WEBHOOK_RESPONSE_BYTES} bytes)`,
    );
  });

  it('sends nothing without a callback URL, to a refused URL, or for an oversized event', async () => {
    assert.equal(
      (await deliverWebhook({ detail: { jobId: 'j', userMetadata: {} } }, { policy: local, log, secret })).delivered,
      false,
    );
    const cloud = await deliverWebhook(event('/ok'), { policy: { allowLoopback: false }, log, secret });
    assert.equal(cloud.delivered, false);
    assert.match((cloud as { reason: string }).reason, /https/);
    const big = await deliverWebhook(event('/ok', { pad: 'x'.repeat(300 * 1024) }), { policy: local, log, secret });
    assert.equal(big.delivered, false);
    assert.equal(received.length, 0);
  });

  it('the Lambda function: job events only; loopback http only with the local flag (WEBHOOK_ALLOW_LOOPBACK_HTTP)', async () => {
    const buckets = { INGEST_BUCKET: 'ingest', WORK_BUCKET: 'work', OUTPUT_BUCKET: 'output' };
    const cloud = createRuntime(parseConfig(buckets), { logSink: () => undefined });
    const local = createRuntime(
      parseConfig({ ...buckets, WEBHOOK_ALLOW_LOOPBACK_HTTP: 'true', WEBHOOK_SECRET: SECRET }),
      { logSink: () => undefined },
    );
    assert.equal(
      (await webhookNotifier.invoke(cloud, { 'detail-type': 'Object Created', detail: {} })).delivered,
      false,
    );
    assert.equal(
      (await webhookNotifier.invoke(cloud, event('/ok'))).delivered,
      false,
      'cloud default: http to loopback refused',
    );
    assert.equal(received.length, 0);
    assert.equal((await webhookNotifier.invoke(local, event('/ok'))).delivered, true);
    await assert.rejects(webhookNotifier.invoke(local, event('/busy')), { name: 'WebhookRetryableError' });
  });
});
