/**
 * No acknowledged upload is lost (issue 20, case 2): a service killed with SIGKILL right after
 * three PUTs were answered 200 leaves objects whose ingest trigger never ran; at the next start
 * every one of them is a job (the reconcile of the ingest bucket against the job table), each
 * exactly once, and a second restart starts nothing more.
 */
import '../../src/util/quietWarnings.js';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LocalStack } from '../../src/local/stack.js';
import { generateSample } from '../../src/media/package/sample.js';
import { jobIdFor } from '../../src/pipeline/ingest.js';
import { headObject } from '../../src/aws/s3.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

describe('crash recovery: kill -9 after three acknowledged uploads', function () {
  this.timeout(300_000);
  let dir: string;
  let stack: LocalStack | undefined;
  after(async () => {
    await stack?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('three acknowledged PUTs give three jobs after the restart, once each', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'mt-crash-up-'));
    const src = path.join(dir, 'src.mp4');
    await generateSample({ output: src, durationSec: 2, width: 320, height: 240, fps: 25, audio: true });
    const dataDir = path.join(dir, 'data');
    const keys = ['uploads/one.mp4', 'uploads/two.mp4', 'uploads/three.mp4'];
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', path.join(ROOT, 'test/helpers/crash-uploads-child.ts'), dataDir, src, ...keys],
      {
        cwd: ROOT,
        env: { ...process.env, NODE_OPTIONS: '--openssl-legacy-provider' },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    const signal = await new Promise<NodeJS.Signals | null>((resolve) =>
      child.once('exit', (_code, sig) => resolve(sig)),
    );
    assert.equal(signal, 'SIGKILL');
    assert.equal(out.trim(), 'ACKED 3', 'every PUT was acknowledged before the kill');

    stack = await LocalStack.start({ dataDir, segmentSeconds: 1, logSink: () => undefined });
    const s = stack;
    const ids = await Promise.all(
      keys.map(async (key) => jobIdFor('ingest', key, (await headObject(s.s3, { bucket: 'ingest', key })).etag)),
    );
    assert.ok(
      s.recovery.resumed.length >= 1,
      `the kill left at least one acknowledged upload without a job (resumed ${JSON.stringify(s.recovery.resumed)}, interrupted ${JSON.stringify(s.recovery.interrupted)})`,
    );
    assert.deepEqual(
      [...s.recovery.resumed, ...s.recovery.interrupted].sort(),
      [...ids].sort(),
      'each upload is one job: resumed now or ended as INTERRUPTED',
    );
    for (const id of s.recovery.resumed) {
      const final = await s.waitForFinalEvent(id);
      assert.equal((final?.detail as { status?: string } | undefined)?.status, 'COMPLETE', `resumed job ${id}`);
    }
    for (const id of ids) assert.ok(await s.rt.jobs.get(id), `job ${id} has a record`);
    await s.stop();

    // A second start finds every upload with its job: nothing is started again.
    stack = await LocalStack.start({ dataDir, segmentSeconds: 1, logSink: () => undefined });
    assert.deepEqual([stack.recovery.resumed, stack.recovery.interrupted], [[], []]);
    const lines = (await readFile(path.join(dataDir, 'events.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { detail: { jobId: string; status: string } });
    for (const id of ids) {
      const finals = lines.filter(
        (e) => e.detail.jobId === id && ['COMPLETE', 'ERROR', 'CANCELED'].includes(e.detail.status),
      );
      assert.equal(finals.length, 1, `job ${id}: exactly one final event`);
    }
  });
});
