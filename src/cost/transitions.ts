/**
 * Step Functions state transitions of one job, estimated from the state machine's shape
 * (statemachines/transcode.asl.json) and the path the job took. Standard workflows bill one
 * transition per state executed, each retry as one more
 * (https://aws.amazon.com/step-functions/pricing/). Both Distributed Maps run their children as
 * STANDARD executions (`ProcessorConfig.ExecutionType`): each child execution started is one
 * transition of the parent, and the child's own states are Standard transitions too
 * (https://docs.aws.amazon.com/step-functions/latest/dg/concepts-transitions.html, "Transitions
 * in Distributed Map state"). Task states are counted from the invocations the meters saw
 * (so a retried Task counts twice, as billed); the states that run no code (Choice, Pass,
 * Wait, Parallel, Map, Succeed) from the path.
 */

/** The path a job took through the state machine. */
export interface ExecutedPath {
  /** `lambda`: the fan-out; `ecs`: the decider chose the worker; `fallback`: the fan-out, then the worker. */
  engine: 'lambda' | 'ecs' | 'fallback';
  /** Task invocations metered so far (every Lambda-backed Task state entered, retries included). */
  taskInvocations: number;
  /** Task states still to run after the meters were read (EmitComplete itself, Cleanup). */
  tasksAfter: number;
  /** Children of the TranscodeSegments Map (one per segment). */
  segments: number;
  /** Children of the AssembleParts Map (one per MP4 part). */
  parts: number;
  /** EcsStatus checks (each one EcsWait, EcsStatus, EcsCheck). */
  polls: number;
}

/**
 * The states without a Lambda behind them on each path (the ASL's names):
 * lambda: EncoderDecider, ReadMode, Encode, TranscodeSegments, AssembleParts, Done;
 * ecs: EncoderDecider, EcsStart, Done (+ EcsWait, EcsCheck per poll);
 * fallback: EncoderDecider, ReadMode, Encode, TranscodeSegments, EcsFallback, Done (+ per poll).
 */
const CODELESS = { lambda: 6, ecs: 3, fallback: 6 } as const;

/** State transitions of the path (an estimate: see the module comment). */
export function estimateTransitions(p: ExecutedPath): number {
  const children = p.engine === 'ecs' ? 0 : p.segments + (p.engine === 'lambda' ? p.parts : 0);
  const waits = p.engine === 'lambda' ? 0 : 2 * p.polls;
  return CODELESS[p.engine] + p.taskInvocations + p.tasksAfter + children + waits;
}
