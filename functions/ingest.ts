import { getRuntime } from '../src/runtime.js';
import { createLogger } from '../src/log.js';
import { ObjectCreatedSchema, type ExecutionStarter } from '../src/pipeline/ingest.js';
import { parseInput } from '../src/pipeline/job.js';
import { ingestStep } from '../src/pipeline/steps/ingest.js';
import { SfnStarter } from '../src/aws/stepFunctions.js';
import { ConfigError } from '../src/errors.js';

let starter: ExecutionStarter | undefined;

/** Injects the execution starter (the local stack passes its runner). */
export function setStarter(s: ExecutionStarter | undefined): void {
  starter = s;
}

/** Target of the EventBridge rule on Object Created in the ingest bucket. */
export async function handler(event: unknown) {
  const rt = getRuntime();
  const log = createLogger({ service: 'media-transcoder', step: 'ingest' });
  if (!starter) {
    if (!rt.config.STATE_MACHINE_ARN) throw new ConfigError('STATE_MACHINE_ARN is not set');
    starter = new SfnStarter(rt.config.STATE_MACHINE_ARN);
  }
  return ingestStep(rt, starter, parseInput(ObjectCreatedSchema, event, 'ingest event'), log);
}
