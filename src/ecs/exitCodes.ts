/**
 * Exit codes of the ECS worker (src/worker/main.ts). The container's exit code is the job's
 * result: DescribeTasks reports it as `containers[].exitCode`, and the status handler maps it
 * to SUCCEEDED, FAILED (re-run) or FAILED (do not re-run).
 */
export const EXIT = {
  /** Every output staged; Publish may run. */
  OK: 0,
  /** A failure that may not happen again: S3 or network error, a killed ffmpeg, a bug. Re-run. */
  FAILED: 1,
  /** The job document or the source cannot be used (InputError, ValidationError). Not re-run. */
  INPUT_ERROR: 2,
  /** ffmpeg failed on input that passed the probe (EncoderError). Not re-run. */
  ENCODER_ERROR: 3,
  /** The container's configuration is missing or invalid (ConfigError). Not re-run. */
  CONFIG_ERROR: 4,
  /** The worker ran past WORKER_MAX_SECONDS and stopped itself. Not re-run. */
  DEADLINE: 124,
  /** SIGKILL (128 + 9): out of memory, or killed without notice. Re-run. */
  KILLED: 137,
  /** SIGTERM (128 + 15): StopTask, a Spot interruption, a scale-in. Re-run. */
  TERMINATED: 143,
} as const;

/** Exit codes after which re-running the same job cannot help. */
export const PERMANENT_EXIT_CODES: readonly number[] = [
  EXIT.INPUT_ERROR,
  EXIT.ENCODER_ERROR,
  EXIT.CONFIG_ERROR,
  EXIT.DEADLINE,
];

/** Exit code for an error thrown by the worker's job, by the error's class name. */
export function exitCodeForError(err: unknown): number {
  const name = (err as { name?: string } | undefined)?.name;
  if (name === 'InputError' || name === 'ValidationError') return EXIT.INPUT_ERROR;
  if (name === 'EncoderError') return EXIT.ENCODER_ERROR;
  if (name === 'ConfigError') return EXIT.CONFIG_ERROR;
  return EXIT.FAILED;
}

/** A short human description of an exit code, for error messages. */
export function describeExit(code: number): string {
  const what: Record<number, string> = {
    [EXIT.FAILED]: 'failed',
    [EXIT.INPUT_ERROR]: 'input error',
    [EXIT.ENCODER_ERROR]: 'encoder error',
    [EXIT.CONFIG_ERROR]: 'configuration error',
    [EXIT.DEADLINE]: 'deadline passed',
    [EXIT.KILLED]: 'killed by SIGKILL: out of memory, or the container died',
    [EXIT.TERMINATED]: 'terminated by SIGTERM',
  };
  return `exit code ${code}${what[code] ? ` (${what[code]})` : ''}`;
}
