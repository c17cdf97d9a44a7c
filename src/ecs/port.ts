import { TransientError } from '../errors.js';

/**
 * The port between the ECS handlers and whatever runs the worker container: ECS Fargate in the
 * cloud (src/aws/ecs.ts), a child process on the local stack (src/local/ecsRunner.ts). Both
 * report tasks in the shape DescribeTasks returns, so the same mapping (src/ecs/outcome.ts)
 * decides RUNNING, SUCCEEDED or FAILED everywhere.
 */

export type { TaskRequest, TaskDescription, TaskRunner } from '../ports.js';

/** No capacity for the task right now (RunTask `failures` RESOURCE:*, Fargate capacity). Retried with a long backoff. */
export class EcsCapacityError extends TransientError {
  override name = 'EcsCapacityError';
  constructor(message: string) {
    super('INTERNAL', message);
  }
}
