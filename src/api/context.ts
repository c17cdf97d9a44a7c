/**
 * What `POST /jobs` needs besides the runtime: the execution starter (Step Functions in the
 * cloud, injected by the local stack, like functions/ingest.ts `setStarter`). The callback URL
 * policy is injected the same way (src/api/callbackUrl.ts `setCallbackPolicy`).
 */
import type { ExecutionStarter } from '../pipeline/ingest.js';
import type { Runtime } from '../runtime.js';
import { SfnStarter } from '../aws/stepFunctions.js';
import { ConfigError } from '../errors.js';

let starter: ExecutionStarter | undefined;

/** Injects the execution starter (the local stack passes its runner); undefined restores the default. */
export function setApiStarter(s: ExecutionStarter | undefined): void {
  starter = s;
}

/** The starter: the injected one, else StartExecution on STATE_MACHINE_ARN. */
export function getApiStarter(rt: Runtime): ExecutionStarter {
  if (!starter) {
    if (!rt.config.STATE_MACHINE_ARN) throw new ConfigError('STATE_MACHINE_ARN is not set');
    starter = new SfnStarter(rt.config.STATE_MACHINE_ARN);
  }
  return starter;
}
