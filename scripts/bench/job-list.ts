/**
 * `npx tsx scripts/bench/job-list.ts [--jobs 300] [--requests 50] [--limit 20]`
 *
 * The job list at scale on the local stack: records N jobs in the local stack's DynamoDB
 * (dynalite on LevelDB, as `npm run serve` runs it), then times `GET /jobs?limit=L` through the
 * local HTTP API (first page, and the page a `nextToken` leads to) and prints the medians. The
 * figure is quoted in docs/API.md; no test asserts a time.
 */
import '../../src/util/quietWarnings.js';
import os from 'node:os';
import path from 'node:path';
import { mkdtemp, rm } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { LocalStack } from '../../src/local/stack.js';
import { startApiServer } from '../../src/local/apiServer.js';
import { newRecord } from '../../src/pipeline/jobStore.js';
import { buildJobInput } from '../../src/pipeline/job.js';
import { newJobId } from '../../src/api/operations.js';
import { median } from './stats.js';

const { values } = parseArgs({
  options: {
    jobs: { type: 'string', default: '300' },
    requests: { type: 'string', default: '50' },
    limit: { type: 'string', default: '20' },
  },
});
const jobs = Number(values.jobs);
const requests = Number(values.requests);
const limit = Number(values.limit);

const dataDir = await mkdtemp(path.join(os.tmpdir(), 'mt-joblist-'));
const stack = await LocalStack.start({ dataDir, logSink: () => undefined });
const api = await startApiServer({ rt: stack.rt, port: 0 });
try {
  const t0 = Date.now();
  for (let i = 0; i < jobs; i++) {
    const job = buildJobInput(stack.config, {
      jobId: newJobId(),
      source: { bucket: 'ingest', key: `uploads/v${i}.mp4` },
      request: { preset: 'h264-single-480p' },
      submittedAt: new Date(Date.UTC(2026, 0, 1, 0, 0, i)),
    });
    await stack.rt.jobs.create(newRecord(job, `arn:local:${job.jobId}`));
    if (i % 3 === 0) await stack.rt.jobs.advance(newRecord(job), 'PROGRESSING', { segmentsTotal: 10 });
    if (i % 3 === 1) await stack.rt.jobs.advance(newRecord(job), 'COMPLETE', { outputs: [] });
  }
  const recordMs = Date.now() - t0;
  const time = async (url: string) => {
    const s = process.hrtime.bigint();
    const r = await fetch(url);
    const body = (await r.json()) as { jobs: unknown[]; nextToken: string | null };
    if (r.status !== 200 || body.jobs.length !== limit)
      throw new Error(`GET ${url}: ${r.status}, ${body.jobs.length} jobs`);
    return { ms: Number(process.hrtime.bigint() - s) / 1e6, next: body.nextToken };
  };
  const first: number[] = [];
  const second: number[] = [];
  const byStatus: number[] = [];
  await time(`${api.url}/jobs?limit=${limit}`); // warm-up
  for (let i = 0; i < requests; i++) {
    const a = await time(`${api.url}/jobs?limit=${limit}`);
    first.push(a.ms);
    second.push((await time(`${api.url}/jobs?limit=${limit}&nextToken=${encodeURIComponent(a.next!)}`)).ms);
    byStatus.push((await time(`${api.url}/jobs?limit=${limit}&status=COMPLETE`)).ms);
  }
  const f = (n: number) => n.toFixed(1);
  console.log(
    JSON.stringify({
      jobs,
      requests,
      limit,
      recordSeconds: recordMs / 1000,
      medianMs: { firstPage: f(median(first)), nextPage: f(median(second)), statusComplete: f(median(byStatus)) },
      maxMs: { firstPage: f(Math.max(...first)) },
      loadAverage: os.loadavg().map((x) => x.toFixed(2)),
      cores: os.cpus().length,
    }),
  );
} finally {
  await api.close();
  await stack.stop();
  await rm(dataDir, { recursive: true, force: true });
}
