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
import { ConditionalCheckFailedException, type CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { ValidationError } from '../errors.js';
import type { PublishedOutput } from './outputs.js';
import { JOB_STATUSES, type JobInput, type JobStatus } from './job.js';

/** One published output as stored on the record (src/pipeline/outputs.ts). */
const PublishedOutputSchema = z.looseObject({
    type: z.enum(['hls', 'dash', 'video', 'cmaf', 'subtitles', 'poster', 'sprite', 'vtt']),
    name: z.string(),
    uri: z.string(),
    sizeBytes: z.number(),
    rendition: z.string().optional(),
    durationMs: z.number().optional(),
    width: z.number().optional(),
    height: z.number().optional(),
    frames: z.number().optional(),
    codec: z.string().optional(),
    files: z.number().optional(),
});

const count = z.number().int().nonnegative();

/**
 * The one schema of a job record: every record read back (get, list) is checked against it, so
 * a record that does not match (a status outside the enum, a source that is not a string) is
 * reported as JobRecordInvalid instead of being served or acted on. Attributes it does not
 * name are kept (passthrough): a newer writer's fields are not dropped by an older reader.
 */
export const JobRecordSchema = z.looseObject({
    jobId: z.string().min(1),
    status: z.enum(JOB_STATUSES),
    source: z.string(),
    preset: z.string(),
    clip: z.object({ start: z.number(), end: z.number().optional() }).optional(),
    correlationId: z.string().optional(),
    userMetadata: z.record(z.string(), z.string()),
    submittedAt: z.string(),
    updatedAt: z.string(),
    executionArn: z.string().optional(),
    segmentsTotal: count.optional(),
    /** Segments whose result is written (each index counted once, however often retried). */
    segmentsDone: count.optional(),
    /** 0-100, as last announced by a STATUS_UPDATE event. */
    percent: z.number().min(0).max(100).optional(),
    /** The phase last announced (TRANSCODING, ASSEMBLING, PUBLISHING). */
    phase: z.string().optional(),
    /** The running ECS task of the job, while one runs (cancel stops it). */
    taskArn: z.string().optional(),
    outputs: z.array(PublishedOutputSchema).optional(),
    error: z.object({ code: z.string(), message: z.string() }).optional(),
});

/** The stored record of a job, as the API and the pipeline read it (what JobRecordSchema accepts). */
export interface JobRecord {
  jobId: string;
  status: JobStatus;
  source: string;
  preset: string;
  clip?: { start: number; end?: number };
  correlationId?: string;
  userMetadata: Record<string, string>;
  submittedAt: string;
  updatedAt: string;
  executionArn?: string;
  segmentsTotal?: number;
  /**
   * Segments whose result was written, as counted at the last progress announcement (each
   * index once, however often retried; src/pipeline/progress.ts).
   */
  segmentsDone?: number;
  percent?: number;
  phase?: string;
  taskArn?: string;
  outputs?: PublishedOutput[];
  error?: { code: string; message: string };
}

/** Compile-time check that what the schema accepts is a JobRecord. */
const schemaGivesRecord = (r: z.infer<typeof JobRecordSchema>): JobRecord => r;
void schemaGivesRecord;

/** A stored record that does not match JobRecordSchema: never served or acted on (a 500 of its own in the API). */
export class JobRecordInvalidError extends Error {
  override name = 'JobRecordInvalid';
  constructor(
    readonly jobId: string,
    readonly problems: string,
    options?: { cause?: unknown },
  ) {
    super(`the stored record of job ${jobId} does not match the job record schema: ${problems}`, options);
  }
}

/** The order of statuses: a write is applied only when it moves the job forward. */
export const STATUS_RANK: Record<JobStatus, number> = { SUBMITTED: 0, PROGRESSING: 1, COMPLETE: 2, ERROR: 2, CANCELED: 2 };

/** Index and key attribute names (serverless.yml JobsTable declares the same; test/package.test.ts checks). */
export const JOBS_INDEX = { byTime: 'byTime', byStatus: 'byStatus' } as const;
const LIST_PK = 'JOB';

/** The table as CreateTable takes it: the local stack creates it, serverless.yml declares the same. */
export function jobsTableDefinition(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      { AttributeName: 'jobId', AttributeType: 'S' },
      { AttributeName: 'listPk', AttributeType: 'S' },
      { AttributeName: 'listKey', AttributeType: 'S' },
      { AttributeName: 'status', AttributeType: 'S' },
    ],
    KeySchema: [{ AttributeName: 'jobId', KeyType: 'HASH' }],
    GlobalSecondaryIndexes: [
      { IndexName: JOBS_INDEX.byTime, KeySchema: [{ AttributeName: 'listPk', KeyType: 'HASH' }, { AttributeName: 'listKey', KeyType: 'RANGE' }], Projection: { ProjectionType: 'ALL' } },
      { IndexName: JOBS_INDEX.byStatus, KeySchema: [{ AttributeName: 'status', KeyType: 'HASH' }, { AttributeName: 'listKey', KeyType: 'RANGE' }], Projection: { ProjectionType: 'ALL' } },
    ],
  };
}

/** The initial record of a job. */
export function newRecord(job: JobInput, executionArn?: string): JobRecord {
  return {
    jobId: job.jobId,
    status: 'SUBMITTED',
    source: `s3://${job.source.bucket}/${job.source.key}`,
    preset: job.settings.preset,
    ...(job.settings.clip ? { clip: job.settings.clip } : {}),
    ...(job.correlationId ? { correlationId: job.correlationId } : {}),
    userMetadata: job.userMetadata ?? {},
    submittedAt: job.submittedAt,
    updatedAt: new Date().toISOString(),
    ...(executionArn ? { executionArn } : {}),
  };
}

/** Fields a status change may set besides the status. */
export type RecordChange = Partial<Pick<JobRecord, 'segmentsTotal' | 'outputs' | 'error' | 'executionArn' | 'percent' | 'phase'>>;

/** One page of `GET /jobs`. */
export interface JobPage {
  records: JobRecord[];
  /** Opaque cursor of the next page; absent on the last page. */
  nextToken?: string;
}

/** A cursor names the last item of a page (the index's keys); anything else is refused. */
const CursorSchema = z.strictObject({ jobId: z.string().max(80), listKey: z.string().max(200), listPk: z.literal(LIST_PK).optional(), status: z.string().max(20).optional() });

const isConditionFailure = (err: unknown) => err instanceof ConditionalCheckFailedException || (err as { name?: string })?.name === 'ConditionalCheckFailedException';

/** The fields that make a record when the emitter runs before the submitter. */
const IDENTITY = ['source', 'preset', 'clip', 'correlationId', 'userMetadata', 'submittedAt', 'executionArn'] as const;

/** Item attributes that are storage, not record. */
const INTERNAL = ['listPk', 'listKey', 'rank', 'progressStep', 'progressAt'] as const;

function toRecord(item: Record<string, unknown>): JobRecord {
  const rec: Record<string, unknown> = { ...item };
  for (const k of INTERNAL) delete rec[k];
  const r = JobRecordSchema.safeParse(rec);
  if (!r.success) {
    const id = typeof item.jobId === 'string' ? item.jobId.slice(0, 80) : '(no job id)';
    const problems = r.error.issues.slice(0, 3).map((i) => `${i.path.join('.') || 'record'}: ${i.message}`).join('; ');
    throw new JobRecordInvalidError(id, problems, { cause: r.error });
  }
  return r.data;
}

/** A job's progress fields, as a finished segment reads them. */
export interface ProgressState {
  status: JobStatus;
  updatedAt: string;
  segmentsTotal?: number;
  /** The last step announced (a tenth), and when (ms since the epoch). */
  progressStep?: number;
  progressAt?: number;
  executionArn?: string;
}

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
          Item: { ...rec, status: 'SUBMITTED', rank: STATUS_RANK.SUBMITTED, listPk: LIST_PK, listKey: `${rec.submittedAt}#${rec.jobId}` },
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
  async advance(initial: JobRecord, status: JobStatus, change: RecordChange = {}, opts: { onlyForward?: boolean } = {}): Promise<JobRecord | undefined> {
    const names: Record<string, string> = { '#status': 'status', '#rank': 'rank', '#updatedAt': 'updatedAt' };
    const values: Record<string, unknown> = { ':status': status, ':rank': STATUS_RANK[status], ':now': new Date().toISOString() };
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
          ConditionExpression: opts.onlyForward ? 'attribute_not_exists(jobId) OR #rank < :rank' : 'attribute_not_exists(jobId) OR #rank < :rank OR #status = :status',
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
          ? { IndexName: JOBS_INDEX.byStatus, KeyConditionExpression: '#status = :s', ExpressionAttributeNames: { '#status': 'status' }, ExpressionAttributeValues: { ':s': p.status } }
          : { IndexName: JOBS_INDEX.byTime, KeyConditionExpression: 'listPk = :p', ExpressionAttributeValues: { ':p': LIST_PK } }),
        ScanIndexForward: false,
        Limit: p.limit,
        ...(start ? { ExclusiveStartKey: start } : {}),
      }),
    );
    const records = (r.Items ?? []).map(toRecord);
    return { records, ...(r.LastEvaluatedKey && records.length === p.limit ? { nextToken: encodeCursor(r.LastEvaluatedKey) } : {}) };
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
        ExpressionAttributeNames: { '#status': 'status', '#total': 'segmentsTotal', '#step': 'progressStep', '#at': 'progressAt', '#updatedAt': 'updatedAt', '#arn': 'executionArn' },
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
  async claimProgress(jobId: string, p: { step: number; percent: number; phase: string; nowMs: number; minIntervalMs: number; done: number }): Promise<boolean> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { jobId },
          // Every name through a placeholder: `percent` and `status` are DynamoDB reserved words.
          UpdateExpression: 'SET #step = :step, #at = :now, #percent = :pct, #phase = :phase, #updatedAt = :iso, #done = :done',
          ConditionExpression: '#status = :p AND (attribute_not_exists(#step) OR #step < :step OR #at <= :before)',
          ExpressionAttributeNames: { '#status': 'status', '#updatedAt': 'updatedAt', '#step': 'progressStep', '#at': 'progressAt', '#percent': 'percent', '#phase': 'phase', '#done': 'segmentsDone' },
          ExpressionAttributeValues: { ':step': p.step, ':now': p.nowMs, ':before': p.nowMs - p.minIntervalMs, ':pct': p.percent, ':phase': p.phase, ':iso': new Date(p.nowMs).toISOString(), ':p': 'PROGRESSING', ':done': p.done },
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

/** A page's last key as an opaque token (base64url JSON). */
export const encodeCursor = (key: Record<string, unknown>) => Buffer.from(JSON.stringify(key)).toString('base64url');

/** A token back to the key it was made from; ValidationError (400) for anything else. */
export function decodeCursor(token: string, status?: JobStatus): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw new ValidationError('nextToken is not a token this API gave out');
  }
  const r = CursorSchema.safeParse(parsed);
  // A token is only good for the listing that made it: same index, same status.
  if (!r.success || (status ? r.data.status !== status || r.data.listPk !== undefined : r.data.listPk !== LIST_PK || r.data.status !== undefined)) {
    throw new ValidationError('nextToken is not a token of this listing (same status filter)');
  }
  return r.data;
}
