import { SFNClient, StartExecutionCommand, ExecutionAlreadyExists } from '@aws-sdk/client-sfn';
import type { ExecutionStarter } from '../pipeline/ingest.js';
import type { JobInput } from '../pipeline/job.js';

/** StartExecution on the deployed state machine; a duplicate name means "already started". */
export class SfnStarter implements ExecutionStarter {
  constructor(
    private readonly stateMachineArn: string,
    private readonly client: SFNClient,
  ) {}

  async start(name: string, input: JobInput): Promise<{ executionArn: string; alreadyStarted: boolean }> {
    try {
      const r = await this.client.send(new StartExecutionCommand({ stateMachineArn: this.stateMachineArn, name, input: JSON.stringify(input) }));
      return { executionArn: r.executionArn!, alreadyStarted: false };
    } catch (err) {
      if (err instanceof ExecutionAlreadyExists) {
        return { executionArn: `${this.stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`, alreadyStarted: true };
      }
      throw err;
    }
  }
}
