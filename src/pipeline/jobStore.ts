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
import {
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import type { JobStatus } from './job.js';
import { IDENTITY, STATUS_RANK, toRecord, type JobRecord, type ProgressState, type RecordChange } from './jobRecord.js';
import { JOBS_INDEX, LIST_PK, decodeCursor, encodeCursor } from './jobsTable.js';

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

/** One page of `GET /jobs`. */
export interface JobPage {
  records: JobRecord[];
  /** Opaque cursor of the next page; absent on the last page. */
  nextToken?: string;
}

const isConditionFailure = (err: unknown) =>
  err instanceof ConditionalCheckFailedException ||
  (err as { name?: string })?.name === 'ConditionalCheckFailedException';

/** The job records' table. */
export class JobStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    readonly tableName: string,
  ) {}

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

  /** A job's record (a strongly consistent read); undefined when there is none. */
  async get(jobId: string): Promise<JobRecord | undefined> {
    const r = await this.db.send(new GetCommand({ TableName: this.tableName, Key: { jobId }, ConsistentRead: true }));
    return r.Item ? toRecord(r.Item) : undefined;
  }

  /** One page of records, newest first, optionally of one status. */
  async list(p: { limit: number; status?: JobStatus; nextToken?: string }): Promise<JobPage> {
    const start = p.nextToken !== undefined ? decodeCursor(p.nextToken, p.status) : undefined;
    const r = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        ...(p.status
          ? {
              IndexName: JOBS_INDEX.byStatus,
              KeyConditionExpression: '#status = :s',
              ExpressionAttributeNames: { '#status': 'status' },
              ExpressionAttributeValues: { ':s': p.status },
            }
          : {
              IndexName: JOBS_INDEX.byTime,
              KeyConditionExpression: 'listPk = :p',
              ExpressionAttributeValues: { ':p': LIST_PK },
            }),
        ScanIndexForward: false,
        Limit: p.limit,
        ...(start ? { ExclusiveStartKey: start } : {}),
      }),
    );
    const records = (r.Items ?? []).map(toRecord);
    return {
      records,
      ...(r.LastEvaluatedKey && records.length === p.limit ? { nextToken: encodeCursor(r.LastEvaluatedKey) } : {}),
    };
  }

  /**
   * What a finished segment needs to decide whether it announces progress: the job's status,
   * planned segments and last announcement. An eventually consistent read (half a read unit;
   * a stale answer costs at most one conditional write that fails): segments never write the
   * item to count themselves, so the item is not a hot key (src/pipeline/progress.ts).
   */
  async progressState(jobId: string): Promise<ProgressState | undefined> {
    const r = await this.db.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { jobId },
        ProjectionExpression: '#status, #total, #step, #at, #updatedAt, #arn',
        ExpressionAttributeNames: {
          '#status': 'status',
          '#total': 'segmentsTotal',
          '#step': 'progressStep',
          '#at': 'progressAt',
          '#updatedAt': 'updatedAt',
          '#arn': 'executionArn',
        },
      }),
    );
    if (!r.Item) return undefined;
    const i = r.Item as Record<string, unknown>;
    return {
      status: i.status as JobStatus,
      updatedAt: String(i.updatedAt ?? ''),
      ...(typeof i.segmentsTotal === 'number' ? { segmentsTotal: i.segmentsTotal } : {}),
      ...(typeof i.progressStep === 'number' ? { progressStep: i.progressStep } : {}),
      ...(typeof i.progressAt === 'number' ? { progressAt: i.progressAt } : {}),
      ...(typeof i.executionArn === 'string' ? { executionArn: i.executionArn } : {}),
    };
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
