import { EventEmitter } from 'node:events';
import { appendFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { EventBridgeServiceException } from '@aws-sdk/client-eventbridge';
import type { EventEntry, EventPublisher } from '../aws/events.js';
import { AWS_LIMITS } from '../aws/limits.js';

/**
 * A PutEvents entry's size as EventBridge computes it: Time 14 bytes when given, then the UTF-8
 * bytes of Source, DetailType, Detail and each Resource
 * (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-putevent-size.html).
 */
export function putEventsEntryBytes(entry: EventEntry): number {
  const utf8 = (s: string | undefined) => (s === undefined ? 0 : Buffer.byteLength(s));
  return (
    (entry.Time ? 14 : 0) +
    utf8(entry.Source) +
    utf8(entry.DetailType) +
    utf8(entry.Detail) +
    (entry.Resources ?? []).reduce((n, r) => n + utf8(r), 0)
  );
}

/** An event as EventBridge delivers it to a rule's target. */
export interface DeliveredEvent {
  version: '0';
  id: string;
  'detail-type': string;
  source: string;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: Record<string, unknown>;
}

/**
 * The local EventBridge: every PutEvents entry is appended to a JSON-lines log in the
 * envelope EventBridge delivers, and handed to in-process subscribers. An entry over
 * `maxEntryBytes` is refused as PutEvents refuses it (the whole request, `400
 * ValidationException`), before anything is logged or delivered.
 */
export class LocalEventBus implements EventPublisher {
  private readonly emitter = new EventEmitter();
  private chain: Promise<void> = Promise.resolve();
  /** Every event delivered since start, in order. */
  readonly history: DeliveredEvent[] = [];
  constructor(
    readonly logFile: string,
    private readonly region = 'us-east-1',
    /** PutEvents' entry limit (src/aws/limits.ts eventEntryBytes); Infinity switches it off. */
    private readonly maxEntryBytes: number = AWS_LIMITS.eventEntryBytes.value,
  ) {
    this.emitter.setMaxListeners(0);
  }

  async put(entry: EventEntry): Promise<void> {
    const bytes = putEventsEntryBytes(entry);
    if (bytes > this.maxEntryBytes) {
      const e = AWS_LIMITS.eventEntryBytes.error;
      throw new EventBridgeServiceException({
        name: e.code,
        $fault: 'client',
        $metadata: { httpStatusCode: e.status },
        message: `${e.message} (${bytes} > ${this.maxEntryBytes} bytes)`,
      });
    }
    const ev: DeliveredEvent = {
      version: '0',
      id: randomUUID(),
      'detail-type': entry.DetailType,
      source: entry.Source,
      account: '000000000000',
      time: (entry.Time ?? new Date()).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      region: this.region,
      resources: entry.Resources ?? [],
      detail: JSON.parse(entry.Detail) as Record<string, unknown>,
    };
    // Appends are serialized so lines never interleave.
    this.chain = this.chain.then(async () => {
      await mkdir(path.dirname(this.logFile), { recursive: true });
      await appendFile(this.logFile, `${JSON.stringify(ev)}\n`);
    });
    await this.chain;
    this.history.push(ev);
    this.emitter.emit('event', ev);
  }

  /** Subscribes to every delivered event; returns the unsubscribe function. */
  subscribe(fn: (ev: DeliveredEvent) => void): () => void {
    this.emitter.on('event', fn);
    return () => this.emitter.off('event', fn);
  }
}
