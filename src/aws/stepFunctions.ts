import {
  type SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
  ExecutionAlreadyExists,
  ExecutionDoesNotExist,
} from '@aws-sdk/client-sfn';
import type { ExecutionStarter } from '../pipeline/ingest.js';
import type { ExecutionStopper } from '../ports.js';
import type { JobInput } from '../pipeline/job.js';

/** StartExecution on the deployed state machine; a duplicate name means "already started". */
export class SfnStarter implements ExecutionStarter {
  constructor(
    private readonly stateMachineArn: string,
    private readonly client: SFNClient,
  ) {}

  async start(name: string, input: JobInput): Promise<{ executionArn: string; alreadyStarted: boolean }> {
    try {
      const r = await this.client.send(
        new StartExecutionCommand({ stateMachineArn: this.stateMachineArn, name, input: JSON.stringify(input) }),
      );
      return { executionArn: r.executionArn!, alreadyStarted: false };
    } catch (err) {
      if (err instanceof ExecutionAlreadyExists) {
        return {
          executionArn: `${this.stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`,
          alreadyStarted: true,
        };
      }
      throw err;
    }
  }
}

/**
 * StopExecution: Step Functions ends the execution at once (status ABORTED); no Catch runs, so
 * the caller (cancel) does the cleanup and announces the end. A Lambda already running finishes
 * its invocation, but its result goes nowhere.
 */
export class SfnStopper implements ExecutionStopper {
  constructor(private readonly client: SFNClient) {}

  async stop(executionArn: string, cause: string): Promise<void> {
    try {
      await this.client.send(
        new StopExecutionCommand({ executionArn, error: 'JobCanceled', cause: cause.slice(0, 32_000) }),
      );
    } catch (err) {
      // Unknown execution: nothing runs. (Stopping a finished execution succeeds as a no-op.)
      if (!(err instanceof ExecutionDoesNotExist)) throw err;
    }
  }
}
