/**
 * The ports between the pipeline and the services that run it: what starts an execution of the
 * state machine, and what runs the ECS worker. Each has a cloud adapter (src/aws/) and a local
 * one (src/local/); the composition root (src/runtime.ts) picks them.
 */
import type { JobInput } from './pipeline/job.js';

/** Starts state machine executions: Step Functions in the cloud, the local runner here. */
export interface ExecutionStarter {
  /** Starts `name` unless an execution of that name exists; names make starts idempotent. */
  start(name: string, input: JobInput): Promise<{ executionArn: string; alreadyStarted: boolean }>;
}

/** Stops executions of the state machine: Step Functions StopExecution in the cloud, the local runner's abort here. */
export interface ExecutionStopper {
  /** Stops the execution; a finished or unknown execution is not an error. */
  stop(executionArn: string, cause: string): Promise<void>;
}

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
