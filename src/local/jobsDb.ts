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
import type { Limits } from '../aws/limits.js';
import { startDdbLimitsProxy } from './ddbLimits.js';

/** Credentials dynalite accepts (it checks only that a request is signed). */
export const LOCAL_DB_CREDENTIALS = { accessKeyId: 'LOCAL', secretAccessKey: 'LOCAL' };

export interface LocalJobsDb {
  endpoint: string;
  client: DynamoDBDocumentClient;
  close(): Promise<void>;
}

/**
 * Starts dynalite on `address` (a free port) and creates `tableName` unless it exists. With
 * `limits`, DynamoDB's item size is dynalite's own check set to `ddbItemBytes`, and every
 * client talks to it through the per-partition throughput proxy (src/local/ddbLimits.ts).
 */
export async function startJobsDb(opts: {
  tableName: string;
  path?: string;
  address?: string;
  region?: string;
  limits?: Pick<Limits, 'ddbItemBytes' | 'ddbPartitionWcu' | 'ddbPartitionRcu'>;
}): Promise<LocalJobsDb> {
  const address = opts.address ?? '127.0.0.1';
  const region = opts.region ?? 'us-east-1';
  // dynalite's item size check (ValidationException, AWS's messages) takes its limit in KB.
  const server = dynalite({
    ...(opts.path ? { path: opts.path } : {}),
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
    ...(opts.limits ? { maxItemSizeKb: opts.limits.ddbItemBytes / 1024 } : {}),
  });
  server.listen(0, address);
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const direct = `http://${address}:${port}`;
  const hashKey = jobsTableDefinition(opts.tableName).KeySchema?.find((k) => k.KeyType === 'HASH')?.AttributeName;
  const proxy = opts.limits
    ? await startDdbLimitsProxy({
        target: direct,
        address,
        region,
        hashKeys: hashKey ? { [opts.tableName]: hashKey } : {},
        limits: opts.limits,
      })
    : undefined;
  const endpoint = proxy?.endpoint ?? direct;
  const client = createDynamoClient({ AWS_REGION: region, DYNAMODB_ENDPOINT: endpoint }, LOCAL_DB_CREDENTIALS);
  try {
    await client.send(new CreateTableCommand(jobsTableDefinition(opts.tableName)));
  } catch (err) {
    if (!(err instanceof ResourceInUseException)) throw err;
  }
  // createTableMs 0 still goes through CREATING for a tick: wait for ACTIVE.
  for (let i = 0; i < 50; i++) {
    const d = await client.send(new DescribeTableCommand({ TableName: opts.tableName }));
    if (
      d.Table?.TableStatus === 'ACTIVE' &&
      (d.Table.GlobalSecondaryIndexes ?? []).every((g) => g.IndexStatus === 'ACTIVE')
    )
      break;
    await new Promise((r) => setTimeout(r, 20));
  }
  return {
    endpoint,
    client,
    close: async () => {
      client.destroy();
      await proxy?.close();
      // dynalite's close waits for the HTTP server, then closes LevelDB (its lock is released).
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}
