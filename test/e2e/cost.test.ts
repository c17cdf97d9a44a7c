/**
 * What a job cost, end to end on the local stack: the COMPLETE event's figures against what the
 * job visibly did (segments encoded, bytes published, the source read) and the transitions
 * estimate against the transitions the local runner counted for the same execution.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { LocalStack } from '../../src/local/stack.js';
import { resolveBinaries } from '../../src/media/ffmpeg/binaries.js';
import { generateSample } from '../../src/media/package/sample.js';
import { listKeys } from '../../src/aws/s3.js';
import { deployedSizesFromServerless } from '../../src/cost/memory.js';
import { JobCostSchema } from '../../src/cost/schema.js';
import { runJob } from '../helpers/stack.js';

describe('job cost on the local stack', function () {
  this.timeout(600_000);
  let dir: string;
  let stack: LocalStack;

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'mt-cost-'));
    stack = await LocalStack.start({
      dataDir: path.join(dir, 'stack'),
      binaries: resolveBinaries(process.env),
      logSink: () => undefined,
    });
  });
  after(async () => {
    await stack?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('COMPLETE states the Lambda seconds at the configured memory, every byte published and read, and the transitions the runner counted', async () => {
    const file = path.join(dir, 'in.mp4');
    await generateSample({ durationSec: 10, width: 640, height: 360, fps: 30, audio: true, output: file });
    const { jobId, detail, events } = await runJob(stack, file, 'uploads/cost.mp4', { 'segment-seconds': '2' });
    assert.equal(detail.status, 'COMPLETE', `${detail.errorCode}: ${detail.errorMessage}`);
    const cost = JobCostSchema.parse(detail.cost);
    const segments =
      events.map((e) => e.detail as { progress?: { segmentsTotal?: number } }).find((d) => d.progress?.segmentsTotal)
        ?.progress?.segmentsTotal ?? 0;
    assert.ok(segments >= 4, `several segments (${segments})`);

    // One segment function per segment, billed at serverless.yml's memory for it.
    const mem = deployedSizesFromServerless().lambdaMemoryMb;
    const seg = cost.steps.transcodeSegment;
    assert.equal(seg.invocations, segments);
    assert.equal(seg.memoryMb, mem.transcodeSegment);
    assert.ok(Math.abs(seg.gbSeconds - (mem.transcodeSegment / 1024) * (seg.billedMs / 1000)) < 1e-6);
    for (const [name, s] of Object.entries(cost.steps))
      assert.equal(s.memoryMb, mem[name], `${name}: metered at its configured memory`);
    assert.ok(
      cost.steps.assemble && cost.steps.subtitles,
      'the steps whose results the state machine drops are metered too',
    );

    // Every published byte was uploaded by a metered invocation; every published object took a PUT at least.
    const published = await listKeys(stack.s3, stack.config.OUTPUT_BUCKET, `${jobId}/`);
    const publishedBytes = published.reduce((a, o) => a + o.size, 0);
    assert.ok(
      cost.total.s3.bytesOut >= publishedBytes,
      `bytes sent ${cost.total.s3.bytesOut} >= published ${publishedBytes}`,
    );
    assert.ok(
      cost.total.s3.tier1Requests >= published.length,
      `PUT-class requests ${cost.total.s3.tier1Requests} >= ${published.length} objects`,
    );
    // The segments read their own bytes of the source (presigned range GETs, counted by hand).
    const sourceBytes = (await stat(file)).size;
    assert.ok(seg.s3.bytesIn >= 0.9 * sourceBytes, `segments read ${seg.s3.bytesIn} of the ${sourceBytes}-byte source`);

    // The estimate from the ASL's shape equals what the runner counted for this execution.
    assert.equal(cost.stepFunctions.transitions, stack.sfn.usage(jobId)!.transitions);
  });

  it('npm start prints the estimate (USD, region, prices date) and each step after the outputs', async () => {
    const input = path.join(dir, 'clip.mp4');
    await generateSample({ output: input, durationSec: 4, width: 320, height: 240, fps: 25, audio: true });
    const root = path.resolve(import.meta.dirname, '../..');
    const args = [
      '--import',
      'tsx',
      path.join(root, 'scripts/cli.ts'),
      input,
      '--out',
      path.join(dir, 'cli-out'),
      '--data',
      path.join(dir, 'cli-data'),
      '--segment-seconds',
      '2',
    ];
    const r = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, args, {
        cwd: root,
        env: { ...process.env, NODE_OPTIONS: '--openssl-legacy-provider' },
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });
    assert.equal(r.code, 0, r.stderr);
    const m =
      /estimated AWS cost \$(\d+\.\d{6}) \(us-east-1, prices of (\d{4}-\d{2}-\d{2}); docs\/COST\.md\): Lambda ([\d.]+) GB-s in (\d+) invocations/.exec(
        r.stdout,
      );
    assert.ok(m, r.stdout);
    assert.ok(Number(m[1]) > 0 && Number(m[3]) > 0 && Number(m[4]) > 0);
    assert.match(r.stdout, /\n {2}transcodeSegment +x2 +[\d.]+ GB-s at \d+ MB/);
  });
});
