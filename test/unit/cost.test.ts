/**
 * A job's cost: the arithmetic against figures computed by hand, the S3 metering middleware on
 * a real SDK client (its HTTP answered in-process), the sizes read from serverless.yml, and the
 * event schema's `cost` kept equal to the zod schema it is generated from.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { z } from 'zod';
import {
  S3Client,
  PutObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  DeleteObjectsCommand,
  ListObjectsV2Command,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { Meter, meterS3Requests, noS3, withMeter } from '../../src/cost/meter.js';
import { fargateBilledSeconds, jobCost, stepCost } from '../../src/cost/price.js';
import { estimateTransitions } from '../../src/cost/transitions.js';
import { deployedSizesFromServerless } from '../../src/cost/memory.js';
import { workerSize } from '../../src/cost/worker.js';
import { JobCostSchema, type InvocationMeter } from '../../src/cost/schema.js';
import { PRICES_US_EAST_1 as P } from '../../src/aws/prices.js';

const meter = (
  step: string,
  billedMs: number,
  memoryMb: number,
  s3: Partial<InvocationMeter['s3']> = {},
  extra: Partial<InvocationMeter> = {},
): InvocationMeter => ({
  step,
  kind: 'lambda',
  invocations: 1,
  ms: billedMs - 0.5,
  billedMs,
  memoryMb,
  s3: { ...noS3(), ...s3 },
  ...extra,
});

describe('job cost arithmetic', () => {
  it('Lambda: memory in GB (1024 MB) x billed seconds per invocation; requests and S3 at their prices', () => {
    // 2 segment invocations at 3008 MB: 1.5 s and 2.25 s billed.
    // GB-s = 3008/1024 x (1.5 + 2.25) = 2.9375 x 3.75 = 11.015625
    // USD = 11.015625 x 0.0000166667 + 2 x 0.0000002 + (6 x 0.000005) + (4 x 0.0000004)
    //     = 0.000183594 + 0.0000004 + 0.00003 + 0.0000016 = 0.000215594 (to 9 digits)
    const s = stepCost(
      [
        meter('transcodeSegment', 1500, 3008, { tier1Requests: 3, tier2Requests: 2 }),
        meter('transcodeSegment', 2250, 3008, { tier1Requests: 3, tier2Requests: 2, bytesIn: 10 }),
      ],
      P,
    );
    assert.equal(s.gbSeconds, 11.015625);
    assert.equal(s.invocations, 2);
    assert.equal(s.billedMs, 3750);
    assert.deepEqual(s.s3, { tier1Requests: 6, tier2Requests: 4, freeRequests: 0, bytesIn: 10, bytesOut: 0 });
    assert.equal(s.usd, 0.000215594);
  });

  it('Fargate: per second, at least one minute per task; vCPU-s and GB-s at the task size', () => {
    assert.equal(fargateBilledSeconds(12.2, P), 60);
    assert.equal(fargateBilledSeconds(60, P), 60);
    assert.equal(fargateBilledSeconds(61.2, P), 62);
    // 4 vCPU, 16384 MB for 62 s: 248 vCPU-s, 992 GB-s;
    // USD = 248/3600 x 0.04048 + 992/3600 x 0.004445 = 0.002788622 + 0.001224844 = 0.004013467 (to 9 digits)
    const s = stepCost([meter('ecsWorker', 62_000, 16384, {}, { kind: 'ecs', vcpu: 4 })], P);
    assert.equal(s.vcpuSeconds, 248);
    assert.equal(s.gbSeconds, 992);
    assert.equal(s.usd, 0.004013467);
  });

  it('the total is the sum of the steps, the transitions and the events; the result fits the event schema', () => {
    const c = jobCost(
      {
        meters: [
          meter('probe', 1000, 1024, { tier2Requests: 3 }),
          meter('plan', 500, 1024, { tier1Requests: 2 }),
          meter('probe', 1000, 1024, { tier1Requests: 1 }),
        ],
        transitions: 40,
        events: 4,
        notCounted: ['x'],
      },
      P,
    );
    JobCostSchema.parse(c);
    assert.deepEqual(Object.keys(c.steps), ['plan', 'probe']);
    assert.equal(c.steps.probe.gbSeconds, 2);
    assert.equal(c.steps.plan.gbSeconds, 0.5);
    assert.equal(c.total.lambdaGbSeconds, 2.5);
    assert.equal(c.total.lambdaInvocations, 3);
    // 40 x 0.000025 = 0.001; 4 events x 0.000001 = 0.000004
    assert.equal(c.stepFunctions.usd, 0.001);
    assert.equal(c.total.usd, Number((c.steps.probe.usd + c.steps.plan.usd + 0.001 + 0.000004).toFixed(9)));
    assert.deepEqual(c.total.s3, { tier1Requests: 3, tier2Requests: 3, freeRequests: 0, bytesIn: 0, bytesOut: 0 });
  });

  it('state transitions of the Lambda path: every state of the ASL on it, one per child execution and its Task', () => {
    // 3 segments, 2 MP4 parts, no split, no retry. Top level: Probe, Plan, EmitProgressing,
    // EncoderDecider, ReadMode, Encode, TranscodeSegments, Thumbnails, Assemble, AssembleParts,
    // AssembleComplete, Publish, EmitComplete, Cleanup, Done = 15; children 3 x (start + TranscodeSegment)
    // + 2 x (start + AssemblePart) = 10. Metered Tasks: probe, plan, emit, 3 segments, subtitles,
    // assemble x 4 (layout, 2 parts, complete), publish, EmitComplete = 13; Cleanup after.
    assert.equal(
      estimateTransitions({ engine: 'lambda', taskInvocations: 13, tasksAfter: 1, segments: 3, parts: 2, polls: 0 }),
      25,
    );
    // A retried segment is one Task invocation more: one transition more.
    assert.equal(
      estimateTransitions({ engine: 'lambda', taskInvocations: 14, tasksAfter: 1, segments: 3, parts: 2, polls: 0 }),
      26,
    );
    // ECS: Probe, Plan, EmitProgressing, EncoderDecider, EcsStart, EcsSubmit, 4 x (EcsWait, EcsStatus,
    // EcsCheck), Publish, EmitComplete, Cleanup, Done = 22; metered Tasks: probe, plan, emit, submit,
    // 4 status, publish, EmitComplete = 10.
    assert.equal(
      estimateTransitions({ engine: 'ecs', taskInvocations: 10, tasksAfter: 1, segments: 3, parts: 0, polls: 4 }),
      22,
    );
  });

  it('a meter bills each invocation rounded up to the next millisecond and counts the PUT that carries it', async () => {
    const m = new Meter('plan', 'lambda', 1024);
    const snap = m.snapshot({ tier1: 1 });
    assert.ok(snap.ms < 50);
    assert.equal(snap.billedMs, Math.ceil(snap.ms));
    assert.ok(snap.billedMs >= 1, 'a started invocation bills at least 1 ms');
    assert.equal(snap.s3.tier1Requests, 1);
  });
});

/** An S3 client whose HTTP is answered in-process: `answers` in order, then 200 empty. */
function fakeS3(answers: { status: number; headers?: Record<string, string>; body?: string }[]) {
  const seen: { method: string; path: string; bodyBytes: number }[] = [];
  const requestHandler = {
    handle: async (req: { method: string; path: string; headers: Record<string, string> }) => {
      seen.push({ method: req.method, path: req.path, bodyBytes: Number(req.headers['content-length'] ?? 0) });
      const a = answers.shift() ?? { status: 200 };
      return {
        response: {
          statusCode: a.status,
          reason: '',
          headers: a.headers ?? {},
          body: Readable.from([Buffer.from(a.body ?? '')]),
        },
      };
    },
  };
  const s3 = new S3Client({
    region: 'us-east-1',
    credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
    requestHandler: requestHandler as never,
    maxAttempts: 3,
    retryStrategy: undefined,
  });
  return { s3: meterS3Requests(s3), seen };
}

describe('S3 request metering (SDK middleware)', () => {
  it('counts each request by billing class with its bytes, each retried attempt too, and no presigned URL', async () => {
    const { s3, seen } = fakeS3([
      { status: 200 }, // PutObject
      { status: 503, body: '<Error><Code>SlowDown</Code><Message>slow</Message></Error>' }, // GetObject, retried
      { status: 200, headers: { 'content-length': '5' }, body: 'hello' },
      { status: 200, headers: { 'content-length': '999' } }, // HeadObject: the object's size, no body
      { status: 200, body: '<DeleteResult></DeleteResult>' },
      { status: 200, body: '<ListBucketResult></ListBucketResult>' },
    ]);
    const m = new Meter('t', 'lambda', 128);
    await withMeter(m, async () => {
      await s3.send(new PutObjectCommand({ Bucket: 'b', Key: 'k', Body: Buffer.alloc(1234) }));
      const got = await s3.send(new GetObjectCommand({ Bucket: 'b', Key: 'k' }));
      assert.equal(await got.Body!.transformToString(), 'hello');
      await s3.send(new HeadObjectCommand({ Bucket: 'b', Key: 'k' }));
      await s3.send(new DeleteObjectsCommand({ Bucket: 'b', Delete: { Objects: [{ Key: 'k' }] } }));
      await s3.send(new ListObjectsV2Command({ Bucket: 'b' }));
      await getSignedUrl(s3, new GetObjectCommand({ Bucket: 'b', Key: 'k' }));
    });
    assert.equal(seen.length, 6, 'six HTTP requests sent (the presigned URL sends none)');
    assert.equal(seen[0].bodyBytes, 1234);
    // The PUT's 1234 bytes and the DeleteObjects request's XML body.
    assert.ok(seen[4].method === 'POST' && seen[4].bodyBytes > 0);
    assert.deepEqual(m.s3, {
      tier1Requests: 2,
      tier2Requests: 3,
      freeRequests: 1,
      bytesOut: 1234 + seen[4].bodyBytes,
      bytesIn: 5,
    });
    // Outside an invocation nothing is counted anywhere.
    await s3.send(new PutObjectCommand({ Bucket: 'b', Key: 'k', Body: 'x' }));
    assert.equal(m.s3.tier1Requests, 2);
  });
});

describe('billed sizes as deployed', () => {
  it('serverless.yml: each function memory (params resolved, the provider default otherwise) and the worker task size', () => {
    const s = deployedSizesFromServerless();
    const sls = readFileSync(new URL('../../serverless.yml', import.meta.url), 'utf8');
    const param = (n: string) => Number(new RegExp(`\\n    ${n}: (\\d+)`).exec(sls)![1]);
    assert.equal(s.lambdaMemoryMb.transcodeSegment, param('transcodeMemoryMb'));
    assert.equal(
      s.lambdaMemoryMb.publish,
      Number(/\n {2}memorySize: (\d+)/.exec(sls)![1]),
      'publish sets none: the provider memorySize',
    );
    assert.equal(s.lambdaMemoryMb.emitEvent, 256);
    assert.deepEqual(s.worker, { vcpu: param('workerCpu') / 1024, memoryMb: param('workerMemoryMb') });
  });

  it('ECS: the task size from the task metadata endpoint', async () => {
    const urls: string[] = [];
    const fetchImpl = (async (u: string) => {
      urls.push(u);
      return new Response(JSON.stringify({ Limits: { CPU: 2, Memory: 8192 } }));
    }) as typeof fetch;
    assert.deepEqual(await workerSize({ ECS_CONTAINER_METADATA_URI_V4: 'http://169.254.170.2/v4/abc' }, fetchImpl), {
      vcpu: 2,
      memoryMb: 8192,
    });
    assert.deepEqual(urls, ['http://169.254.170.2/v4/abc/task']);
  });
});

describe('the event schema carries the cost schema', () => {
  it('docs/schemas/job-event.schema.json `cost` is the zod JobCostSchema, and COMPLETE requires it', () => {
    const doc = JSON.parse(readFileSync(new URL('../../docs/schemas/job-event.schema.json', import.meta.url), 'utf8'));
    const { $schema: _, ...generated } = z.toJSONSchema(JobCostSchema, { target: 'draft-7' }) as Record<
      string,
      unknown
    >;
    const { description: __, ...stored } = doc.definitions.cost;
    assert.deepEqual(stored, generated);
    const complete = doc.definitions.detail.allOf.find(
      (x: { if: { properties: { status: { const: string } } } }) => x.if.properties.status.const === 'COMPLETE',
    );
    assert.ok(complete.then.required.includes('cost'));
  });
});

describe('the CLI cost summary', () => {
  it('the total in USD with its region and date, then one line per step', async () => {
    const { costLines } = await import('../../scripts/cliProgress.js');
    const c = jobCost(
      {
        meters: [
          meter('probe', 1000, 1024, { tier1Requests: 1, tier2Requests: 2 }),
          meter('ecsWorker', 60_000, 16384, {}, { kind: 'ecs', vcpu: 4 }),
        ],
        transitions: 22,
        events: 3,
        notCounted: [],
      },
      P,
    );
    const lines = costLines(c);
    assert.match(
      lines[0],
      new RegExp(
        `^estimated AWS cost \\$${c.total.usd.toFixed(6).replace('.', '\\.')} \\(us-east-1, prices of ${P.asOf}; docs/COST\\.md\\): Lambda 1\\.0 GB-s in 1 invocations, ECS 240 vCPU-s 960 GB-s, 22 state transitions`,
      ),
    );
    assert.deepEqual(
      lines.slice(1).map((l) => l.trim().split(/\s+/)[0]),
      ['ecsWorker', 'probe'],
    );
    assert.match(lines[2], /probe +x1 +1\.00 GB-s at 1024 MB +S3 1\/2/);
  });
});

describe('the handler wrapper meters each invocation of a job', () => {
  it('writes one meter per invocation (after a failure too) at the configured memory; none when carried, for Cleanup, or for a stopped job', async () => {
    const { createRuntime: make } = await import('../../src/runtime.js');
    const { parseConfig } = await import('../../src/config.js');
    const { defineFunction } = await import('../../src/pipeline/handler.js');
    const { taskInput } = await import('../../src/pipeline/job.js');
    const { currentMeter } = await import('../../src/cost/meter.js');
    const { JobStoppedError } = await import('../../src/media/ffmpeg/jobProcesses.js');
    const { jobInput } = await import('../helpers/aslHarness.js');
    const puts: { path: string; body: string }[] = [];
    const requestHandler = {
      handle: async (req: { method: string; path: string; body?: unknown }) => {
        if (req.method === 'PUT') puts.push({ path: req.path, body: String(req.body) });
        return { response: { statusCode: 200, headers: {}, body: Readable.from([Buffer.alloc(0)]) } };
      },
    };
    const s3 = new S3Client({
      region: 'us-east-1',
      forcePathStyle: true,
      endpoint: 'http://s3.local',
      credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
      requestHandler: requestHandler as never,
    });
    const rt = make(parseConfig({ INGEST_BUCKET: 'ingest', WORK_BUCKET: 'work', OUTPUT_BUCKET: 'output' }), {
      s3,
      logSink: () => undefined,
      lambdaMemory: { plan: 1024, cleanup: 512 },
    });
    const job = jobInput() as { jobId: string };
    const ok = defineFunction('plan', taskInput({}), async () => {
      await s3.send(new PutObjectCommand({ Bucket: 'work', Key: 'x', Body: 'abc' }));
      return { done: true };
    });
    const fails = defineFunction('plan', taskInput({}), async () => {
      throw new Error('boom');
    });
    const carried = defineFunction('plan', taskInput({}), async () => {
      currentMeter()!.carried = true;
    });
    const stopped = defineFunction('plan', taskInput({}), async () => {
      throw new JobStoppedError(job.jobId, 'CANCELED');
    });
    const cleanup = defineFunction('cleanup', taskInput({}), async () => undefined);
    await ok.invoke(rt, { job }, { awsRequestId: 'r-1' });
    await assert.rejects(fails.invoke(rt, { job }, { awsRequestId: 'r-2' }));
    await carried.invoke(rt, { job }, { awsRequestId: 'r-3' });
    await assert.rejects(stopped.invoke(rt, { job }, { awsRequestId: 'r-4' }));
    await cleanup.invoke(rt, { job }, { awsRequestId: 'r-5' });
    const meters = puts.filter((p) => p.path.includes('/meters/'));
    assert.deepEqual(
      meters.map((p) => p.path),
      [`/work/jobs/${job.jobId}/meters/plan-r-1.json`, `/work/jobs/${job.jobId}/meters/plan-r-2.json`],
    );
    const first = JSON.parse(meters[0].body) as InvocationMeter;
    assert.equal(first.memoryMb, 1024);
    assert.equal(first.kind, 'lambda');
    // Its own PUT of 3 bytes, and the PUT that carries the meter.
    assert.equal(first.s3.tier1Requests, 2);
    assert.equal(first.s3.bytesOut, 3);
  });
});
