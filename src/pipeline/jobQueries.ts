/**
 * The read side of the job records' table (see jobStore.ts for the table's layout): one record
 * by id, a page of `GET /jobs` (by time or by status), and the projection progress reads.
 * JobStore (jobStore.ts) extends JobReader with the conditional writes.
 */
import { GetCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { JobStatus } from './job.js';
import { toRecord, type JobRecord, type ProgressState } from './jobRecord.js';
import { JOBS_INDEX, LIST_PK, decodeCursor, encodeCursor } from './jobsTable.js';

/** One page of `GET /jobs`. */
export interface JobPage {
  records: JobRecord[];
  /** Opaque cursor of the next page; absent on the last page. */
  nextToken?: string;
}

/** Reads of the job records' table. */
export class JobReader {
  constructor(
    protected readonly db: DynamoDBDocumentClient,
    readonly tableName: string,
  ) {}

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
}
