import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Config } from '../config.js';

/**
 * Builds the DynamoDB document client of the job records (src/pipeline/jobStore.ts): the
 * table in AWS, dynalite on loopback for the local stack (DYNAMODB_ENDPOINT). Undefined
 * attributes are dropped, as the records' optional fields are.
 */
export function createDynamoClient(
  config: Pick<Config, 'AWS_REGION' | 'DYNAMODB_ENDPOINT'>,
  credentials?: { accessKeyId: string; secretAccessKey: string },
  wrap: <C extends DynamoDBClient>(c: C) => C = (c) => c,
): DynamoDBDocumentClient {
  const client = wrap(
    new DynamoDBClient({
      region: config.AWS_REGION,
      ...(config.DYNAMODB_ENDPOINT ? { endpoint: config.DYNAMODB_ENDPOINT } : {}),
      ...(credentials ? { credentials } : {}),
      maxAttempts: 5,
    }),
  );
  return DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });
}
