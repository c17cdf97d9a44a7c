/**
 * The npm scripts exactly as a user types them (`npm start`, `npm run serve`): npm itself runs
 * in the child, so what npm adds to stdout and stderr is part of what is tested.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import net from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { generateSample } from '../../src/media/package/sample.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

/**
 * Runs `npm <args>` in the project root. The npm_config_* variables of a surrounding `npm test`
 * are dropped, so the child npm reads the project's own configuration as a user's shell would.
 */
function npm(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_config_/i.test(k)));
  return new Promise((resolve) => {
    const child = spawn('npm', args, { cwd: ROOT, env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** A server holding a loopback port, as another program would. */
async function holdPort(): Promise<{ port: number; close: () => Promise<void> }> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  return { port: (srv.address() as net.AddressInfo).port, close: () => new Promise((r) => srv.close(() => r())) };
}

/** A port free right now. */
async function freePort(): Promise<number> {
  const h = await holdPort();
  await h.close();
  return h.port;
}

describe('npm scripts as typed by a user', function () {
  this.timeout(300_000);
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'mt-npm-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('`npm start -- x.mp4 --json`: the whole stdout is one JSON document (no npm banner), so `| jq .` works', async () => {
    const input = path.join(dir, 'tiny.mp4');
    await generateSample({ output: input, durationSec: 2, width: 160, height: 120, fps: 25, audio: true });
    const r = await npm([
      'start',
      '--',
      input,
      '--json',
      '--out',
      path.join(dir, 'out'),
      '--data',
      path.join(dir, 'data'),
      '--segment-seconds',
      '1',
    ]);
    assert.equal(r.code, 0, r.stderr);
    let ev: { detail: { status: string } };
    assert.doesNotThrow(() => (ev = JSON.parse(r.stdout)), `stdout is not pure JSON:\n${r.stdout.slice(0, 400)}`);
    assert.equal(ev!.detail.status, 'COMPLETE');
  });

  it('`npm run serve` with the S3 or API port taken: one line naming the port, exit 1, nothing left running', async () => {
    const taken = await holdPort();
    try {
      const s3Port = await freePort();
      for (const [flags, endpoint] of [
        [['--s3-port', String(taken.port), '--port', '0'], 'S3 endpoint'],
        [['--s3-port', String(s3Port), '--port', String(taken.port)], 'HTTP API'],
      ] as const) {
        const r = await npm(['run', 'serve', '--', ...flags, '--data', path.join(dir, 'serve')]);
        assert.equal(r.code, 1, r.stderr);
        const lines = r.stderr.trim().split('\n');
        assert.equal(lines.length, 1, `one line on stderr, got:\n${r.stderr}`);
        assert.match(
          lines[0],
          new RegExp(`${endpoint} cannot listen on 127\\.0\\.0\\.1:${taken.port}: the port is already in use`),
        );
        assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
        assert.equal(r.stdout, '', 'nothing on stdout');
        // The S3 endpoint that had started before the API failed is gone with the process.
        const again = net.createServer();
        await new Promise<void>((res, rej) => again.once('error', rej).listen(s3Port, '127.0.0.1', res));
        await new Promise((res) => again.close(res));
      }
    } finally {
      await taken.close();
    }
  });
});
