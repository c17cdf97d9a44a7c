/**
 * Callback targets (issue 13, SSRF through DNS): names are resolved with an injected fake
 * resolver, every address is checked, and the delivery connects to the address that was
 * checked, never to a second resolution.
 */
import '../../src/util/quietWarnings.js';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import {
  addressProblem,
  callbackUrlProblem,
  resolveCallbackTarget,
  type HostResolver,
} from '../../src/api/callbackUrl.js';
import { pinnedLookup } from '../../src/api/pinnedDispatcher.js';
import { deliverWebhook, WebhookRetryableError } from '../../src/api/webhook.js';
import { silentLogger } from '../../src/log.js';
import { createRuntime } from '../../src/runtime.js';
import { parseConfig } from '../../src/config.js';
import { definition as createJob } from '../../functions/api/createJob.js';
import type { HttpApiEvent } from '../../src/api/http.js';

/** A resolver that answers from a table and counts its calls. */
function fakeResolver(table: Record<string, string[] | (() => string[])>): HostResolver & { calls: string[] } {
  const calls: string[] = [];
  const f = async (host: string) => {
    calls.push(host);
    const e = table[host];
    if (!e) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
    const list = typeof e === 'function' ? e() : e;
    return list.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
  return Object.assign(f, { calls });
}

/** Every forbidden kind of address, by the range it is in. */
const FORBIDDEN: Record<string, string> = {
  'IPv4 loopback': '127.0.0.1',
  'IPv4 loopback, not .1': '127.8.9.10',
  'private 10/8': '10.0.0.1',
  'private 172.16/12': '172.16.5.4',
  'private 192.168/16': '192.168.1.1',
  'link-local': '169.254.1.1',
  'instance metadata (IPv4)': '169.254.169.254',
  CGNAT: '100.64.0.1',
  multicast: '224.0.0.1',
  unspecified: '0.0.0.0',
  broadcast: '255.255.255.255',
  'IPv6 loopback': '::1',
  'IPv6 unspecified': '::',
  'IPv6 link-local': 'fe80::1',
  'unique-local': 'fc00::1',
  'instance metadata (IPv6)': 'fd00:ec2::254',
  'IPv6 multicast': 'ff02::1',
  'NAT64 of metadata (64:ff9b::/96)': '64:ff9b::a9fe:a9fe',
  'local-use NAT64 (64:ff9b:1::/48)': '64:ff9b:1::a9fe:a9fe',
  'IPv4-compatible metadata': '::a9fe:a9fe',
  'IPv4-mapped loopback': '::ffff:7f00:1',
  'IPv4-mapped metadata': '::ffff:169.254.169.254',
  '6to4 of metadata': '2002:a9fe:a9fe::1',
  Teredo: '2001::a9fe',
  documentation: '2001:db8::1',
  'outside 2000::/3': '1::1',
};

describe('callback targets: resolve, check every address, pin the connection', function () {
  this.timeout(20_000);
  const cloud = (resolve: HostResolver) => ({ allowLoopback: false, resolve });
  const secret = async () => `whsec_${Buffer.from('a test secret, 32 bytes long!!!!').toString('base64')}`;

  it('cloud: a name resolving to any forbidden range is refused, naming the address', async () => {
    for (const [what, ip] of Object.entries(FORBIDDEN)) {
      const r = await resolveCallbackTarget(
        'https://hooks.example.com/h',
        cloud(fakeResolver({ 'hooks.example.com': [ip] })),
      );
      assert.equal(r.ok, false, `${what} (${ip}) must be refused`);
      if (!r.ok) {
        assert.ok(r.problem.includes(ip), r.problem);
        assert.equal(r.transient, false);
      }
    }
  });

  it('cloud: one forbidden address among public ones refuses the name (a resolver may hand out any)', async () => {
    const r = await resolveCallbackTarget(
      'https://hooks.example.com/h',
      cloud(fakeResolver({ 'hooks.example.com': ['93.184.216.34', '10.0.0.7'] })),
    );
    assert.equal(r.ok, false);
  });

  it('cloud: address literals in the URL are checked the same way, IPv6 spellings included', () => {
    for (const [what, ip] of Object.entries(FORBIDDEN)) {
      const host = ip.includes(':') ? `[${ip}]` : ip;
      assert.ok(callbackUrlProblem(`https://${host}/h`, { allowLoopback: false }), `${what}: https://${host}/h`);
      assert.ok(addressProblem(ip), what);
    }
  });

  it('cloud: a public name resolves to its checked address; DNS errors are final or transient', async () => {
    const r = await resolveCallbackTarget(
      'https://hooks.example.com/h',
      cloud(fakeResolver({ 'hooks.example.com': ['93.184.216.34'] })),
    );
    assert.deepEqual(r.ok && { address: r.target.address, family: r.target.family }, {
      address: '93.184.216.34',
      family: 4,
    });
    const v6 = await resolveCallbackTarget(
      'https://hooks.example.com/h',
      cloud(fakeResolver({ 'hooks.example.com': ['2606:2800:220:1:248:1893:25c8:1946'] })),
    );
    assert.equal(v6.ok && v6.target.family, 6);
    const missing = await resolveCallbackTarget('https://nowhere.example.com/h', cloud(fakeResolver({})));
    assert.deepEqual(!missing.ok && missing.transient, false);
    const later = await resolveCallbackTarget('https://hooks.example.com/h', {
      allowLoopback: false,
      resolve: async () => {
        throw Object.assign(new Error('getaddrinfo EAI_AGAIN'), { code: 'EAI_AGAIN' });
      },
    });
    assert.deepEqual(!later.ok && later.transient, true);
  });

  it('the pinned lookup answers every lookup, single or all, with the checked address', () => {
    const lookup = pinnedLookup('93.184.216.34', 4);
    lookup('evil.example.com', {}, (err, address, family) =>
      assert.deepEqual([err, address, family], [null, '93.184.216.34', 4]),
    );
    lookup('evil.example.com', { all: true }, (err, address) =>
      assert.deepEqual([err, address], [null, [{ address: '93.184.216.34', family: 4 }]]),
    );
  });

  describe('delivery', () => {
    let server: http.Server;
    let port: number;
    const hosts: string[] = [];
    before(async () => {
      server = http.createServer((req, res) => {
        hosts.push(req.headers.host ?? '');
        req.resume();
        req.on('end', () => res.writeHead(204).end());
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      port = (server.address() as AddressInfo).port;
    });
    after(async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    });
    const ev = (url: string) => ({
      id: 'ev-1',
      'detail-type': 'Transcode Job State Change',
      detail: { jobId: 'j-1', status: 'COMPLETE', userMetadata: { callbackUrl: url } },
    });

    it('connects to the address that was checked, once resolved: a rebinding answer is never used', async () => {
      // First answer loopback (allowed locally), then a private address: a second resolution
      // at connect time would go there (nothing listens on 10.255.255.1: the request would fail).
      let n = 0;
      const resolve = fakeResolver({ 'hooks.example.test': () => (n++ === 0 ? ['127.0.0.1'] : ['10.255.255.1']) });
      hosts.length = 0;
      const r = await deliverWebhook(ev(`http://hooks.example.test:${port}/h`), {
        policy: { allowLoopback: true, resolve },
        log: silentLogger,
        secret,
        timeoutMs: 3000,
      });
      assert.equal(r.delivered, true, JSON.stringify(r));
      assert.deepEqual(resolve.calls, ['hooks.example.test'], 'resolved exactly once');
      assert.deepEqual(
        hosts,
        [`hooks.example.test:${port}`],
        'the receiver on the checked address got it, with the name as Host',
      );
    });

    it('cloud: a name resolving to the metadata address is never fetched', async () => {
      let fetched = 0;
      const r = await deliverWebhook(ev('https://hooks.example.com/h'), {
        policy: cloud(fakeResolver({ 'hooks.example.com': ['169.254.169.254'] })),
        log: silentLogger,
        secret,
        fetchImpl: (async () => {
          fetched++;
          throw new Error('must not fetch');
        }) as never,
      });
      assert.equal(r.delivered, false);
      assert.match((r as { reason: string }).reason, /169\.254\.169\.254/);
      assert.equal(fetched, 0);
    });

    it('a resolver failing for now is retried later (WebhookRetryableError)', async () => {
      const policy = {
        allowLoopback: false,
        resolve: async () => Promise.reject(Object.assign(new Error('timeout'), { code: 'ETIMEOUT' })),
      };
      await assert.rejects(
        deliverWebhook(ev('https://hooks.example.com/h'), { policy, log: silentLogger, secret }),
        WebhookRetryableError,
      );
    });
  });

  it('POST /jobs refuses a callback name that resolves to a forbidden address, before any S3 call', async () => {
    const s3 = new S3Client({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
    const mock = mockClient(s3);
    try {
      const rt = createRuntime(parseConfig({ INGEST_BUCKET: 'ingest', WORK_BUCKET: 'work', OUTPUT_BUCKET: 'output' }), {
        s3,
        events: { put: async () => undefined },
        starter: { start: async () => assert.fail('no execution may start') },
        callbacks: cloud(fakeResolver({ 'hooks.example.com': ['fd00:ec2::254'] })),
        logSink: () => undefined,
      });
      const e: HttpApiEvent = {
        version: '2.0',
        routeKey: 'POST /jobs',
        rawPath: '/jobs',
        rawQueryString: '',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ source: 's3://ingest/a.mp4', callbackUrl: 'https://hooks.example.com/h' }),
        isBase64Encoded: false,
        requestContext: { requestId: 'r', http: { method: 'POST', path: '/jobs' } },
      };
      const res = await createJob.invoke(rt, e);
      assert.equal(res.statusCode, 400, res.body);
      const body = JSON.parse(res.body) as { code: string; message: string };
      assert.equal(body.code, 'INVALID_REQUEST');
      assert.match(body.message, /fd00:ec2::254/);
      assert.equal(mock.calls().length, 0);
    } finally {
      mock.restore();
    }
  });
});
