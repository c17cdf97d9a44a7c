/**
 * The job records' table: its definition (indexes `byTime` and `byStatus`) and the opaque
 * cursors of `GET /jobs` pages (split from jobStore.ts).
 */
import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import { z } from 'zod';
import { ValidationError } from '../errors.js';
import type { JobStatus } from './job.js';

/** Index and key attribute names (serverless.yml JobsTable declares the same; test/package.test.ts checks). */
export const JOBS_INDEX = { byTime: 'byTime', byStatus: 'byStatus' } as const;
/** The one partition of the byTime index: every job. */
export const LIST_PK = 'JOB';

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
      {
        IndexName: JOBS_INDEX.byTime,
        KeySchema: [
          { AttributeName: 'listPk', KeyType: 'HASH' },
          { AttributeName: 'listKey', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
      {
        IndexName: JOBS_INDEX.byStatus,
        KeySchema: [
          { AttributeName: 'status', KeyType: 'HASH' },
          { AttributeName: 'listKey', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
    ],
  };
}

/** A cursor names the last item of a page (the index's keys); anything else is refused. */
const CursorSchema = z.strictObject({
  jobId: z.string().max(80),
  listKey: z.string().max(200),
  listPk: z.literal(LIST_PK).optional(),
  status: z.string().max(20).optional(),
});

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
  if (
    !r.success ||
    (status
      ? r.data.status !== status || r.data.listPk !== undefined
      : r.data.listPk !== LIST_PK || r.data.status !== undefined)
  ) {
    throw new ValidationError('nextToken is not a token of this listing (same status filter)');
  }
  return r.data;
}
