/**
 * Fallback to ECS (issue 13): a segment function that times out after its retries sends the job
 * to the ECS worker instead of failing. The local stack is given a 1 ms Lambda timeout for
 * transcodeSegment (as Lambda reports it: Sandbox.Timedout), the job is forced onto the Lambda
 * fan-out, and it must COMPLETE through ECS with the output contract intact and an event that
 * says which engine did the segments.
 */
import '../../src/util/quietWarnings.js';
import assert from 'node:assert/strict';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { LocalStack } from '../../src/local/stack.js';
import { generateSample } from '../../src/media/package/sample.js';
import type { ExecutionProgress } from '../../src/local/stepFunctions.js';
import { checkContract, checkStreaming } from '../helpers/contract.js';
import { runJob, keysUnder, downloadOutputs } from '../helpers/stack.js';
import { eventSchemaErrors } from '../helpers/eventSchema.js';

describe('fallback to ECS when a segment function times out', function () {
  this.timeout(240_000);
  let dir: string;
  let stack: LocalStack;
  const steps = new Map<string, string[]>();

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'mt-fallback-'));
    const log = createWriteStream(path.join(dir, 'log.jsonl'));
    stack = await LocalStack.start({
      dataDir: path.join(dir, 'stack'),
      logSink: (l) => log.write(`${l}\n`),
      functionTimeoutsMs: { transcodeSegment: 1 },
      ecs: { pollMs: 200 },
    });
    stack.sfn.on('progress', (p: ExecutionProgress) => {
      const a = steps.get(p.jobId) ?? [];
      if (a.at(-1) !== p.step) a.push(p.step);
      steps.set(p.jobId, a);
    });
  });
  after(async () => {
    await stack?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('the job COMPLETEs through the ECS worker; the event says so; the contract holds', async () => {
    const file = path.join(dir, 'in.mp4');
    await generateSample({ output: file, durationSec: 3, width: 160, height: 120, fps: 25, audio: true });
    const r = await runJob(stack, file, 'uploads/fallback.mp4', {
      preset: 'h264-single-480p',
      engine: 'lambda',
      'segment-seconds': '1',
    });
    const statuses = r.events.map((e) => (e.detail as { status: string }).status);
    assert.equal(
      r.detail.status,
      'COMPLETE',
      `${statuses.join(' > ')}: ${r.detail.errorCode} ${r.detail.errorMessage}`,
    );
    assert.deepEqual(
      statuses.filter((s) => ['COMPLETE', 'ERROR', 'CANCELED'].includes(s)),
      ['COMPLETE'],
      'exactly one final event',
    );
    // The segments' Map items caught their Sandbox.Timedout; Assemble found no results and said so.
    assert.deepEqual(r.detail.engine, { segments: 'ecs', fallbackFrom: 'lambda', reason: 'SegmentFallback' });
    const seen = steps.get(r.jobId) ?? [];
    assert.ok(
      seen.includes('TranscodeSegment') && seen.includes('EcsSubmit'),
      `the fan-out ran, then the worker: ${seen.join(' > ')}`,
    );
    assert.equal(
      stack.ecs.history.filter((e) => e.jobId === r.jobId && e.type === 'started').length,
      1,
      'one worker task',
    );
    for (const e of r.events) assert.deepEqual(eventSchemaErrors(e), [], 'docs/schemas/job-event.schema.json');
    assert.deepEqual(await keysUnder(stack, stack.config.WORK_BUCKET, `jobs/${r.jobId}/`), [], 'work prefix cleaned');
    // The worker stages the same package: read it through the manifests and as MP4.
    const outDir = path.join(dir, 'out');
    await mkdir(outDir, { recursive: true });
    await downloadOutputs(stack, r.jobId, outDir);
    const videos = (r.detail.outputs ?? []).filter((o) => o.type === 'video');
    assert.deepEqual(
      videos.map((o) => o.name),
      ['mp4/120p.mp4'],
    );
    await checkStreaming(file, outDir, ['120p'], true);
    await checkContract(file, outDir, videos, true);
  });
});
