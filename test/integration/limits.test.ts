/**
 * AWS's limits on the local stack (src/aws/limits.ts, docs/LIMITS.md): each one, scaled down so
 * a test-size request reaches it, answered with the error name, code and status AWS returns,
 * and nothing written by the refused request.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  HeadObjectCommand,
  PutObjectCommand,
  UploadPartCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { LocalStack } from '../../src/local/stack.js';
import { LOCAL_DB_CREDENTIALS } from '../../src/local/jobsDb.js';
import { AWS_LIMITS } from '../../src/aws/limits.js';
import { generateSample } from '../../src/media/package/sample.js';
import { DETAIL_TYPE } from '../../src/pipeline/events.js';

/** A scaled-down limit. (To see a test fail with its limit off, make this return Infinity.) */
const lim = (v: number) => v;

/** The error a promise rejects with (fails when it resolves). */
async function rejection(
  p: Promise<unknown>,
): Promise<
  Error & { Code?: string; $metadata?: { httpStatusCode?: number }; ThrottlingReasons?: { reason?: string }[] }
> {
  try {
    await p;
  } catch (e) {
    return e as never;
  }
  assert.fail('the request succeeded; the limit should have refused it');
}

describe('AWS limits enforced by the local stack', function () {
  this.timeout(120_000);
  let dir: string;
  let stack: LocalStack;
  let s3: S3Client;
  const bucket = () => stack.config.WORK_BUCKET;
  const bytes = (n: number) => Buffer.alloc(n, 7);

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'mt-limits-'));
    stack = await LocalStack.start({
      dataDir: path.join(dir, 'stack'),
      logSink: () => undefined,
      limits: {
        s3PutObjectBytes: lim(10_000),
        s3CopySourceBytes: lim(3_000),
        s3PartMinBytes: lim(1_000),
        s3PartMaxBytes: lim(4_000),
        s3PartNumberMax: lim(3),
        s3ObjectBytes: lim(8_000),
        eventEntryBytes: lim(1_000),
        ddbItemBytes: lim(2_048),
        ddbPartitionWcu: lim(10),
        ddbPartitionRcu: lim(10),
      },
    });
    s3 = stack.s3;
  });

  after(async () => {
    await stack?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const absent = async (key: string) => {
    const e = await rejection(s3.send(new HeadObjectCommand({ Bucket: bucket(), Key: key })));
    assert.equal(e.$metadata?.httpStatusCode, 404, `${key} must not exist`);
  };

  describe('S3', () => {
    it('PutObject over the object limit: 400 EntityTooLarge, nothing stored', async () => {
      await s3.send(new PutObjectCommand({ Bucket: bucket(), Key: 'put/ok', Body: bytes(10_000) }));
      const e = await rejection(
        s3.send(new PutObjectCommand({ Bucket: bucket(), Key: 'put/big', Body: bytes(10_001) })),
      );
      assert.equal(e.name, 'EntityTooLarge');
      assert.equal(e.$metadata?.httpStatusCode, 400);
      await absent('put/big');
    });

    it('CopyObject of a source over the copy limit: 400 InvalidRequest naming the limit, no copy', async () => {
      await s3.send(new PutObjectCommand({ Bucket: bucket(), Key: 'copy/small', Body: bytes(3_000) }));
      await s3.send(
        new CopyObjectCommand({ Bucket: bucket(), Key: 'copy/small-copy', CopySource: `${bucket()}/copy/small` }),
      );
      await s3.send(new PutObjectCommand({ Bucket: bucket(), Key: 'copy/src', Body: bytes(3_001) }));
      const e = await rejection(
        s3.send(new CopyObjectCommand({ Bucket: bucket(), Key: 'copy/dst', CopySource: `${bucket()}/copy/src` })),
      );
      assert.equal(e.name, 'InvalidRequest');
      assert.equal(e.$metadata?.httpStatusCode, 400);
      assert.equal(
        e.message,
        'The specified copy source is larger than the maximum allowable size for a copy source: 3000',
      );
      await absent('copy/dst');
    });

    const upload = async (key: string, sizes: number[]) => {
      const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket(), Key: key }));
      const parts = [];
      for (const [i, n] of sizes.entries()) {
        const r = await s3.send(
          new UploadPartCommand({ Bucket: bucket(), Key: key, UploadId, PartNumber: i + 1, Body: bytes(n) }),
        );
        parts.push({ PartNumber: i + 1, ETag: r.ETag });
      }
      return s3.send(
        new CompleteMultipartUploadCommand({ Bucket: bucket(), Key: key, UploadId, MultipartUpload: { Parts: parts } }),
      );
    };

    it('CompleteMultipartUpload with a part other than the last under the minimum: 400 EntityTooSmall, no object', async () => {
      await upload('mpu/last-small', [1_000, 10]);
      const e = await rejection(upload('mpu/first-small', [999, 2_000]));
      assert.equal(e.name, 'EntityTooSmall');
      assert.equal(e.$metadata?.httpStatusCode, 400);
      await absent('mpu/first-small');
    });

    it('UploadPart over the part limit: 400 EntityTooLarge', async () => {
      const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket(), Key: 'mpu/big-part' }));
      const e = await rejection(
        s3.send(
          new UploadPartCommand({ Bucket: bucket(), Key: 'mpu/big-part', UploadId, PartNumber: 1, Body: bytes(4_001) }),
        ),
      );
      assert.equal(e.name, 'EntityTooLarge');
      assert.equal(e.$metadata?.httpStatusCode, 400);
    });

    it('UploadPart with a part number past the limit: 400 InvalidArgument', async () => {
      const { UploadId } = await s3.send(
        new CreateMultipartUploadCommand({ Bucket: bucket(), Key: 'mpu/part-number' }),
      );
      await s3.send(
        new UploadPartCommand({ Bucket: bucket(), Key: 'mpu/part-number', UploadId, PartNumber: 3, Body: bytes(10) }),
      );
      const e = await rejection(
        s3.send(
          new UploadPartCommand({ Bucket: bucket(), Key: 'mpu/part-number', UploadId, PartNumber: 4, Body: bytes(10) }),
        ),
      );
      assert.equal(e.name, 'InvalidArgument');
      assert.equal(e.$metadata?.httpStatusCode, 400);
    });

    it('CompleteMultipartUpload of parts adding up to more than the object limit: 400 EntityTooLarge, no object', async () => {
      const e = await rejection(upload('mpu/too-big', [3_000, 3_000, 3_000]));
      assert.equal(e.name, 'EntityTooLarge');
      await absent('mpu/too-big');
    });
  });

  describe('EventBridge', () => {
    it('PutEvents with an entry over the limit: 400 ValidationException, nothing logged or delivered', async () => {
      const entry = (detail: string) => ({
        Source: 'media-transcoder',
        DetailType: DETAIL_TYPE,
        EventBusName: 'default',
        Detail: JSON.stringify({ jobId: 'limits', pad: detail }),
      });
      await stack.bus.put(entry('x'.repeat(800)));
      const before = stack.bus.history.length;
      const e = await rejection(stack.bus.put(entry('y'.repeat(1_000))));
      assert.equal(e.name, 'ValidationException');
      assert.equal(e.$metadata?.httpStatusCode, 400);
      assert.equal(stack.bus.history.length, before);
      assert.ok(
        !(await readFile(stack.bus.logFile, 'utf8')).includes('yyyy'),
        'the refused entry is not in the event log',
      );
    });
  });

  describe('DynamoDB', () => {
    const table = () => stack.config.JOBS_TABLE!;
    // One attempt per request: the SDK retries throttling by itself, and the test looks at DynamoDB's answer.
    const client = () =>
      DynamoDBDocumentClient.from(
        new DynamoDBClient({
          region: 'us-east-1',
          endpoint: stack.config.DYNAMODB_ENDPOINT,
          credentials: LOCAL_DB_CREDENTIALS,
          maxAttempts: 1,
        }),
      );

    it('an item over the item limit: 400 ValidationException on PutItem and on the UpdateItem that grows it', async () => {
      const db = client();
      await db.send(new PutCommand({ TableName: table(), Item: { jobId: 'size', pad: 'a'.repeat(1_500) } }));
      const put = await rejection(
        db.send(new PutCommand({ TableName: table(), Item: { jobId: 'size-2', pad: 'a'.repeat(2_100) } })),
      );
      assert.equal(put.name, 'ValidationException');
      assert.equal(put.$metadata?.httpStatusCode, 400);
      assert.match(put.message, /Item size has exceeded the maximum allowed size/);
      const upd = await rejection(
        db.send(
          new UpdateCommand({
            TableName: table(),
            Key: { jobId: 'size' },
            UpdateExpression: 'SET more = :m',
            ExpressionAttributeValues: { ':m': 'b'.repeat(600) },
          }),
        ),
      );
      assert.equal(upd.name, 'ValidationException');
      const kept = await db.send(new GetCommand({ TableName: table(), Key: { jobId: 'size' }, ConsistentRead: true }));
      assert.equal(kept.Item?.more, undefined, 'the refused update changed nothing');
      db.destroy();
    });

    it('one key written faster than a partition takes: ProvisionedThroughputExceededException (KeyRange); other keys are not throttled', async () => {
      const db = client();
      const writes = await Promise.allSettled(
        Array.from({ length: 20 }, (_, i) =>
          db.send(new PutCommand({ TableName: table(), Item: { jobId: 'hot', n: i } })),
        ),
      );
      const errors = writes
        .filter((w) => w.status === 'rejected')
        .map((w) => (w as PromiseRejectedResult).reason as Error & { ThrottlingReasons?: { reason?: string }[] });
      assert.ok(errors.length > 0, 'some writes to the hot key were throttled');
      for (const e of errors) assert.equal(e.name, 'ProvisionedThroughputExceededException');
      assert.deepEqual(
        errors[0].ThrottlingReasons?.map((r) => r.reason),
        ['TableWriteKeyRangeThroughputExceeded'],
      );
      const spread = await Promise.allSettled(
        Array.from({ length: 20 }, (_, i) =>
          db.send(new PutCommand({ TableName: table(), Item: { jobId: `cold-${i}` } })),
        ),
      );
      assert.deepEqual(
        spread.filter((w) => w.status === 'rejected'),
        [],
        'writes spread over keys are not throttled',
      );
      db.destroy();
    });

    it('one key read faster than a partition takes: ProvisionedThroughputExceededException', async () => {
      const db = client();
      await db.send(new PutCommand({ TableName: table(), Item: { jobId: 'read-hot' } }));
      const reads = await Promise.allSettled(
        Array.from({ length: 20 }, () =>
          db.send(new GetCommand({ TableName: table(), Key: { jobId: 'read-hot' }, ConsistentRead: true })),
        ),
      );
      const errors = reads
        .filter((w) => w.status === 'rejected')
        .map((w) => (w as PromiseRejectedResult).reason as Error);
      assert.ok(errors.length > 0, 'some reads of the hot key were throttled');
      for (const e of errors) assert.equal(e.name, 'ProvisionedThroughputExceededException');
      db.destroy();
    });
  });

  it('the table names every limit with its source and its AWS error', () => {
    for (const [name, l] of Object.entries(AWS_LIMITS)) {
      assert.ok(l.value > 0 && /^https:\/\/docs\.aws\.amazon\.com\//.test(l.source) && l.error.code, name);
    }
  });
});

describe('Step Functions limits on a real job (the real ASL)', function () {
  this.timeout(300_000);
  let dir: string;
  let source: string;

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'mt-limits-sfn-'));
    source = path.join(dir, 'in.mp4');
    await generateSample({ output: source, durationSec: 2, width: 160, height: 90, fps: 10 });
  });

  after(() => rm(dir, { recursive: true, force: true }));

  /** Runs one job on a stack with `limits`; resolves with how its execution ended. */
  async function runWith(limits: Record<string, number>, name: string) {
    const stack = await LocalStack.start({ dataDir: path.join(dir, name), logSink: () => undefined, limits });
    try {
      const finished = new Promise<{ status: string; error?: Error }>((resolve) => stack.sfn.once('finished', resolve));
      const key = `uploads/${name}.mp4`;
      const ingested = stack.waitForIngest(key);
      await stack.s3.send(
        new PutObjectCommand({ Bucket: stack.config.INGEST_BUCKET, Key: key, Body: await readFile(source) }),
      );
      const ing = await ingested;
      assert.ok(ing.started);
      const end = await finished;
      return { ...end, events: stack.jobEvents(ing.jobId).map((e) => (e.detail as { status?: string }).status) };
    } finally {
      await stack.stop();
    }
  }

  it('a state payload over the limit fails the execution with States.DataLimitExceeded, which no Catch handles', async () => {
    const r = await runWith({ sfnPayloadBytes: lim(1_000) }, 'payload');
    assert.equal(r.status, 'FAILED');
    assert.equal(r.error?.name, 'States.DataLimitExceeded');
    // As in AWS, the terminal error skips the state machine's Catch: no ERROR event is emitted.
    assert.ok(!r.events.includes('ERROR'), `events: ${r.events.join(',')}`);
  });

  it('an execution history past the limit fails the execution', async () => {
    const r = await runWith({ sfnHistoryEvents: lim(12) }, 'history');
    assert.equal(r.status, 'FAILED');
    assert.equal(r.error?.name, AWS_LIMITS.sfnHistoryEvents.error.code);
    assert.match(r.error?.message ?? '', /maximum number of history events \(12\)/);
  });
});
