import { PERMANENT_EXIT_CODES, describeExit } from './exitCodes.js';
import type { TaskDescription } from './port.js';

/** What a task's description means for the job. */
export interface TaskOutcome {
  status: 'RUNNING' | 'SUCCEEDED' | 'FAILED';
  /** For FAILED: whether running the job again may help. */
  retryable: boolean;
  lastStatus?: string;
  exitCode?: number;
  stopCode?: string;
  reason?: string;
}

/**
 * Maps DescribeTasks to the job's view: not STOPPED is RUNNING (PROVISIONING, PENDING, ...);
 * STOPPED with the worker container's exit code 0 is SUCCEEDED; any other stop is FAILED,
 * re-runnable unless the exit code says the job itself is bad (src/ecs/exitCodes.ts). A task
 * ECS no longer knows (MISSING) or one whose container never ran (TaskFailedToStart) is a
 * re-runnable failure.
 */
export function taskOutcome(desc: TaskDescription | undefined, containerName: string): TaskOutcome {
  if (!desc)
    return {
      status: 'FAILED',
      retryable: true,
      reason: 'MISSING: ECS does not know the task (stopped long ago, or never started)',
    };
  const base = { lastStatus: desc.lastStatus, ...(desc.stopCode ? { stopCode: desc.stopCode } : {}) };
  if (desc.lastStatus !== 'STOPPED') return { status: 'RUNNING', retryable: true, ...base };
  const c = desc.containers.find((x) => x.name === containerName) ?? desc.containers[0];
  const exitCode = c?.exitCode ?? undefined;
  const why = [desc.stopCode, desc.stoppedReason, c?.reason].filter(Boolean).join(': ');
  if (exitCode === 0) return { status: 'SUCCEEDED', retryable: false, ...base, exitCode };
  if (exitCode === undefined)
    return {
      status: 'FAILED',
      retryable: true,
      ...base,
      reason: `the worker container did not exit (${why || 'no reason given'})`,
    };
  return {
    status: 'FAILED',
    retryable: !PERMANENT_EXIT_CODES.includes(exitCode),
    ...base,
    exitCode,
    reason: describeExit(exitCode) + (desc.stopCode && desc.stopCode !== 'EssentialContainerExited' ? ` (${why})` : ''),
  };
}
