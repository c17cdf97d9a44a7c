/**
 * AbortMultipartUpload on the local S3 (src/local/s3Multipart.ts): s3rver alone answers 405 and
 * keeps the parts, so a failed or canceled job's MP4 uploads could never be shown gone. Through
 * the SDK, as the pipeline's cleanup sends it.
 */
import '../../src/util/quietWarnings.js';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { AbortMultipartUploadCommand, CreateMultipartUploadCommand, UploadPartCommand } from '@aws-sdk/client-s3';
import { LocalStack } from '../../src/local/stack.js';

describe('local S3: AbortMultipartUpload', function () {
  this.timeout(60_000);
  let dir: string;
  let stack: LocalStack;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'mt-s3abort-'));
    stack = await LocalStack.start({ dataDir: dir, logSink: () => undefined });
  });
  after(async () => {
    await stack?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('removes the upload and its parts; a second abort, or one under another key, is NoSuchUpload', async () => {
    const Bucket = stack.config.OUTPUT_BUCKET;
    const up = await stack.s3.send(new CreateMultipartUploadCommand({ Bucket, Key: 'j-1/mp4/480p.mp4' }));
    const other = await stack.s3.send(new CreateMultipartUploadCommand({ Bucket, Key: 'j-2/mp4/480p.mp4' }));
    await stack.s3.send(
      new UploadPartCommand({
        Bucket,
        Key: 'j-1/mp4/480p.mp4',
        UploadId: up.UploadId,
        PartNumber: 1,
        Body: Buffer.alloc(1000, 1),
      }),
    );
    assert.deepEqual((await stack.openUploads(Bucket)).map((u) => u.key).sort(), [
      'j-1/mp4/480p.mp4',
      'j-2/mp4/480p.mp4',
    ]);
    await assert.rejects(
      stack.s3.send(new AbortMultipartUploadCommand({ Bucket, Key: 'j-2/mp4/480p.mp4', UploadId: up.UploadId })),
      (e: Error) => e.name === 'NoSuchUpload',
      'an id under another key names no upload',
    );
    await stack.s3.send(new AbortMultipartUploadCommand({ Bucket, Key: 'j-1/mp4/480p.mp4', UploadId: up.UploadId }));
    assert.deepEqual(
      (await stack.openUploads(Bucket)).map((u) => u.uploadId),
      [other.UploadId],
      'the aborted upload and its part are gone, the other stays',
    );
    await assert.rejects(
      stack.s3.send(new AbortMultipartUploadCommand({ Bucket, Key: 'j-1/mp4/480p.mp4', UploadId: up.UploadId })),
      (e: Error) => e.name === 'NoSuchUpload',
    );
  });
});
