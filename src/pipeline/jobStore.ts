/**
 * Job records in DynamoDB (in AWS the stack's on-demand JobsTable; on the local stack dynalite,
 * the DynamoDB API on LevelDB). One item per job, keyed by job id, with two indexes:
 *
 * - `byTime`: every job under one partition (`listPk` = "JOB"), sorted by `listKey`
 *   (`<submittedAt>#<jobId>`): `GET /jobs` newest first, one Query per page;
 * - `byStatus`: partition `status`, same sort key: `GET /jobs?status=ERROR`.
 *
 * A job's state only moves forward: every status write is conditional on the stored rank
 * (SUBMITTED 0 < PROGRESSING 1 < COMPLETE, ERROR, CANCELED 2), so nothing follows a final
 * status and two different final statuses can never both be written. DynamoDB writes and reads
 * one item atomically: a reader never sees half a record.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { JobStatus } from './job.js';
import { JobReader } from './jobQueries.js';
import { IDENTITY, STATUS_RANK, toRecord, type JobRecord, type RecordChange } from './jobRecord.js';
import { LIST_PK } from './jobsTable.js';

export {
  JobRecordInvalidError,
  JobRecordSchema,
  STATUS_RANK,
  newRecord,
  type JobRecord,
  type ProgressState,
  type RecordChange,
} from './jobRecord.js';
export { JOBS_INDEX, decodeCursor, encodeCursor, jobsTableDefinition } from './jobsTable.js';
export { JobReader, type JobPage } from './jobQueries.js';

const isConditionFailure = (err: unknown) =>
  err instanceof ConditionalCheckFailedException ||
  (err as { name?: string })?.name === 'ConditionalCheckFailedException';

/** The job records' table: the writes here, the reads inherited from JobReader (jobQueries.ts). */
export class JobStore extends JobReader {
  /** Records a new job as SUBMITTED; false (and nothing written) when the job has a record already. */
  async create(rec: JobRecord): Promise<boolean> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...rec,
            status: 'SUBMITTED',
            rank: STATUS_RANK.SUBMITTED,
            listPk: LIST_PK,
            listKey: `${rec.submittedAt}#${rec.jobId}`,
          },
          ConditionExpression: 'attribute_not_exists(jobId)',
        }),
      );
      return true;
    } catch (err) {
      if (isConditionFailure(err)) return false;
      throw err;
    }
  }

  /**
   * Records a job that ends where it starts (an upload refused for its settings: ERROR, never
   * run); false (and nothing written) when the job has a record already, so a duplicate
   * delivery announces nothing.
   */
  async createFinal(rec: JobRecord): Promise<boolean> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...rec, rank: STATUS_RANK[rec.status], listPk: LIST_PK, listKey: `${rec.submittedAt}#${rec.jobId}` },
          ConditionExpression: 'attribute_not_exists(jobId)',
        }),
      );
      return true;
    } catch (err) {
      if (isConditionFailure(err)) return false;
      throw err;
    }
  }

  /**
   * Moves a job to `status`, creating the record from `initial` when there is none. Applied
   * only when it moves the job forward, or repeats its current status (a retried emitter
   * announces again what it failed to announce; not with `onlyForward`): the new record, or
   * undefined when refused.
   */
  async advance(
    initial: JobRecord,
    status: JobStatus,
    change: RecordChange = {},
    opts: { onlyForward?: boolean } = {},
  ): Promise<JobRecord | undefined> {
    const names: Record<string, string> = { '#status': 'status', '#rank': 'rank', '#updatedAt': 'updatedAt' };
    const values: Record<string, unknown> = {
      ':status': status,
      ':rank': STATUS_RANK[status],
      ':now': new Date().toISOString(),
    };
    const sets = ['#status = :status', '#rank = :rank', '#updatedAt = :now'];
    // Only the job's identity fields: counters, progress and outcomes are never copied back.
    const base: Record<string, unknown> = { listPk: LIST_PK, listKey: `${initial.submittedAt}#${initial.jobId}` };
    for (const k of IDENTITY) if (initial[k] !== undefined && !(k in change)) base[k] = initial[k];
    let i = 0;
    for (const [k, v] of Object.entries(change)) {
      if (v === undefined) continue;
      names[`#c${i}`] = k;
      values[`:c${i}`] = v;
      sets.push(`#c${i} = :c${i}`);
      i++;
    }
    // The record's own fields are set only when it is created here (the emitter ran first).
    for (const [k, v] of Object.entries(base)) {
      if (v === undefined) continue;
      names[`#b${i}`] = k;
      values[`:b${i}`] = v;
      sets.push(`#b${i} = if_not_exists(#b${i}, :b${i})`);
      i++;
    }
    try {
      const r = await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { jobId: initial.jobId },
          UpdateExpression: `SET ${sets.join(', ')}`,
          // `onlyForward` (cancel): repeating the status is refused too, so of racing writers
          // of the same final status exactly one wins and only it goes on to stop and emit.
          ConditionExpression: opts.onlyForward
            ? 'attribute_not_exists(jobId) OR #rank < :rank'
            : 'attribute_not_exists(jobId) OR #rank < :rank OR #status = :status',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
        }),
      );
      return toRecord(r.Attributes ?? {});
    } catch (err) {
      if (isConditionFailure(err)) return undefined;
      throw err;
    }
  }

  /**
   * Claims the right to announce progress step `step` (a tenth) at `nowMs`, recording the
   * segments counted done: granted to exactly one caller per step, or once more when
   * `minIntervalMs` has passed since the last claim (concurrent segment functions race here;
   * the conditional write picks the one emitter). Only callers that cross a step or find the
   * last announcement stale get here, so the item is written O(1) times per step.
   */
  async claimProgress(
    jobId: string,
    p: { step: number; percent: number; phase: string; nowMs: number; minIntervalMs: number; done: number },
  ): Promise<boolean> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { jobId },
          // Every name through a placeholder: `percent` and `status` are DynamoDB reserved words.
          UpdateExpression:
            'SET #step = :step, #at = :now, #percent = :pct, #phase = :phase, #updatedAt = :iso, #done = :done',
          ConditionExpression: '#status = :p AND (attribute_not_exists(#step) OR #step < :step OR #at <= :before)',
          ExpressionAttributeNames: {
            '#status': 'status',
            '#updatedAt': 'updatedAt',
            '#step': 'progressStep',
            '#at': 'progressAt',
            '#percent': 'percent',
            '#phase': 'phase',
            '#done': 'segmentsDone',
          },
          ExpressionAttributeValues: {
            ':step': p.step,
            ':now': p.nowMs,
            ':before': p.nowMs - p.minIntervalMs,
            ':pct': p.percent,
            ':phase': p.phase,
            ':iso': new Date(p.nowMs).toISOString(),
            ':p': 'PROGRESSING',
            ':done': p.done,
          },
        }),
      );
      return true;
    } catch (err) {
      if (isConditionFailure(err)) return false;
      throw err;
    }
  }

  /**
   * Records the phase a running job is in (ASSEMBLING, PUBLISHING) for `GET /jobs/{id}`; only
   * while it is PROGRESSING (false, and nothing written, otherwise).
   */
  async setPhase(jobId: string, phase: string): Promise<boolean> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { jobId },
          UpdateExpression: 'SET #phase = :phase, #updatedAt = :now',
          ConditionExpression: '#status = :p',
          ExpressionAttributeNames: { '#status': 'status', '#phase': 'phase', '#updatedAt': 'updatedAt' },
          ExpressionAttributeValues: { ':phase': phase, ':now': new Date().toISOString(), ':p': 'PROGRESSING' },
        }),
      );
      return true;
    } catch (err) {
      if (isConditionFailure(err)) return false;
      throw err;
    }
  }

  /** Remembers (or forgets, with undefined) the job's running ECS task while it is not final. */
  async setTask(jobId: string, taskArn: string | undefined): Promise<void> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { jobId },
          UpdateExpression: taskArn ? 'SET #task = :t' : 'REMOVE #task',
          ConditionExpression: 'attribute_exists(jobId) AND #rank < :final',
          ExpressionAttributeNames: { '#rank': 'rank', '#task': 'taskArn' },
          ExpressionAttributeValues: { ':final': 2, ...(taskArn ? { ':t': taskArn } : {}) },
        }),
      );
    } catch (err) {
      if (!isConditionFailure(err)) throw err;
    }
  }
}
