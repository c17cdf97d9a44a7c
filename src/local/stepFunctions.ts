import './polyfill.js';
import './executionInput.js';
import { EventEmitter } from 'node:events';
import { StateMachine } from 'aws-local-stepfunctions';
import type { JobInput } from '../pipeline/job.js';
import type { ExecutionStarter, ExecutionStopper } from '../ports.js';
import { limitError, type Limits } from '../aws/limits.js';
import { HistoryCounter, distributedMapStates, distributedMaps } from './sfnHistory.js';
import type { Handler } from './taskHandlers.js';
import { TransitionCounter } from '../cost/localTransitions.js';

// The definition and the Task handlers have their own modules; re-exported for existing importers.
export { ASL_PATH, loadDefinition, placeholdersIn, readDefinitionText, taskStates } from '../pipeline/aslDefinition.js';
export {
  localFunctionArn,
  localSubstitutions,
  localTaskHandlers,
  withFunctionTimeout,
  type LocalLambdaLimits,
  type TaskHandler,
} from './taskHandlers.js';

/** Progress of an execution, from the runner's event log. */
export interface ExecutionProgress {
  jobId: string;
  executionArn: string;
  step: string;
  segmentsDone: number;
  segmentsTotal: number;
  status: 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'ABORTED';
}

interface Tracked {
  arn: string;
  input: JobInput;
  result: Promise<unknown>;
  progress: ExecutionProgress;
  abort: () => void;
  aborted: boolean;
  /** A terminal error of the service itself (a limit): the execution fails with it, no Catch runs. */
  failure?: Error;
  history: HistoryCounter;
  /** Billed state transitions (src/cost/localTransitions.ts). */
  transitions: TransitionCounter;
  /** The largest state input/output or Task result seen so far (bytes, and where). */
  largest: { bytes: number; at: string };
  /** Ends when the runner's event log has been read to its end. */
  followed?: Promise<void>;
}

/** Step Functions' limits the local runner enforces (src/aws/limits.ts). */
export type LocalSfnLimits = Pick<Limits, 'sfnPayloadBytes' | 'sfnHistoryEvents'>;

/** UTF-8 bytes of a value's JSON: what Step Functions measures against its payload limit. */
const jsonBytes = (v: unknown) => Buffer.byteLength(JSON.stringify(v ?? null));

/**
 * Step Functions on one machine: runs the ASL file with aws-local-stepfunctions, the task
 * handlers mapped in by state name. Execution names are unique, like the real service.
 */
export class LocalStepFunctions extends EventEmitter implements ExecutionStarter, ExecutionStopper {
  private readonly machine: StateMachine;
  private readonly executions = new Map<string, Tracked>();
  /** Task handler calls still running, by job id (a stopped execution's last Tasks finish in-process). */
  private readonly inflight = new Map<string, Set<Promise<unknown>>>();
  private readonly handlers: Record<string, Handler>;
  /** Jobs whose execution was stopped: a Task the runner still schedules for them does not run. */
  private readonly stopped = new Set<string>();
  private readonly childStates: Set<string>;
  private readonly distributedMaps: Set<string>;

  constructor(
    definition: Record<string, unknown>,
    handlers: Record<string, Handler>,
    private readonly retryIntervalOverrides?: Record<string, number>,
    /** Milliseconds per Wait state name (the local stack shortens the ECS polling wait). */
    private readonly waitTimeOverrides?: Record<string, number>,
    /** AWS's limits to enforce (default: none, e.g. the orchestration benchmark's stand-in). */
    private readonly limits?: LocalSfnLimits,
  ) {
    super();
    this.machine = new StateMachine(definition as never);
    this.childStates = distributedMapStates(definition as { States: Record<string, unknown> });
    this.distributedMaps = distributedMaps(definition as { States: Record<string, unknown> });
    this.handlers = Object.fromEntries(
      Object.entries(handlers).map(([name, h]) => [
        name,
        ((input: { job?: { jobId?: string } }) => {
          const id = input?.job?.jobId;
          // StopExecution starts nothing new (a Map iteration queued before the stop included).
          if (id && this.stopped.has(id))
            return Promise.reject(Object.assign(new Error('the execution was stopped'), { name: 'States.Aborted' }));
          const p = this.limits && id ? h(input as never).then((r) => this.checkResult(id, r)) : h(input as never);
          if (id) {
            const set = this.inflight.get(id) ?? new Set();
            this.inflight.set(id, set);
            set.add(p);
            void p.catch(() => undefined).finally(() => set.delete(p));
          }
          return p;
        }) as Handler,
      ]),
    );
  }

  async start(name: string, input: JobInput): Promise<{ executionArn: string; alreadyStarted: boolean }> {
    const existing = this.executions.get(name);
    if (existing) return { executionArn: existing.arn, alreadyStarted: true };
    const arn = `arn:aws:states:us-east-1:000000000000:execution:media-transcoder-local:${name}`;
    const startTime = new Date().toISOString();
    const run = this.machine.run(input as never, {
      overrides: {
        taskResourceLocalHandlers: this.handlers as never,
        ...(this.retryIntervalOverrides ? { retryIntervalOverrides: this.retryIntervalOverrides } : {}),
        ...(this.waitTimeOverrides ? { waitTimeOverrides: this.waitTimeOverrides } : {}),
      },
      context: {
        Execution: {
          Id: arn,
          Name: name,
          StartTime: startTime,
          Input: input as never,
          RoleArn: 'arn:aws:iam::000000000000:role/local',
        },
      } as never,
    });
    const progress: ExecutionProgress = {
      jobId: input.jobId,
      executionArn: arn,
      step: 'Probe',
      segmentsDone: 0,
      segmentsTotal: 0,
      status: 'RUNNING',
    };
    const tracked: Tracked = {
      arn,
      input,
      result: run.result,
      progress,
      abort: run.abort,
      aborted: false,
      history: new HistoryCounter(this.childStates, this.distributedMaps),
      transitions: new TransitionCounter(this.distributedMaps),
      largest: { bytes: 0, at: '' },
    };
    this.executions.set(name, tracked);
    tracked.followed = this.follow(run.eventLogs, tracked).catch(() => undefined);
    run.result.then(
      () => this.finish(tracked, 'SUCCEEDED'),
      (err: unknown) =>
        this.finish(tracked, tracked.aborted && !tracked.failure ? 'ABORTED' : 'FAILED', tracked.failure ?? err),
    );
    return { executionArn: arn, alreadyStarted: false };
  }

  /**
   * Stops an execution, as StopExecution does: the runner moves to no further state and no
   * Catch runs. A Task handler already running finishes in-process (its result is dropped).
   */
  async stop(executionArn: string): Promise<void> {
    const t = [...this.executions.values()].find((e) => e.arn === executionArn);
    if (t?.progress.status !== 'RUNNING') return;
    t.aborted = true;
    this.stopped.add(t.input.jobId);
    t.abort();
    // As in AWS, a Task already running finishes; here the stop returns once they have, so the
    // caller's cleanup runs after the last write of the job's work files.
    for (let set = this.inflight.get(t.input.jobId); set && set.size > 0; ) await Promise.allSettled([...set]);
  }

  /**
   * A Task's result over the payload limit fails the whole execution with
   * States.DataLimitExceeded, which AWS makes terminal (States.ALL does not catch it): the
   * runner is stopped before it can route the error to a Catch.
   */
  private checkResult(jobId: string, result: unknown): unknown {
    const bytes = jsonBytes(result);
    const t = this.executions.get(jobId);
    if (t && bytes > t.largest.bytes) t.largest = { bytes, at: 'a Task result' };
    if (bytes <= this.limits!.sfnPayloadBytes) return result;
    const err = limitError(
      'sfnPayloadBytes',
      `The state/task returned a result with a size exceeding the maximum number of bytes service limit (${bytes} > ${this.limits!.sfnPayloadBytes} bytes).`,
    );
    if (t) this.failTerminally(t, err);
    throw err;
  }

  /** Ends an execution with a service error no Catch handles (a limit), as AWS does. */
  private failTerminally(t: Tracked, err: Error) {
    if (t.failure || t.progress.status !== 'RUNNING') return;
    t.failure = err;
    t.aborted = true;
    this.stopped.add(t.input.jobId);
    t.abort();
  }

  /** A state's input or output over the payload limit, or a history past its limit, fails the execution. */
  private checkEvent(t: Tracked, ev: Record<string, unknown>) {
    if (!this.limits) return;
    const st = ev.state as { name?: string; input?: unknown; output?: unknown } | undefined;
    const payload = ev.type === 'StateEntered' ? st?.input : ev.type === 'StateExited' ? st?.output : undefined;
    if (payload !== undefined) {
      const bytes = jsonBytes(payload);
      if (bytes > t.largest.bytes)
        t.largest = { bytes, at: `${st?.name} ${ev.type === 'StateEntered' ? 'input' : 'output'}` };
      if (bytes > this.limits.sfnPayloadBytes) {
        const which = ev.type === 'StateEntered' ? 'input' : 'output';
        return this.failTerminally(
          t,
          limitError(
            'sfnPayloadBytes',
            `The state ${st?.name} has an ${which} with a size exceeding the maximum number of bytes service limit (${bytes} > ${this.limits.sfnPayloadBytes} bytes).`,
          ),
        );
      }
    }
    // States inside a Distributed Map run as child executions: their payloads have the same
    // limit, their events are in the children's histories (HistoryCounter leaves them out).
    const events = t.history.add(ev as never);
    if (events > this.limits.sfnHistoryEvents) {
      this.failTerminally(
        t,
        limitError(
          'sfnHistoryEvents',
          `The execution reached the maximum number of history events (${this.limits.sfnHistoryEvents}).`,
        ),
      );
    }
  }

  private finish(t: Tracked, status: 'SUCCEEDED' | 'FAILED' | 'ABORTED', err?: unknown) {
    t.progress.status = status;
    this.emit('progress', { ...t.progress });
    this.emit('finished', { ...t.progress, error: err });
  }

  private async follow(logs: AsyncGenerator<unknown>, t: Tracked) {
    for await (const raw of logs) {
      const ev = raw as Record<string, unknown>;
      const type = ev.type as string;
      const state = (ev.state as { name?: string } | undefined)?.name;
      this.checkEvent(t, ev);
      t.transitions.add(ev as never);
      if (type === 'StateEntered' && state && state !== 'Encode' && state !== 'Done' && state !== 'TranscodeSegments')
        t.progress.step = state;
      if (type === 'StateExited' && state === 'Plan') {
        const out = (ev.state as { output?: { plan?: { segmentCount?: number } } }).output;
        t.progress.segmentsTotal = out?.plan?.segmentCount ?? 0;
      }
      if (type === 'StateEntered' && state === 'Encode') t.progress.step = 'TranscodeSegments';
      if (type === 'MapIterationSucceeded') t.progress.segmentsDone++;
      this.emit('progress', { ...t.progress });
    }
  }

  /** Resolves when the execution ends and its event log has been read (never rejects). */
  async wait(name: string): Promise<ExecutionProgress> {
    const t = this.executions.get(name);
    if (!t) throw new Error(`no execution ${name}`);
    await t.result.catch(() => undefined);
    await t.followed;
    return { ...t.progress };
  }

  /** The input an execution was started with. */
  inputOf(name: string): JobInput | undefined {
    return this.executions.get(name)?.input;
  }

  /** How close an execution came to Step Functions' limits: its history events and its largest payload. */
  usage(
    name: string,
  ): { historyEvents: number; transitions: number; largestPayload: { bytes: number; at: string } } | undefined {
    const t = this.executions.get(name);
    return t && { historyEvents: t.history.count, transitions: t.transitions.count, largestPayload: { ...t.largest } };
  }

  /** Executions still running (a test asserts none is left behind). */
  running(): string[] {
    return [...this.executions.entries()].filter(([, t]) => t.progress.status === 'RUNNING').map(([n]) => n);
  }
}
