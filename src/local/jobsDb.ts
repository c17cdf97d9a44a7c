/**
 * DynamoDB on one machine: dynalite (the DynamoDB API over LevelDB) on a loopback port, with
 * the job records' table created at start (src/pipeline/jobStore.ts jobsTableDefinition).
 * With a folder the records survive a restart (crash recovery reads them); without one they
 * are in memory (unit tests).
 */
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';
import dynalite from 'dynalite';
import { CreateTableCommand, DescribeTableCommand, ResourceInUseException } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createDynamoClient } from '../aws/dynamodb.js';
import { jobsTableDefinition } from '../pipeline/jobStore.js';

/** Credentials dynalite accepts (it checks only that a request is signed). */
export const LOCAL_DB_CREDENTIALS = { accessKeyId: 'LOCAL', secretAccessKey: 'LOCAL' };

export interface LocalJobsDb {
  endpoint: string;
  client: DynamoDBDocumentClient;
  close(): Promise<void>;
}

/** Starts dynalite on `address` (a free port) and creates `tableName` unless it exists. */
export async function startJobsDb(opts: { tableName: string; path?: string; address?: string; region?: string }): Promise<LocalJobsDb> {
  const server = dynalite({ ...(opts.path ? { path: opts.path } : {}), createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  server.listen(0, opts.address ?? '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://${opts.address ?? '127.0.0.1'}:${port}`;
  const client = createDynamoClient({ AWS_REGION: opts.region ?? 'us-east-1', DYNAMODB_ENDPOINT: endpoint }, LOCAL_DB_CREDENTIALS);
  try {
    await client.send(new CreateTableCommand(jobsTableDefinition(opts.tableName)));
  } catch (err) {
    if (!(err instanceof ResourceInUseException)) throw err;
  }
  // createTableMs 0 still goes through CREATING for a tick: wait for ACTIVE.
  for (let i = 0; i < 50; i++) {
    const d = await client.send(new DescribeTableCommand({ TableName: opts.tableName }));
    if (d.Table?.TableStatus === 'ACTIVE' && (d.Table.GlobalSecondaryIndexes ?? []).every((g) => g.IndexStatus === 'ACTIVE')) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  return {
    endpoint,
    client,
    close: async () => {
      client.destroy();
      // dynalite's close waits for the HTTP server, then closes LevelDB (its lock is released).
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}
