/**
 * The Lambda limits of the local stack, from serverless.yml (src/local/lambdaLimits.ts), and the
 * MP4 part size checked against S3's part minimum at config parse (src/config.ts).
 */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { functionLimitsFromServerless, invokeWithinLimits, TMP_SAMPLE_MS } from '../../src/local/lambdaLimits.js';
import { ALL_FUNCTIONS } from '../../src/local/functions.js';
import { parseConfig } from '../../src/config.js';
import { AWS_LIMITS, resolveLimits } from '../../src/aws/limits.js';
import type { Runtime } from '../../src/runtime.js';
import { LocalStepFunctions } from '../../src/local/stepFunctions.js';

/** A function limit as a test sets it. (To see a test fail with its limit off, make this return Infinity.) */
const lim = (v: number) => v;

const MiB = 1024 * 1024;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('Lambda limits of the local stack (serverless.yml)', () => {
  let root: string;
  let rt: Runtime;
  beforeEach(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'mt-lambda-limits-'));
    rt = { config: { WORK_DIR: root } } as unknown as Runtime;
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  it("reads every function's timeout and /tmp as deployed, with the provider's and AWS's defaults", () => {
    const fl = functionLimitsFromServerless();
    assert.deepEqual(Object.keys(fl).sort(), ALL_FUNCTIONS.map((f) => f.name).sort());
    assert.deepEqual(fl.transcodeSegment, { timeoutMs: 890_000, ephemeralBytes: 2048 * MiB });
    assert.deepEqual(fl.split, { timeoutMs: 890_000, ephemeralBytes: 10240 * MiB });
    // publish sets a timeout and no ephemeralStorageSize: Lambda's 512 MB default.
    assert.deepEqual(fl.publish, { timeoutMs: 290_000, ephemeralBytes: 512 * MiB });
  });

  it('an invocation past its timeout fails with Sandbox.Timedout', async () => {
    const e = await invokeWithinLimits(rt, { timeoutMs: lim(50), ephemeralBytes: MiB }, 1e9, async () =>
      sleep(2_000),
    ).then(
      () => assert.fail('resolved'),
      (err: Error) => err,
    );
    assert.equal(e.name, 'Sandbox.Timedout');
  });

  it('an invocation that fills its own /tmp fails with ENOSPC; its folder is its own and is removed', async () => {
    let scratch = '';
    const e = await invokeWithinLimits(rt, { timeoutMs: 60_000, ephemeralBytes: lim(100_000) }, 1e9, async (scoped) => {
      scratch = scoped.config.WORK_DIR;
      await writeFile(path.join(scratch, 'big'), Buffer.alloc(300_000));
      await sleep(TMP_SAMPLE_MS * 5);
      return 'done';
    }).then(
      () => assert.fail('resolved'),
      (err: NodeJS.ErrnoException) => err,
    );
    assert.equal(e.code, 'ENOSPC');
    assert.notEqual(scratch, root);
    assert.equal(path.dirname(scratch), root);
    await sleep(TMP_SAMPLE_MS * 6);
    assert.deepEqual(await readdir(root), [], 'the invocation folder is removed when the abandoned work ends');
  });

  it('a response over the payload limit fails with Function.ResponseSizeTooLarge', async () => {
    const e = await invokeWithinLimits(rt, { timeoutMs: 60_000, ephemeralBytes: MiB }, lim(1_000), async () =>
      'x'.repeat(1_000),
    ).then(
      () => assert.fail('resolved'),
      (err: Error) => err,
    );
    assert.equal(e.name, AWS_LIMITS.lambdaResponseBytes.error.code);
  });
});

describe('limits at config parse', () => {
  const base = { INGEST_BUCKET: 'i', WORK_BUCKET: 'w', OUTPUT_BUCKET: 'o' };
  it("MP4_PART_BYTES under S3's 5 MiB part minimum is a ConfigError naming both", () => {
    assert.throws(
      () => parseConfig({ ...base, MP4_PART_BYTES: '200000' }),
      (e: Error) => e.name === 'ConfigError' && /MP4_PART_BYTES/.test(e.message) && /5242880/.test(e.message),
    );
    assert.equal(parseConfig(base).MP4_PART_BYTES, 8 * MiB);
    // The local stack scales S3's minimum down for tests with small parts.
    assert.equal(
      parseConfig({ ...base, MP4_PART_BYTES: '200000', S3_PART_MIN_BYTES: '200000' }).MP4_PART_BYTES,
      200_000,
    );
  });

  it('an override of an unknown limit, or not a positive number, is refused', () => {
    assert.throws(() => resolveLimits({ s3CopyBytes: 1 } as never), /unknown AWS limit "s3CopyBytes"/);
    assert.throws(() => resolveLimits({ ddbPartitionWcu: 0 }), /positive number/);
    assert.equal(resolveLimits({ ddbPartitionWcu: 10 }).ddbPartitionWcu, 10);
    assert.equal(resolveLimits().s3CopySourceBytes, 5 * 1024 ** 3);
  });
});

describe('Step Functions limits of the local runner', () => {
  const arn = (n: string) => `arn:aws:lambda:us-east-1:000000000000:function:${n}`;
  const definition = {
    StartAt: 'Fan',
    States: {
      Fan: {
        Type: 'Map',
        ItemsPath: '$.items',
        ItemProcessor: {
          ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
          StartAt: 'Work',
          States: { Work: { Type: 'Task', Resource: arn('work'), End: true } },
        },
        ResultPath: null,
        Next: 'Big',
      },
      Big: { Type: 'Task', Resource: arn('big'), Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Caught' }], End: true },
      Caught: { Type: 'Pass', End: true },
    },
  };
  const handlers = { Work: async () => ({ ok: 1 }), Big: async (input: { bytes: number }) => 'x'.repeat(input.bytes) };
  const run = async (sfn: LocalStepFunctions, name: string, items: number, bytes: number) => {
    const finished = new Promise<{ status: string; error?: Error }>((resolve) => sfn.once('finished', resolve));
    await sfn.start(name, {
      jobId: name,
      job: { jobId: name },
      items: Array.from({ length: items }, (_, i) => i),
      bytes,
    } as never);
    const end = await finished;
    await sfn.wait(name);
    return { ...end, usage: sfn.usage(name)! };
  };

  it('a Task result over the payload limit fails the execution with States.DataLimitExceeded; the Catch on States.ALL does not take it', async () => {
    const sfn = new LocalStepFunctions(definition, handlers as never, undefined, undefined, {
      sfnPayloadBytes: lim(1_000),
      sfnHistoryEvents: 25_000,
    });
    const r = await run(sfn, 'big', 1, 2_000);
    assert.equal(r.status, 'FAILED');
    assert.equal(r.error?.name, 'States.DataLimitExceeded');
  });

  it("a Distributed Map's iterations are not in the parent's history (their child executions have their own)", async () => {
    const sfn = new LocalStepFunctions(definition, handlers as never, undefined, undefined, {
      sfnPayloadBytes: 262_144,
      sfnHistoryEvents: 25_000,
    });
    const two = await run(sfn, 'two', 2, 10);
    const many = await run(sfn, 'many', 40, 10);
    assert.equal(two.status, 'SUCCEEDED');
    assert.ok(two.usage.historyEvents > 0);
    assert.equal(many.usage.historyEvents, two.usage.historyEvents);
  });
});
