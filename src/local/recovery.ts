/**
 * Crash recovery of the local stack. The local runner keeps executions in memory, so a job
 * whose process was killed (kill -9, power loss) can never go on: at start, before the ingest
 * trigger is wired, every job left SUBMITTED or PROGRESSING is brought to exactly one final
 * state, ERROR with code INTERRUPTED (a conditional write: a job that ended meanwhile is left
 * alone), its work files and any partial outputs are deleted, its one ERROR event is put, and
 * the scratch folder is emptied. No other live stack can be using these records: dynalite holds
 * the LevelDB lock of the data folder, so a second stack on it fails to start.
 *
 * Then no acknowledged upload is lost: s3rver answers a PUT once the object is stored and runs
 * the ingest trigger after, so a process killed in between leaves an object with no job. Every
 * object of the ingest bucket is reconciled against the job table: one with no record (neither
 * a job nor a refusal) is ingested now, as its trigger would have done. Job ids derive from the
 * object (bucket, key, ETag: src/pipeline/ingest.ts), so an object whose trigger did run, or
 * runs twice, is still one job.
 *
 * In AWS there is nothing to recover: executions are durable (docs/ECS.md, "When a process dies")
 * and the ingest rule's delivery is retried, then dead-lettered (docs/DEPLOY.md, "Ingest events").
 */
import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Runtime } from '../runtime.js';
import type { Logger } from '../log.js';
import { buildJobEvent } from '../pipeline/events.js';
import { cleanupStep } from '../pipeline/steps/cleanup.js';
import { eventJobOf } from '../pipeline/cancel.js';
import type { JobRecord } from '../pipeline/jobStore.js';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { isIngestKey, jobIdFor } from '../pipeline/ingest.js';
import { ingestStep } from '../pipeline/steps/ingest.js';

export interface RecoveryReport {
  /** Jobs ended as ERROR / INTERRUPTED. */
  interrupted: string[];
  /** Entries removed from the scratch folder. */
  scratchRemoved: number;
  /** Jobs made for acknowledged uploads that had none (their trigger never ran): started, or recorded refused for their settings. */
  resumed: string[];
}

/** Every object of a bucket with its ETag (unquoted, as the ingest event carries it). */
async function objectsOf(rt: Runtime, bucket: string): Promise<{ key: string; etag: string; size: number }[]> {
  const out: { key: string; etag: string; size: number }[] = [];
  let token: string | undefined;
  do {
    const r = await rt.s3.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
    for (const o of r.Contents ?? [])
      if (o.Key) out.push({ key: o.Key, etag: (o.ETag ?? '').replace(/"/g, ''), size: o.Size ?? 0 });
    token = r.IsTruncated ? r.NextContinuationToken : undefined;
  } while (token);
  return out;
}

/** Ingests every object of the ingest bucket that has no job record; the job ids started. */
export async function reconcileIngestBucket(rt: Runtime, log: Logger): Promise<string[]> {
  const bucket = rt.config.INGEST_BUCKET;
  const resumed: string[] = [];
  for (const o of await objectsOf(rt, bucket)) {
    if (!isIngestKey(o.key) || !o.etag) continue;
    if (await rt.jobs.get(jobIdFor(bucket, o.key, o.etag))) continue;
    const event = {
      'detail-type': 'Object Created' as const,
      detail: { bucket: { name: bucket }, object: { key: o.key, size: o.size, etag: o.etag } },
    };
    try {
      const r = await ingestStep(rt, event, log.child({ key: o.key }));
      if ('jobId' in r) resumed.push(r.jobId);
      log.warn('an acknowledged upload had no job (its trigger never ran): ingested now', { key: o.key, ...r });
    } catch (err) {
      // One upload's trouble (S3 or the table failing now) does not keep the stack down: the
      // object stays without a job, and the next start tries it again.
      log.error('an acknowledged upload had no job and could not be ingested now; tried again at the next start', {
        key: o.key,
        error: err,
      });
    }
  }
  return resumed;
}

async function unfinished(rt: Runtime): Promise<JobRecord[]> {
  const out: JobRecord[] = [];
  for (const status of ['SUBMITTED', 'PROGRESSING'] as const) {
    let token: string | undefined;
    do {
      const page = await rt.jobs.list({ limit: 100, status, ...(token ? { nextToken: token } : {}) });
      out.push(...page.records);
      token = page.nextToken;
    } while (token);
  }
  return out;
}

/** Ends every job a dead process left running, and empties the scratch folder. */
export async function recoverInterruptedJobs(rt: Runtime, log: Logger): Promise<RecoveryReport> {
  const interrupted: string[] = [];
  for (const rec of await unfinished(rt)) {
    const error = {
      code: 'INTERRUPTED',
      message: `the local stack stopped while the job was ${rec.status} (its process was killed); upload the source again under a new key or POST /jobs to run it again`,
    };
    const ended = await rt.jobs.advance(rec, 'ERROR', { error });
    if (ended?.status !== 'ERROR') continue;
    const jobLog = log.child({ jobId: rec.jobId });
    await cleanupStep(rt, { jobId: rec.jobId }, true, jobLog);
    await rt.events.put(
      buildJobEvent({
        status: 'ERROR',
        job: eventJobOf(ended),
        source: rt.config.EVENT_SOURCE,
        busName: rt.config.EVENT_BUS_NAME,
        executionArn: rec.executionArn,
        error: { Error: 'Interrupted', Cause: `${error.code}: ${error.message}` },
      }),
    );
    jobLog.warn('job interrupted by a dead process: ended as ERROR', { previous: rec.status });
    interrupted.push(rec.jobId);
  }
  // Scratch files of the dead process's steps (each step's folder is named after its job).
  let scratchRemoved = 0;
  for (const entry of await readdir(rt.config.WORK_DIR).catch(() => [] as string[])) {
    await rm(path.join(rt.config.WORK_DIR, entry), { recursive: true, force: true });
    scratchRemoved++;
  }
  const resumed = await reconcileIngestBucket(rt, log);
  if (interrupted.length || scratchRemoved || resumed.length)
    log.info('recovered after a crash', { interrupted: interrupted.length, scratchRemoved, resumed: resumed.length });
  return { interrupted, scratchRemoved, resumed };
}
