/**
 * Crash recovery of the local stack. The local runner keeps executions in memory, so a job
 * whose process was killed (kill -9, power loss) can never go on: at start, before the ingest
 * trigger is wired, every job left SUBMITTED or PROGRESSING is brought to exactly one final
 * state, ERROR with code INTERRUPTED (a conditional write: a job that ended meanwhile is left
 * alone), its work files and any partial outputs are deleted, its one ERROR event is put, and
 * the scratch folder is emptied. No other live stack can be using these records: dynalite holds
 * the LevelDB lock of the data folder, so a second stack on it fails to start.
 *
 * In AWS there is nothing to recover: executions are durable (docs/ECS.md, "When a process dies").
 */
import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Runtime } from '../runtime.js';
import type { Logger } from '../log.js';
import { buildJobEvent } from '../pipeline/events.js';
import { cleanupStep } from '../pipeline/steps/cleanup.js';
import { eventJobOf } from '../pipeline/cancel.js';
import type { JobRecord } from '../pipeline/jobStore.js';

export interface RecoveryReport {
  /** Jobs ended as ERROR / INTERRUPTED. */
  interrupted: string[];
  /** Entries removed from the scratch folder. */
  scratchRemoved: number;
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
    const error = { code: 'INTERRUPTED', message: `the local stack stopped while the job was ${rec.status} (its process was killed); upload the source again under a new key or POST /jobs to run it again` };
    const ended = await rt.jobs.advance(rec, 'ERROR', { error });
    if (!ended || ended.status !== 'ERROR') continue;
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
  if (interrupted.length || scratchRemoved) log.info('recovered after a crash', { interrupted: interrupted.length, scratchRemoved });
  return { interrupted, scratchRemoved };
}
