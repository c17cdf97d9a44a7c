/**
 * The service that test/e2e/crash-uploads.test.ts kills: starts a local stack on the given
 * folder, PUTs the source under each key (each PUT answered 200 before the next), prints
 * `ACKED <n>` and kills itself with SIGKILL at once: the last uploads' triggers have not run.
 * Usage: tsx test/helpers/crash-uploads-child.ts <dataDir> <source file> <key>...
 */
import '../../src/util/quietWarnings.js';
import { readFileSync, writeSync } from 'node:fs';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { LocalStack } from '../../src/local/stack.js';

const [dataDir, file, ...keys] = process.argv.slice(2);
const stack = await LocalStack.start({ dataDir, segmentSeconds: 1, mapConcurrency: 1, logSink: () => undefined });
const body = readFileSync(file);
let acked = 0;
for (const key of keys) {
  const r = await stack.s3.send(
    new PutObjectCommand({
      Bucket: 'ingest',
      Key: key,
      Body: body,
      Metadata: { preset: 'h264-single-480p', engine: 'lambda' },
    }),
  );
  if (r.$metadata.httpStatusCode === 200) acked++;
}
// Synchronous write, then the kill: nothing else of this process runs.
writeSync(1, `ACKED ${acked}\n`);
process.kill(process.pid, 'SIGKILL');
