/**
 * Counts the requests an AWS SDK client sends, by operation, with a middleware on the client
 * itself (the runtime's S3 client, the job store's DynamoDB client): what reached the service,
 * retries included, counted rather than assumed.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/** Operation names seen (`CopyObjectCommand`, ...), and for DynamoDB writes the job id written. */
export interface RequestCounts {
  byCommand: Map<string, number>;
  /** DynamoDB PutItem/UpdateItem/DeleteItem requests per `jobId` key. */
  writesByJob: Map<string, number>;
  of(command: string): number;
  stop(): void;
}

const WRITES = new Set(['PutItem', 'UpdateItem', 'DeleteItem']);

/** Starts counting on `client` (each request once per attempt: a finalizeRequest middleware). */
export function countRequests(client: S3Client | DynamoDBDocumentClient): RequestCounts {
  const byCommand = new Map<string, number>();
  const writesByJob = new Map<string, number>();
  const name = `count-requests-${Math.random().toString(36).slice(2)}`;
  const stack = client.middlewareStack as unknown as {
    add: (mw: unknown, opts: { step: string; name: string }) => void;
    remove: (name: string) => boolean;
  };
  stack.add(
    (next: (a: unknown) => Promise<unknown>, context: { commandName?: string }) =>
      async (args: { request?: { headers?: Record<string, string>; body?: unknown } }) => {
        const target = args.request?.headers?.['x-amz-target'];
        const op = target ? target.split('.').pop()! : (context.commandName ?? 'unknown');
        byCommand.set(op, (byCommand.get(op) ?? 0) + 1);
        const raw = args.request?.body;
        if (target && WRITES.has(op) && raw !== undefined) {
          const text = typeof raw === 'string' ? raw : new TextDecoder().decode(raw as Uint8Array);
          const body = JSON.parse(text) as { Key?: { jobId?: { S?: string } }; Item?: { jobId?: { S?: string } } };
          const id = body.Key?.jobId?.S ?? body.Item?.jobId?.S ?? '?';
          writesByJob.set(id, (writesByJob.get(id) ?? 0) + 1);
        }
        return next(args);
      },
    { step: 'finalizeRequest', name },
  );
  return { byCommand, writesByJob, of: (c) => byCommand.get(c) ?? 0, stop: () => void stack.remove(name) };
}
