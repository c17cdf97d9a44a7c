/**
 * Every refusal of the local S3 is S3's XML error (issue 20, case 8): a bucket name longer than
 * S3 allows and a `.`/`..` key segment, asked over raw HTTP (no client normalizes the path) of a
 * running local stack. The stack and the data on it live on.
 */
import '../../src/util/quietWarnings.js';
import assert from 'node:assert/strict';
import http from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { LocalStack } from '../../src/local/stack.js';

/** One raw request: the path is sent exactly as written. */
function raw(endpoint: string, method: string, p: string): Promise<{ status: number; type: string; body: string }> {
  const u = new URL(endpoint);
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: u.hostname, port: u.port, method, path: p, headers: { 'content-length': method === 'PUT' ? '2' : '0' } },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type'] ?? ''), body }),
        );
      },
    );
    req.on('error', reject);
    req.end(method === 'PUT' ? 'hi' : undefined);
  });
}

describe('local S3: every refusal in S3 XML', function () {
  this.timeout(60_000);
  let dir: string;
  let stack: LocalStack;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'mt-s3ref-'));
    stack = await LocalStack.start({ dataDir: dir, logSink: () => undefined });
  });
  after(async () => {
    await stack?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const xmlError = (r: { status: number; type: string; body: string }, status: number, code: string) => {
    assert.equal(r.status, status, r.body);
    assert.match(r.type, /xml/, `an XML answer: ${r.type} ${r.body}`);
    assert.match(r.body, new RegExp(`<Error>[\\s\\S]*<Code>${code}</Code>[\\s\\S]*<Message>[^<]+</Message>`), r.body);
  };

  it("a bucket name over 255 characters (and over S3's 63): 400 InvalidBucketName, for the bucket and for a key in it", async () => {
    const long = 'b'.repeat(300);
    for (const [m, p] of [
      ['GET', `/${long}`],
      ['PUT', `/${long}`],
      ['GET', `/${long}/k.mp4`],
      ['PUT', `/${long}/k.mp4`],
      ['GET', `/${'c'.repeat(64)}/k.mp4`],
    ] as const) {
      xmlError(await raw(stack.endpoint, m, p), 400, 'InvalidBucketName');
    }
  });

  it('a . or .. key segment, raw or percent-encoded: 400 InvalidArgument as S3 XML', async () => {
    for (const [m, p] of [
      ['PUT', '/ingest/a/../b.mp4'],
      ['GET', '/ingest/a/%2E%2E/b.mp4'],
      ['PUT', '/ingest/./b.mp4'],
      ['GET', '/ingest/..'],
    ] as const) {
      xmlError(await raw(stack.endpoint, m, p), 400, 'InvalidArgument');
    }
    // The local S3 still answers (a plain valid request).
    assert.equal((await raw(stack.endpoint, 'PUT', '/ingest/fine.txt')).status, 200);
  });
});
