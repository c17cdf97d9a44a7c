import { StateMachine } from 'aws-local-stepfunctions';

/**
 * `$$.Execution.Input` inside Parallel branches and Map iterations, as AWS defines it: the
 * execution's input. aws-local-stepfunctions 3.0.0 starts each branch and iteration as a run of
 * its own whose context's `Execution.Input` is that run's input, so inside the Encode Parallel
 * `"job.$": "$$.Execution.Input"` resolved to the Parallel's whole state (probe, plan with every
 * segment index). Every Map iteration then carried, and the runner cloned and kept until the Map
 * closed, a copy of the plan: memory quadratic in the segment count (1.5 GB peak RSS at 10,000
 * stand-in segments), and Task inputs that AWS never sends.
 *
 * The library offers no hook for the context of nested runs, so `run` is wrapped: a nested run
 * (the runner passes its `_rootAbortSignal`) is told apart from the root one (LocalStepFunctions
 * passes the execution's input as `context.Execution.Input`); each nested run's input is
 * remembered, and a top-level field of a nested run's input that IS (by identity) a remembered
 * nested input came from `$$.Execution.Input` and is replaced by the execution's input.
 */
interface RunOptions {
  _rootAbortSignal?: unknown;
  context?: { Execution?: { Input?: unknown } };
}
type Run = (this: unknown, input: unknown, options?: RunOptions) => unknown;

const proto = StateMachine.prototype as unknown as { run: Run; executionInputFixed?: true };
if (!proto.executionInputFixed) {
  const nestedInputs = new WeakSet<object>();
  const run = proto.run;
  proto.run = function (this: unknown, input: unknown, options?: RunOptions) {
    const root = options?.context?.Execution?.Input;
    if (options?._rootAbortSignal !== undefined && root !== undefined && input !== null && typeof input === 'object') {
      if (!Array.isArray(input)) {
        let fixed: Record<string, unknown> | undefined;
        for (const [k, v] of Object.entries(input))
          if (v !== null && typeof v === 'object' && nestedInputs.has(v)) (fixed ??= { ...input })[k] = root;
        if (fixed) input = fixed;
      }
      nestedInputs.add(input as object);
    }
    return run.call(this, input, options);
  };
  proto.executionInputFixed = true;
}
