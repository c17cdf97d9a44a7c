import { type EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { TransientError } from '../errors.js';

/** One event as PutEvents takes it. */
export interface EventEntry {
  Source: string;
  DetailType: string;
  Detail: string;
  EventBusName: string;
  Resources?: string[];
  Time?: Date;
}

/** Where job events go: EventBridge in the cloud, a JSON-lines log locally. */
export interface EventPublisher {
  put(entry: EventEntry): Promise<void>;
}

/** PutEvents; a partial failure is thrown so the state machine retries. */
export class EventBridgePublisher implements EventPublisher {
  /** The client is the runtime's (built once, with the config's region, traced). */
  constructor(private readonly client: EventBridgeClient) {}

  async put(entry: EventEntry): Promise<void> {
    const r = await this.client.send(new PutEventsCommand({ Entries: [entry] }));
    if ((r.FailedEntryCount ?? 0) > 0) {
      const e = r.Entries?.[0];
      throw new TransientError('INTERNAL', `PutEvents rejected the event: ${e?.ErrorCode} ${e?.ErrorMessage}`);
    }
  }
}
