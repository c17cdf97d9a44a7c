import type { S3Client } from '@aws-sdk/client-s3';
import { parseConfig, type Config } from './config.js';
import { createS3Client } from './aws/s3.js';
import { EventBridgePublisher, type EventPublisher } from './aws/events.js';

/**
 * The clients and config every handler uses, built once per process (cold start) and
 * replaceable: the local stack and the tests inject their own.
 */
export interface Runtime {
  config: Config;
  s3: S3Client;
  events: EventPublisher;
}

let current: Runtime | undefined;

/** Returns the process runtime, building it from the environment on first use. */
export function getRuntime(): Runtime {
  if (!current) {
    const config = parseConfig(process.env);
    current = { config, s3: createS3Client(config), events: new EventBridgePublisher(config) };
  }
  return current;
}

/** Installs a runtime (local stack, tests). */
export function setRuntime(rt: Runtime | undefined): void {
  current = rt;
}
