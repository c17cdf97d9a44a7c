import { TransientError } from '../errors.js';

/**
 * The port between the ECS handlers and whatever runs the worker container: ECS Fargate in the
 * cloud (src/aws/ecs.ts), a child process on the local stack (src/local/ecsRunner.ts). Both
 * report tasks in the shape DescribeTasks returns, so the same mapping (src/ecs/outcome.ts)
 * decides RUNNING, SUCCEEDED or FAILED everywhere.
 */

/** What one RunTask needs. The job travels as an S3 pointer (overrides are capped at 8 KiB). */
export interface TaskRequest {
  jobId: string;
  attempt: number;
  /** s3:// URI of the job document the worker reads. */
  jobUri: string;
  /** Idempotency token: a retried submit of the same attempt gets the same task. */
  clientToken: string;
}

/** A task as DescribeTasks describes it (only the fields used). */
export interface TaskDescription {
  taskArn: string;
  /** PROVISIONING, PENDING, ACTIVATING, RUNNING, DEACTIVATING, STOPPING, DEPROVISIONING, STOPPED. */
  lastStatus: string;
  /** TaskFailedToStart, EssentialContainerExited, UserInitiated, SpotInterruption, ... */
  stopCode?: string;
  stoppedReason?: string;
  containers: { name: string; exitCode?: number; reason?: string; lastStatus?: string }[];
}

/** Runs and watches worker tasks. */
export interface TaskRunner {
  /** Starts one task; throws EcsCapacityError when there is no capacity now (retried with backoff). */
  runTask(req: TaskRequest): Promise<{ taskArn: string }>;
  /** The task, or undefined when the service no longer knows it (MISSING). */
  describeTask(taskArn: string): Promise<TaskDescription | undefined>;
  /** Asks the task to stop (SIGTERM, then SIGKILL after the stop timeout). */
  stopTask(taskArn: string, reason: string): Promise<void>;
}

/** No capacity for the task right now (RunTask `failures` RESOURCE:*, Fargate capacity). Retried with a long backoff. */
export class EcsCapacityError extends TransientError {
  override name = 'EcsCapacityError';
  constructor(message: string) {
    super('INTERNAL', message);
  }
}
