import '../../src/util/quietWarnings.js';
import { createReadStream, statSync } from 'node:fs';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import type { LocalStack } from '../../src/local/stack.js';
import { listKeys } from '../../src/aws/s3.js';
import type { DeliveredEvent } from '../../src/local/eventBus.js';
import type { JobEventDetail } from '../../src/pipeline/events.js';
import { checkVerification } from './contract.js';
import { checkCost } from './cost.js';

/** Uploads a file to the local ingest bucket and waits for its job's final event. */
export async function runJob(
  stack: LocalStack,
  file: string,
  key: string,
  meta: Record<string, string> = {},
): Promise<{ jobId: string; final: DeliveredEvent; detail: JobEventDetail; events: DeliveredEvent[] }> {
  const ingested = stack.waitForIngest(key);
  await stack.s3.send(
    new PutObjectCommand({
      Bucket: stack.config.INGEST_BUCKET,
      Key: key,
      Body: createReadStream(file),
      ContentLength: statSync(file).size,
      Metadata: meta,
    }),
  );
  const ing = await ingested;
  if (!ing.started) throw new Error(`not started: ${ing.reason}`);
  const final = await stack.waitForFinalEvent(ing.jobId);
  if (!final) throw new Error(`job ${ing.jobId} ended without a final event`);
  checkVerification(final.detail as unknown as JobEventDetail);
  const detail = final.detail as unknown as JobEventDetail;
  // Every completed e2e job states what it cost (docs/COST.md).
  if (detail.status === 'COMPLETE')
    checkCost(
      detail,
      stack
        .jobEvents(ing.jobId)
        .map((e) => (e.detail as unknown as JobEventDetail).progress?.segmentsTotal)
        .find((n) => n !== undefined),
    );
  return {
    jobId: ing.jobId,
    final,
    detail: final.detail as unknown as JobEventDetail,
    events: stack.jobEvents(ing.jobId),
  };
}

/** Reads an object's bytes. */
export async function objectBytes(stack: LocalStack, bucket: string, key: string): Promise<Buffer> {
  const r = await stack.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return Buffer.from(await r.Body!.transformToByteArray());
}

/** Keys under a prefix. */
export const keysUnder = async (stack: LocalStack, bucket: string, prefix: string) =>
  (await listKeys(stack.s3, bucket, prefix)).map((k) => k.key);

/** Downloads every object of a job's output prefix into `dir`, keeping the package's layout. */
export async function downloadOutputs(stack: LocalStack, jobId: string, dir: string): Promise<string[]> {
  const { mkdir } = await import('node:fs/promises');
  const path = await import('node:path');
  const { downloadFile } = await import('../../src/aws/s3.js');
  const names: string[] = [];
  for (const o of await listKeys(stack.s3, stack.config.OUTPUT_BUCKET, `${jobId}/`)) {
    const name = o.key.slice(jobId.length + 1);
    const f = path.join(dir, name);
    await mkdir(path.dirname(f), { recursive: true });
    await downloadFile(stack.s3, { bucket: stack.config.OUTPUT_BUCKET, key: o.key }, f);
    names.push(name);
  }
  return names.sort();
}
