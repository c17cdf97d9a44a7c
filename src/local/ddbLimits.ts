/**
 * DynamoDB's per-partition throughput in front of dynalite (which has none): a loopback proxy
 * that charges every read and write to its partition key's token bucket and answers a request
 * on an exhausted key as DynamoDB does, `400 ProvisionedThroughputExceededException` with the
 * throttling reason `Table{Read,Write}KeyRangeThroughputExceeded` (on-demand tables are throttled
 * per partition too: src/aws/limits.ts). The units charged are the ones dynalite computes for the
 * request (ReturnConsumedCapacity, asked for on the client's behalf and removed from the answer
 * unless the client asked), so a write of a large item costs what it costs in DynamoDB.
 *
 * One partition key is taken as one partition: DynamoDB may split a hot key's range, but never
 * a single key's traffic, whose ceiling is these rates.
 */
import http from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { AWS_LIMITS, type Limits } from '../aws/limits.js';

/** A token bucket: `rate` units a second, holding at most one second's worth (no burst credit: pessimistic). */
export class TokenBucket {
  private tokens: number;
  private last: number;
  constructor(
    private readonly rate: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.tokens = rate;
    this.last = now();
  }

  private refill() {
    // A limit switched off (Infinity) never runs out (and Infinity x 0 ms would be NaN).
    if (!Number.isFinite(this.rate)) return;
    const t = this.now();
    this.tokens = Math.min(this.rate, this.tokens + ((t - this.last) / 1000) * this.rate);
    this.last = t;
  }

  /**
   * Whether a request may start: at least one unit is left, which it takes at once (requests
   * in flight together each hold theirs); what it consumed beyond that is taken when it ends.
   */
  tryStart(): boolean {
    this.refill();
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** Takes what a request consumed. */
  take(units: number) {
    this.refill();
    this.tokens -= units;
  }
}

type AttrValue = Record<string, unknown>;
interface DdbRequest {
  TableName?: string;
  Key?: Record<string, AttrValue>;
  Item?: Record<string, AttrValue>;
  ReturnConsumedCapacity?: string;
}

/** The operations charged, and whether each reads or writes. */
const OPERATIONS: Record<string, 'read' | 'write'> = {
  GetItem: 'read',
  PutItem: 'write',
  UpdateItem: 'write',
  DeleteItem: 'write',
};

/** Options of the proxy. */
export interface DdbLimitsProxyOptions {
  /** dynalite's endpoint (`http://127.0.0.1:port`). */
  target: string;
  address: string;
  /** The partition key attribute of each table. */
  hashKeys: Record<string, string>;
  limits: Pick<Limits, 'ddbPartitionWcu' | 'ddbPartitionRcu'>;
  region: string;
}

/** The throttling answer DynamoDB gives a request on a hot key. */
function throttled(res: http.ServerResponse, table: string, kind: 'read' | 'write', region: string) {
  const e = AWS_LIMITS[kind === 'write' ? 'ddbPartitionWcu' : 'ddbPartitionRcu'].error;
  const body = JSON.stringify({
    __type: `com.amazonaws.dynamodb.v20120810#${e.code}`,
    message: e.message,
    ThrottlingReasons: [
      {
        reason: kind === 'write' ? 'TableWriteKeyRangeThroughputExceeded' : 'TableReadKeyRangeThroughputExceeded',
        resource: `arn:aws:dynamodb:${region}:000000000000:table/${table}`,
      },
    ],
  });
  res.writeHead(e.status, {
    'content-type': 'application/x-amz-json-1.0',
    'x-amzn-errortype': e.code,
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}

/** Starts the proxy on a free loopback port; returns its endpoint and close. */
export async function startDdbLimitsProxy(
  opts: DdbLimitsProxyOptions,
): Promise<{ endpoint: string; close(): Promise<void> }> {
  const buckets = new Map<string, TokenBucket>();
  const bucketOf = (key: string, rate: number) => {
    let b = buckets.get(key);
    if (!b) buckets.set(key, (b = new TokenBucket(rate)));
    return b;
  };
  const target = new URL(opts.target);
  const agent = new http.Agent({ keepAlive: true });
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let body = Buffer.concat(chunks);
      const op = String(req.headers['x-amz-target'] ?? '').split('.')[1] ?? '';
      const kind = OPERATIONS[op];
      let bucket: TokenBucket | undefined;
      let askedCapacity = true;
      if (kind) {
        const r = JSON.parse(body.toString('utf8')) as DdbRequest;
        const attr = r.TableName ? opts.hashKeys[r.TableName] : undefined;
        const keyValue = attr ? (r.Key ?? r.Item)?.[attr] : undefined;
        if (r.TableName && keyValue) {
          bucket = bucketOf(
            `${kind}|${r.TableName}|${JSON.stringify(keyValue)}`,
            kind === 'write' ? opts.limits.ddbPartitionWcu : opts.limits.ddbPartitionRcu,
          );
          if (!bucket.tryStart()) return throttled(res, r.TableName, kind, opts.region);
          askedCapacity = r.ReturnConsumedCapacity === 'TOTAL' || r.ReturnConsumedCapacity === 'INDEXES';
          if (!askedCapacity) body = Buffer.from(JSON.stringify({ ...r, ReturnConsumedCapacity: 'TOTAL' }));
        }
      }
      const fwd = http.request(
        {
          agent,
          host: target.hostname,
          port: target.port,
          method: req.method,
          path: req.url,
          headers: { ...req.headers, 'content-length': String(body.length) },
        },
        (up) => {
          const out: Buffer[] = [];
          up.on('data', (c: Buffer) => out.push(c));
          up.on('end', () => {
            let payload = Buffer.concat(out);
            if (bucket) {
              const parsed = (() => {
                try {
                  return JSON.parse(payload.toString('utf8')) as { ConsumedCapacity?: { CapacityUnits?: number } };
                } catch {
                  return {};
                }
              })();
              // A failed request (a conditional check included) still consumed at least the one unit
              // taken at its start.
              bucket.take(Math.max(1, parsed.ConsumedCapacity?.CapacityUnits ?? 1) - 1);
              if (!askedCapacity && parsed.ConsumedCapacity) {
                delete parsed.ConsumedCapacity;
                payload = Buffer.from(JSON.stringify(parsed));
              }
            }
            const headers: http.OutgoingHttpHeaders = { ...up.headers, 'content-length': String(payload.length) };
            // dynalite's checksum is of the body it sent, not of the one without ConsumedCapacity.
            if (!askedCapacity) delete headers['x-amz-crc32'];
            res.writeHead(up.statusCode ?? 500, headers);
            res.end(payload);
          });
        },
      );
      fwd.on('error', (err) => {
        res.writeHead(500, { 'content-type': 'application/x-amz-json-1.0' });
        res.end(
          JSON.stringify({ __type: 'com.amazonaws.dynamodb.v20120810#InternalServerError', message: err.message }),
        );
      });
      fwd.end(body);
    });
  });
  server.listen(0, opts.address);
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://${opts.address}:${port}`,
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      agent.destroy();
      await closed;
    },
  };
}
