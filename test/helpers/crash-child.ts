/**
 * The service that test/e2e/crash.test.ts kills: starts a local stack on the given folder,
 * uploads the source, and prints `READY <jobId> <ffmpeg pids>` once the job is PROGRESSING with
 * an ffmpeg child encoding. Then it waits to be killed (kill -9).
 * Usage: tsx test/helpers/crash-child.ts <dataDir> <source file> <key>
 */
import '../../src/util/quietWarnings.js';
import { readdirSync, readFileSync } from 'node:fs';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { LocalStack } from '../../src/local/stack.js';

const [dataDir, file, key] = process.argv.slice(2);
const stack = await LocalStack.start({ dataDir, segmentSeconds: 1, mapConcurrency: 1, logSink: () => undefined });
const ingested = stack.waitForIngest(key, 60_000);
await stack.s3.send(
  new PutObjectCommand({
    Bucket: 'ingest',
    Key: key,
    Body: readFileSync(file),
    Metadata: { preset: 'h264-single-480p', engine: 'lambda' },
  }),
);
const ing = await ingested;
if (!ing.started) throw new Error(`not started: ${ing.reason}`);
/** ffmpeg children of this process, from /proc. */
function ffmpegChildren(): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc').filter((x) => /^\d+$/.test(x))) {
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (comm === 'ffmpeg' && ppid === process.pid) out.push(Number(d));
    } catch {
      /* gone */
    }
  }
  return out;
}
for (;;) {
  const rec = await stack.rt.jobs.get(ing.jobId);
  const kids = ffmpegChildren();
  if (rec?.status === 'PROGRESSING' && (rec.segmentsDone ?? 0) >= 1 && kids.length) {
    process.stdout.write(`READY ${ing.jobId} ${kids.join(',')}\n`);
    break;
  }
  if (rec && ['COMPLETE', 'ERROR'].includes(rec.status)) {
    process.stdout.write(`ENDED ${rec.status}\n`);
    process.exit(3);
  }
  await new Promise((r) => setTimeout(r, 30));
}
setInterval(() => undefined, 1000);
