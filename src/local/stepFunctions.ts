import './polyfill.js';
import { readFileSync } from 'node:fs';
import { EventEmitter } from 'node:events';
import { StateMachine } from 'aws-local-stepfunctions';
import type { JobInput, } from '../pipeline/job.js';
import type { ExecutionStarter } from '../pipeline/ingest.js';
import { handler as probe } from '../../functions/probe.js';
import { handler as plan } from '../../functions/plan.js';
import { handler as split } from '../../functions/split.js';
import { handler as transcodeSegment } from '../../functions/transcodeSegment.js';
import { handler as encodeAudio } from '../../functions/encodeAudio.js';
import { handler as thumbnails } from '../../functions/thumbnails.js';
import { handler as concat } from '../../functions/concat.js';
import { handler as publish } from '../../functions/publish.js';
import { handler as emitEvent } from '../../functions/emitEvent.js';
import { handler as cleanup } from '../../functions/cleanup.js';
import { handler as ecsSubmit } from '../../functions/ecsSubmit.js';
import { handler as ecsStatus } from '../../functions/ecsStatus.js';

export const ASL_PATH = new URL('../../statemachines/transcode.asl.json', import.meta.url);

type Handler = (input: never) => Promise<unknown>;

/** The Lambda handler behind each Task state, keyed by state name as aws-local-stepfunctions wants. */
export const LOCAL_TASK_HANDLERS: Record<string, Handler> = {
  Probe: probe,
  Plan: plan,
  Split: split,
  TranscodeSegment: transcodeSegment,
  EncodeAudio: encodeAudio,
  Thumbnails: thumbnails,
  Concat: concat,
  Publish: publish,
  EmitProgressing: emitEvent,
  EmitComplete: emitEvent,
  EmitError: emitEvent,
  Cleanup: cleanup,
  CleanupAfterError: cleanup,
  EcsSubmit: ecsSubmit,
  EcsStatus: ecsStatus,
  EcsStop: ecsStatus,
};

/**
 * Reads the ASL file and resolves its `${Name}` placeholders, as serverless-step-functions
 * does at deploy time; unknown placeholders are an error.
 */
export function loadDefinition(values: Record<string, string>, file: URL | string = ASL_PATH): Record<string, unknown> {
  const text = readFileSync(file, 'utf8').replace(/\$\{([A-Za-z0-9]+)\}/g, (_, name: string) => {
    if (!(name in values)) throw new Error(`ASL placeholder \${${name}} has no value`);
    return values[name];
  });
  return JSON.parse(text) as Record<string, unknown>;
}

/** Placeholder values for the local stack: well-formed ARNs that are never called. */
export function localSubstitutions(workBucket: string): Record<string, string> {
  const fn = (n: string) => `arn:aws:lambda:us-east-1:000000000000:function:media-transcoder-local-${n}`;
  return {
    ProbeFunctionArn: fn('probe'),
    PlanFunctionArn: fn('plan'),
    SplitFunctionArn: fn('split'),
    TranscodeSegmentFunctionArn: fn('transcodeSegment'),
    EncodeAudioFunctionArn: fn('encodeAudio'),
    ThumbnailsFunctionArn: fn('thumbnails'),
    ConcatFunctionArn: fn('concat'),
    PublishFunctionArn: fn('publish'),
    EmitEventFunctionArn: fn('emitEvent'),
    CleanupFunctionArn: fn('cleanup'),
    EcsSubmitFunctionArn: fn('ecsSubmit'),
    EcsStatusFunctionArn: fn('ecsStatus'),
    WorkBucketName: workBucket,
  };
}

/** Progress of an execution, from the runner's event log. */
export interface ExecutionProgress {
  jobId: string;
  executionArn: string;
  step: string;
  segmentsDone: number;
  segmentsTotal: number;
  status: 'RUNNING' | 'SUCCEEDED' | 'FAILED';
}

interface Tracked {
  arn: string;
  input: JobInput;
  result: Promise<unknown>;
  progress: ExecutionProgress;
}

/**
 * Step Functions on one machine: runs the ASL file with aws-local-stepfunctions, the task
 * handlers mapped in by state name. Execution names are unique, like the real service.
 */
export class LocalStepFunctions extends EventEmitter implements ExecutionStarter {
  private readonly machine: StateMachine;
  private readonly executions = new Map<string, Tracked>();

  constructor(
    definition: Record<string, unknown>,
    private readonly handlers: Record<string, Handler> = LOCAL_TASK_HANDLERS,
    private readonly retryIntervalOverrides?: Record<string, number>,
    /** Milliseconds per Wait state name (the local stack shortens the ECS polling wait). */
    private readonly waitTimeOverrides?: Record<string, number>,
  ) {
    super();
    this.machine = new StateMachine(definition as never);
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
      context: { Execution: { Id: arn, Name: name, StartTime: startTime, Input: input as never, RoleArn: 'arn:aws:iam::000000000000:role/local' } } as never,
    });
    const progress: ExecutionProgress = { jobId: input.jobId, executionArn: arn, step: 'Probe', segmentsDone: 0, segmentsTotal: 0, status: 'RUNNING' };
    const tracked: Tracked = { arn, input, result: run.result, progress };
    this.executions.set(name, tracked);
    void this.follow(run.eventLogs, tracked);
    run.result.then(
      () => this.finish(tracked, 'SUCCEEDED'),
      (err: unknown) => this.finish(tracked, 'FAILED', err),
    );
    return { executionArn: arn, alreadyStarted: false };
  }

  private finish(t: Tracked, status: 'SUCCEEDED' | 'FAILED', err?: unknown) {
    t.progress.status = status;
    this.emit('progress', { ...t.progress });
    this.emit('finished', { ...t.progress, error: err });
  }

  private async follow(logs: AsyncGenerator<unknown>, t: Tracked) {
    for await (const raw of logs) {
      const ev = raw as Record<string, unknown>;
      const type = ev.type as string;
      const state = (ev.state as { name?: string } | undefined)?.name;
      if (type === 'StateEntered' && state && state !== 'Encode' && state !== 'Done' && state !== 'TranscodeSegments') t.progress.step = state;
      if (type === 'StateExited' && state === 'Plan') {
        const out = (ev.state as { output?: { plan?: { segmentCount?: number } } }).output;
        t.progress.segmentsTotal = out?.plan?.segmentCount ?? 0;
      }
      if (type === 'StateEntered' && state === 'Encode') t.progress.step = 'TranscodeSegments';
      if (type === 'MapIterationSucceeded') t.progress.segmentsDone++;
      this.emit('progress', { ...t.progress });
    }
  }

  /** Resolves when the execution ends (never rejects). */
  async wait(name: string): Promise<ExecutionProgress> {
    const t = this.executions.get(name);
    if (!t) throw new Error(`no execution ${name}`);
    await t.result.catch(() => undefined);
    return { ...t.progress };
  }

  /** Executions still running (a test asserts none is left behind). */
  running(): string[] {
    return [...this.executions.entries()].filter(([, t]) => t.progress.status === 'RUNNING').map(([n]) => n);
  }
}
