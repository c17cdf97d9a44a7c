import type { CallbackPolicy } from '../runtime.js';
import type { LogSink } from '../log.js';
import type { Binaries } from '../media/ffmpeg/binaries.js';
import type { LimitOverrides } from '../aws/limits.js';
import type { KillHook, LocalEcsRunnerOptions } from './ecsRunner.js';
import type { TaskHandler } from './stepFunctions.js';

/** Options of the local stack. */
export interface LocalStackOptions {
  /** Project-local folder for S3 data, the event log and logs. */
  dataDir: string;
  address?: string;
  /** 0 picks a free port. */
  s3Port?: number;
  buckets?: { ingest: string; work: string; output: string };
  /** Map concurrency; defaults to the number of cores. */
  mapConcurrency?: number;
  segmentSeconds?: number;
  /** Extra environment for the handlers' config (limits, timeouts). */
  env?: Record<string, string>;
  /**
   * The local ECS worker: the polling wait (ms, replaces the ASL's EcsWait seconds; default
   * 500) and an optional fault injection that SIGKILLs chosen attempts (src/local/ecsRunner.ts).
   */
  ecs?: { pollMs?: number; killAttempt?: KillHook; bundle?: LocalEcsRunnerOptions['bundle'] };
  /**
   * Task handlers by function name (`probe`, `transcodeSegment`, ...: src/local/functions.ts)
   * instead of the in-process definitions, e.g. the packaged zips run by
   * src/local/packagedHandlers.ts; functions left out keep the in-process one.
   */
  taskHandlers?: Record<string, TaskHandler>;
  /** Where log lines go (default: stdout). */
  logSink?: LogSink;
  /** The ffmpeg and ffprobe to run (default: resolved from the environment). */
  binaries?: Binaries;
  /**
   * Lambda timeouts (ms) by function name, e.g. `{ transcodeSegment: 1 }`: the function's
   * invocation fails with `Sandbox.Timedout` as in AWS. Default: none (the Tasks' own
   * TimeoutSeconds still apply).
   */
  functionTimeoutsMs?: Record<string, number>;
  /** Callback URLs allowed (default: loopback http allowed, the local stack's listeners). */
  callbacks?: CallbackPolicy;
  /**
   * AWS's limits (src/aws/limits.ts), enforced by default; values here replace the table's,
   * e.g. `{ s3CopySourceBytes: 1_000_000, ddbPartitionWcu: 10 }` to reach a limit with test-size
   * sources (`Infinity` switches one off). docs/LIMITS.md.
   */
  limits?: LimitOverrides;
}
