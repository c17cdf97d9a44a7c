/**
 * Crash recovery of the local stack (issue 13, item 2): a service killed with SIGKILL while a
 * job encodes leaves no ffmpeg running (the watchdog), and the next start ends the job in
 * exactly one final state (ERROR, code INTERRUPTED), deletes its work files, empties the
 * scratch folder, and a re-upload of the same object starts nothing and emits nothing.
 */
import '../../src/util/quietWarnings.js';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { LocalStack } from '../../src/local/stack.js';
import { generateSample } from '../../src/media/package/sample.js';
import { listKeys } from '../../src/aws/s3.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    // A zombie is dead but still listed until reaped by its (new) parent.
    return !/\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
};

describe('crash recovery on the local stack (kill -9 during a job)', function () {
  this.timeout(240_000);
  let dir: string;
  let stack: LocalStack | undefined;
  after(async () => {
    await stack?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('no orphan ffmpeg; one INTERRUPTED ERROR at restart; work and scratch reclaimed; a re-upload starts nothing', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'mt-crash-'));
    const src = path.join(dir, 'src.mp4');
    await generateSample({ output: src, durationSec: 12, width: 854, height: 480, fps: 25, audio: true });
    const dataDir = path.join(dir, 'data');
    const key = 'uploads/crash.mp4';
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', path.join(ROOT, 'test/helpers/crash-child.ts'), dataDir, src, key],
      {
        cwd: ROOT,
        env: { ...process.env, NODE_OPTIONS: '--openssl-legacy-provider' },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    const line = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (b: Buffer) => {
        out += b.toString();
        if (out.includes('\n')) resolve(out.trim());
      });
      child.on('exit', (code) => reject(new Error(`child exited ${code}: ${out}`)));
    });
    assert.match(line, /^READY /, line);
    const [, jobId, pids] = line.split(' ');
    const ffmpegs = pids.split(',').map(Number);
    assert.ok(ffmpegs.every(alive), 'ffmpeg encodes when the service is killed');
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    // The watchdog polls every 0.5 s; give it a few seconds on a loaded machine.
    const deadline = Date.now() + 10_000;
    while (ffmpegs.some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(ffmpegs.filter(alive), [], 'no ffmpeg outlives its service');
    assert.ok((await readdir(path.join(dataDir, 'tmp'))).length > 0, 'the dead service left scratch files');

    stack = await LocalStack.start({ dataDir, segmentSeconds: 1, logSink: () => undefined });
    assert.deepEqual(stack.recovery.interrupted, [jobId]);
    assert.ok(stack.recovery.scratchRemoved > 0);
    assert.deepEqual(await readdir(path.join(dataDir, 'tmp')), [], 'scratch space reclaimed');
    const rec = await stack.rt.jobs.get(jobId);
    assert.deepEqual([rec?.status, rec?.error?.code], ['ERROR', 'INTERRUPTED']);
    assert.deepEqual(await listKeys(stack.s3, 'work', `jobs/${jobId}/`), [], 'work files deleted');
    assert.deepEqual(await listKeys(stack.s3, 'output', `${jobId}/`), [], 'nothing published');

    // The same object again (same key, same bytes: same ETag, same job id): nothing starts.
    const ingested = stack.waitForIngest(key, 60_000);
    await stack.s3.send(new PutObjectCommand({ Bucket: 'ingest', Key: key, Body: await readFile(src) }));
    const again = await ingested;
    assert.ok(again.started && again.jobId === jobId && again.alreadyStarted, JSON.stringify(again));
    assert.deepEqual(stack.sfn.running(), []);

    const lines = (await readFile(path.join(dataDir, 'events.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { detail: { jobId: string; status: string; errorCode?: string } });
    const mine = lines.filter((e) => e.detail.jobId === jobId).map((e) => e.detail);
    assert.deepEqual(
      mine.filter((d) => d.status === 'PROGRESSING').length,
      1,
      'one PROGRESSING event, none after the re-upload',
    );
    const finals = mine.filter((d) => ['COMPLETE', 'ERROR', 'CANCELED'].includes(d.status));
    assert.deepEqual(
      finals.map((d) => [d.status, d.errorCode]),
      [['ERROR', 'INTERRUPTED']],
      'exactly one final event',
    );
  });
});
