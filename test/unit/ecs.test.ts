/**
 * The ECS path without AWS: the cloud adapter's exact RunTask / DescribeTasks / StopTask
 * requests (aws-sdk-client-mock), the mapping of task descriptions to RUNNING / SUCCEEDED /
 * FAILED, the submit and status steps, and the state machine's polling loop run in
 * aws-local-stepfunctions with stub handlers (bounded in time, checks and attempts).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mockClient } from 'aws-sdk-client-mock';
import {
  ECSClient,
  RunTaskCommand,
  DescribeTasksCommand,
  StopTaskCommand,
  ClusterNotFoundException,
  ClientException,
  ServerException,
  type Task,
} from '@aws-sdk/client-ecs';
import { S3Client, PutObjectCommand, GetObjectCommand } from '@aws-sdk/client-s3';
import { EcsTaskRunner, buildRunTaskInput, ecsSettingsFromConfig, type EcsSettings } from '../../src/aws/ecs.js';
import { EcsCapacityError, type TaskDescription, type TaskRequest, type TaskRunner } from '../../src/ecs/port.js';
import { taskOutcome } from '../../src/ecs/outcome.js';
import { EXIT, exitCodeForError } from '../../src/ecs/exitCodes.js';
import { ecsSubmitStep, clientTokenFor } from '../../src/ecs/submit.js';
import { ecsStatusStep } from '../../src/ecs/status.js';
import {
  ECS_ATTEMPT_MAX_POLLS,
  ECS_ATTEMPT_MAX_SECONDS,
  ECS_MAX_ATTEMPTS,
  JobDocumentSchema,
  type EcsState,
} from '../../src/ecs/state.js';
import { planWorker } from '../../src/worker/run.js';
import { JobInputSchema } from '../../src/pipeline/job.js';
import { parseConfig } from '../../src/config.js';
import type { Logger } from '../../src/log.js';
import { createRuntime } from '../../src/runtime.js';
import type { JobStore } from '../../src/pipeline/jobStore.js';
import { ConfigError, EncoderError, InputError, TransientError, ValidationError } from '../../src/errors.js';
import { ASL_PATH, loadDefinition, localSubstitutions } from '../../src/local/stepFunctions.js';
import { jobInput, runAsl } from '../helpers/aslHarness.js';

const settings: EcsSettings = {
  cluster: 'media-transcoder-dev',
  taskDefinition: 'media-transcoder-dev-worker',
  subnets: ['subnet-aaa', 'subnet-bbb'],
  securityGroups: ['sg-123'],
  assignPublicIp: 'DISABLED',
  containerName: 'encoder',
};
const req: TaskRequest = {
  jobId: 'j-0123456789abcdef01234567',
  attempt: 1,
  jobUri: 's3://work/jobs/j-0123456789abcdef01234567/ecs/attempt-1/job.json',
  clientToken: 'a'.repeat(64),
};
const ARN = 'arn:aws:ecs:us-east-1:123456789012:task/media-transcoder-dev/0f1e2d3c';
const noLog: Logger = { info() {}, warn() {}, error() {}, debug() {}, child: () => noLog };

function adapter() {
  const client = new ECSClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
  const mock = mockClient(client);
  return { runner: new EcsTaskRunner(settings, client), mock };
}

describe('ECS cloud adapter (aws-sdk-client-mock)', () => {
  it('RunTask: Fargate, the network, and container overrides carrying only the job URI', async () => {
    const { runner, mock } = adapter();
    mock.on(RunTaskCommand).resolves({ tasks: [{ taskArn: ARN, lastStatus: 'PROVISIONING' }], failures: [] });
    assert.deepEqual(await runner.runTask(req), { taskArn: ARN });
    const calls = mock.commandCalls(RunTaskCommand);
    assert.equal(calls.length, 1);
    assert.deepEqual(calls[0].args[0].input, {
      cluster: 'media-transcoder-dev',
      taskDefinition: 'media-transcoder-dev-worker',
      count: 1,
      launchType: 'FARGATE',
      networkConfiguration: {
        awsvpcConfiguration: {
          subnets: ['subnet-aaa', 'subnet-bbb'],
          securityGroups: ['sg-123'],
          assignPublicIp: 'DISABLED',
        },
      },
      overrides: { containerOverrides: [{ name: 'encoder', environment: [{ name: 'JOB_URI', value: req.jobUri }] }] },
      startedBy: req.jobId,
      clientToken: req.clientToken,
    });
  });

  it('RunTask with a capacity provider (FARGATE_SPOT) instead of the launch type', () => {
    const input = buildRunTaskInput({ ...settings, capacityProvider: 'FARGATE_SPOT', assignPublicIp: 'ENABLED' }, req);
    assert.equal(input.launchType, undefined);
    assert.deepEqual(input.capacityProviderStrategy, [{ capacityProvider: 'FARGATE_SPOT', weight: 1 }]);
    assert.equal(input.networkConfiguration?.awsvpcConfiguration?.assignPublicIp, 'ENABLED');
  });

  it('container overrides stay far below the 8 KiB cap whatever the job', () => {
    const big = {
      ...req,
      jobId: `j${'x'.repeat(79)}`,
      jobUri: `s3://${'b'.repeat(63)}/jobs/${`j${'x'.repeat(79)}`}/ecs/attempt-10/job.json`,
    };
    const size = Buffer.byteLength(JSON.stringify(buildRunTaskInput(settings, big).overrides));
    assert.ok(size < 1024, `${size} bytes`);
  });

  it('RunTask failures: RESOURCE:* and Fargate capacity are EcsCapacityError (retried with backoff), others a ConfigError', async () => {
    const { runner, mock } = adapter();
    for (const reason of [
      'RESOURCE:CPU',
      'RESOURCE:MEMORY',
      'RESOURCE:ENI',
      'Capacity is unavailable at this time. Please try again later or in a different availability zone',
    ]) {
      mock.on(RunTaskCommand).resolves({ tasks: [], failures: [{ reason, arn: 'arn:cluster' }] });
      await assert.rejects(
        runner.runTask(req),
        (e: Error) => e instanceof EcsCapacityError && e.name === 'EcsCapacityError' && e instanceof TransientError,
        reason,
      );
    }
    for (const reason of ['MISSING', 'ATTRIBUTE']) {
      mock.on(RunTaskCommand).resolves({ tasks: [], failures: [{ reason }] });
      await assert.rejects(
        runner.runTask(req),
        (e: Error) => e.name === 'ConfigError' && e.message.includes(reason),
        reason,
      );
    }
  });

  it('RunTask exceptions: throttling and 5xx are transient, a capacity ClientException is capacity, the rest ConfigError', async () => {
    const { runner, mock } = adapter();
    const throttle = Object.assign(new Error('Rate exceeded'), {
      name: 'ThrottlingException',
      $metadata: { httpStatusCode: 400 },
    });
    mock.on(RunTaskCommand).rejects(throttle);
    await assert.rejects(runner.runTask(req), (e: Error) => e.name === 'TransientError');
    mock.on(RunTaskCommand).rejects(new ServerException({ message: 'boom', $metadata: { httpStatusCode: 500 } }));
    await assert.rejects(runner.runTask(req), (e: Error) => e.name === 'TransientError');
    mock.on(RunTaskCommand).rejects(
      new ClientException({
        message: 'Tasks provisioning capacity limit exceeded.',
        $metadata: { httpStatusCode: 400 },
      }),
    );
    await assert.rejects(runner.runTask(req), (e: Error) => e.name === 'EcsCapacityError');
    mock
      .on(RunTaskCommand)
      .rejects(new ClusterNotFoundException({ message: 'Cluster not found.', $metadata: { httpStatusCode: 400 } }));
    await assert.rejects(
      runner.runTask(req),
      (e: Error) => e.name === 'ConfigError' && /ClusterNotFoundException/.test(e.message),
    );
  });

  it('DescribeTasks: the exact request, and the task as the port describes it', async () => {
    const { runner, mock } = adapter();
    const task: Task = {
      taskArn: ARN,
      lastStatus: 'STOPPED',
      stopCode: 'EssentialContainerExited',
      stoppedReason: 'Essential container in task exited',
      containers: [{ name: 'encoder', exitCode: 0, lastStatus: 'STOPPED' }],
    };
    mock.on(DescribeTasksCommand).resolves({ tasks: [task], failures: [] });
    assert.deepEqual(await runner.describeTask(ARN), {
      taskArn: ARN,
      lastStatus: 'STOPPED',
      stopCode: 'EssentialContainerExited',
      stoppedReason: 'Essential container in task exited',
      containers: [{ name: 'encoder', exitCode: 0, lastStatus: 'STOPPED' }],
    });
    assert.deepEqual(mock.commandCalls(DescribeTasksCommand)[0].args[0].input, {
      cluster: 'media-transcoder-dev',
      tasks: [ARN],
    });
    mock.on(DescribeTasksCommand).resolves({ tasks: [], failures: [{ arn: ARN, reason: 'MISSING' }] });
    assert.equal(await runner.describeTask(ARN), undefined);
  });

  it('StopTask: the exact request (reason capped at 255 characters)', async () => {
    const { runner, mock } = adapter();
    mock.on(StopTaskCommand).resolves({});
    await runner.stopTask(ARN, 'r'.repeat(300));
    assert.deepEqual(mock.commandCalls(StopTaskCommand)[0].args[0].input, {
      cluster: 'media-transcoder-dev',
      task: ARN,
      reason: 'r'.repeat(255),
    });
  });

  it('settings from the configuration; missing ones fail loudly', () => {
    const base = { INGEST_BUCKET: 'i', WORK_BUCKET: 'w', OUTPUT_BUCKET: 'o' };
    assert.throws(
      () => ecsSettingsFromConfig(parseConfig(base)),
      (e: Error) =>
        e instanceof ConfigError &&
        /ECS_CLUSTER, ECS_TASK_DEFINITION, ECS_SUBNETS, ECS_SECURITY_GROUPS/.test(e.message),
    );
    const c = parseConfig({
      ...base,
      ECS_CLUSTER: 'c',
      ECS_TASK_DEFINITION: 'td:3',
      ECS_SUBNETS: 'subnet-1, subnet-2',
      ECS_SECURITY_GROUPS: 'sg-1',
      ECS_CAPACITY_PROVIDER: 'FARGATE_SPOT',
    });
    assert.deepEqual(ecsSettingsFromConfig(c), {
      cluster: 'c',
      taskDefinition: 'td:3',
      subnets: ['subnet-1', 'subnet-2'],
      securityGroups: ['sg-1'],
      assignPublicIp: 'DISABLED',
      containerName: 'encoder',
      capacityProvider: 'FARGATE_SPOT',
    });
  });
});

describe('task outcome (DescribeTasks -> RUNNING / SUCCEEDED / FAILED)', () => {
  const stopped = (exitCode: number | undefined, extra: Partial<TaskDescription> = {}): TaskDescription => ({
    taskArn: ARN,
    lastStatus: 'STOPPED',
    stopCode: 'EssentialContainerExited',
    containers: [{ name: 'encoder', ...(exitCode !== undefined ? { exitCode } : {}) }],
    ...extra,
  });
  const table: [string, TaskDescription | undefined, { status: string; retryable: boolean }][] = [
    ...['PROVISIONING', 'PENDING', 'ACTIVATING', 'RUNNING', 'DEACTIVATING', 'STOPPING', 'DEPROVISIONING'].map(
      (s) =>
        [
          s,
          { taskArn: ARN, lastStatus: s, containers: [{ name: 'encoder' }] },
          { status: 'RUNNING', retryable: true },
        ] as [string, TaskDescription, { status: string; retryable: boolean }],
    ),
    ['STOPPED, exit 0', stopped(0), { status: 'SUCCEEDED', retryable: false }],
    ['STOPPED, exit 1 (failure)', stopped(EXIT.FAILED), { status: 'FAILED', retryable: true }],
    ['STOPPED, exit 137 (SIGKILL / out of memory)', stopped(137), { status: 'FAILED', retryable: true }],
    [
      'STOPPED, exit 143 (SIGTERM, Spot interruption)',
      stopped(143, { stopCode: 'SpotInterruption' }),
      { status: 'FAILED', retryable: true },
    ],
    ['STOPPED, exit 2 (input error)', stopped(EXIT.INPUT_ERROR), { status: 'FAILED', retryable: false }],
    ['STOPPED, exit 3 (encoder error)', stopped(EXIT.ENCODER_ERROR), { status: 'FAILED', retryable: false }],
    ['STOPPED, exit 4 (config error)', stopped(EXIT.CONFIG_ERROR), { status: 'FAILED', retryable: false }],
    ['STOPPED, exit 124 (deadline)', stopped(EXIT.DEADLINE), { status: 'FAILED', retryable: false }],
    [
      'TaskFailedToStart (no exit code)',
      stopped(undefined, {
        stopCode: 'TaskFailedToStart',
        stoppedReason: 'CannotPullContainerError: pull image manifest has been retried',
      }),
      { status: 'FAILED', retryable: true },
    ],
    ['MISSING (unknown task)', undefined, { status: 'FAILED', retryable: true }],
    [
      'the worker container is found by name, not position',
      {
        taskArn: ARN,
        lastStatus: 'STOPPED',
        containers: [
          { name: 'log-router', exitCode: 0 },
          { name: 'encoder', exitCode: 1 },
        ],
      },
      { status: 'FAILED', retryable: true },
    ],
  ];
  for (const [name, desc, want] of table) {
    it(name, () => {
      const o = taskOutcome(desc, 'encoder');
      assert.deepEqual({ status: o.status, retryable: o.retryable }, want);
      if (o.status === 'FAILED') assert.ok(o.reason && o.reason.length > 5, 'a reason');
    });
  }

  it('worker exit codes by error class', () => {
    assert.equal(exitCodeForError(new InputError('INPUT_TRUNCATED', 'x')), EXIT.INPUT_ERROR);
    assert.equal(exitCodeForError(new ValidationError('x')), EXIT.INPUT_ERROR);
    assert.equal(exitCodeForError(new EncoderError('ENCODER_FAILED', 'x')), EXIT.ENCODER_ERROR);
    assert.equal(exitCodeForError(new ConfigError('x')), EXIT.CONFIG_ERROR);
    assert.equal(exitCodeForError(new TransientError('INTERNAL', 'x')), EXIT.FAILED);
    assert.equal(exitCodeForError(new Error('bug')), EXIT.FAILED);
  });

  it('the worker uses every core: one segment per core, more threads when segments are few', () => {
    assert.deepEqual(planWorker(8, 100), { concurrency: 8, threads: 1 });
    assert.deepEqual(planWorker(8, 2), { concurrency: 2, threads: 4 });
    assert.deepEqual(planWorker(2, 1), { concurrency: 1, threads: 2 });
    assert.deepEqual(planWorker(16, 100, 4), { concurrency: 4, threads: 4 });
  });
});

/** A runtime over a mocked S3 client; `objects` plays the work bucket. */
function fakeRuntime(env: Record<string, string> = {}) {
  const s3 = new S3Client({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
  const mock = mockClient(s3);
  const objects = new Map<string, string>();
  mock.on(PutObjectCommand).callsFake((i: { Key: string; Body: string }) => {
    objects.set(i.Key, String(i.Body));
    return {};
  });
  mock.on(GetObjectCommand).callsFake((i: { Key: string }) => {
    const body = objects.get(i.Key);
    if (body === undefined)
      throw Object.assign(new Error('NoSuchKey'), { name: 'NoSuchKey', $metadata: { httpStatusCode: 404 } });
    return { Body: { transformToString: async () => body } };
  });
  const config = parseConfig({
    INGEST_BUCKET: 'ingest',
    WORK_BUCKET: 'work',
    OUTPUT_BUCKET: 'output',
    ECS_POLL_SECONDS: '20',
    ...env,
  });
  // The submit step records the task on the job record (cancel stops it): a record stand-in.
  const tasks = new Map<string, string | undefined>();
  const jobs = {
    setTask: async (jobId: string, taskArn: string | undefined) => void tasks.set(jobId, taskArn),
  } as unknown as JobStore;
  const rt = createRuntime(config, { s3, jobs, events: { put: async () => undefined } });
  return { rt, objects, tasks };
}

/** A port that records requests and answers with a given description. */
class FakeRunner implements TaskRunner {
  requests: TaskRequest[] = [];
  stopped: { taskArn: string; reason: string }[] = [];
  desc: TaskDescription | undefined = { taskArn: ARN, lastStatus: 'RUNNING', containers: [{ name: 'encoder' }] };
  async runTask(r: TaskRequest) {
    this.requests.push(r);
    return { taskArn: ARN };
  }
  async describeTask() {
    return this.desc;
  }
  async stopTask(taskArn: string, reason: string) {
    this.stopped.push({ taskArn, reason });
  }
}

describe('ECS submit and status steps', () => {
  const job = JobInputSchema.parse(jobInput());
  const now = new Date('2025-01-01T01:00:00.000Z');

  it('submit writes the job document to the work bucket and runs a task with only its URI', async () => {
    const { rt, objects } = fakeRuntime();
    const runner = new FakeRunner();
    const state = await ecsSubmitStep(
      rt,
      runner,
      { job: { ...job, probe: { big: true } } as never, ecs: { attempt: 0, history: [] } },
      noLog,
      now,
    );
    const key = 'jobs/j-test/ecs/attempt-1/job.json';
    const doc = JobDocumentSchema.parse(JSON.parse(objects.get(key)!));
    assert.equal(doc.attempt, 1);
    assert.equal(doc.resultUri, 's3://work/jobs/j-test/ecs/attempt-1/result.json');
    assert.equal(doc.maxSeconds, ECS_ATTEMPT_MAX_SECONDS);
    assert.equal((doc.job as Record<string, unknown>).probe, undefined, 'only the job input, not the whole state');
    assert.deepEqual(runner.requests, [
      {
        jobId: 'j-test',
        attempt: 1,
        jobUri: `s3://work/${key}`,
        clientToken: clientTokenFor('j-test', '2025-01-01T00:00:00.000Z', 1),
      },
    ]);
    assert.match(runner.requests[0].clientToken, /^[0-9a-f]{64}$/);
    assert.deepEqual(state, {
      taskArn: ARN,
      attempt: 1,
      jobUri: `s3://work/${key}`,
      startedAt: now.toISOString(),
      polls: 0,
      elapsedSec: 0,
      waitSeconds: 20,
      status: 'RUNNING',
      retryable: true,
      history: [],
    });
    // A re-run is the next attempt, with a new token and the history kept.
    const again = await ecsSubmitStep(
      rt,
      runner,
      { job, ecs: { ...state, status: 'FAILED', history: ['attempt 1: exit code 137'] } },
      noLog,
      now,
    );
    assert.equal(again.attempt, 2);
    assert.deepEqual(again.history, ['attempt 1: exit code 137']);
    assert.notEqual(runner.requests[1].clientToken, runner.requests[0].clientToken);
    assert.ok(objects.has('jobs/j-test/ecs/attempt-2/job.json'));
  });

  const ecs: EcsState = {
    taskArn: ARN,
    attempt: 2,
    jobUri: 's3://work/jobs/j-test/ecs/attempt-2/job.json',
    startedAt: '2025-01-01T00:58:00.000Z',
    polls: 4,
    elapsedSec: 90,
    waitSeconds: 20,
    status: 'RUNNING',
    retryable: true,
    history: ['attempt 1: exit code 137 (killed by SIGKILL: out of memory, or the container died)'],
  };

  it('status: RUNNING counts the check and the elapsed seconds', async () => {
    const { rt } = fakeRuntime();
    const r = await ecsStatusStep(rt, new FakeRunner(), { job, ecs }, noLog, now);
    assert.equal(r.status, 'RUNNING');
    assert.equal(r.polls, 5);
    assert.equal(r.elapsedSec, 120);
    assert.equal(r.waitSeconds, 20);
    assert.equal(r.error, undefined);
  });

  it("status: FAILED carries the worker's own error when it wrote one", async () => {
    const { rt, objects } = fakeRuntime();
    objects.set(
      'jobs/j-test/ecs/attempt-2/result.json',
      JSON.stringify({
        ok: false,
        exitCode: 2,
        error: { name: 'InputError', code: 'INPUT_TRUNCATED', message: 'the file ends early' },
      }),
    );
    const runner = new FakeRunner();
    runner.desc = {
      taskArn: ARN,
      lastStatus: 'STOPPED',
      stopCode: 'EssentialContainerExited',
      containers: [{ name: 'encoder', exitCode: 2 }],
    };
    const r = await ecsStatusStep(rt, runner, { job, ecs }, noLog, now);
    assert.equal(r.status, 'FAILED');
    assert.equal(r.retryable, false);
    assert.equal(r.exitCode, 2);
    assert.equal(r.error?.Error, 'InputError');
    assert.match(r.error!.Cause, /^INPUT_TRUNCATED: the file ends early/);
    assert.equal(r.history.length, 2);
  });

  it('status: FAILED without a result document (killed) says so, with every attempt', async () => {
    const { rt } = fakeRuntime();
    const runner = new FakeRunner();
    runner.desc = {
      taskArn: ARN,
      lastStatus: 'STOPPED',
      stopCode: 'EssentialContainerExited',
      containers: [{ name: 'encoder', exitCode: 137 }],
    };
    const r = await ecsStatusStep(rt, runner, { job, ecs }, noLog, now);
    assert.equal(r.status, 'FAILED');
    assert.equal(r.retryable, true);
    assert.equal(r.error?.Error, 'EcsTaskFailed');
    assert.match(r.error!.Cause, /^ENCODER_FAILED: the ECS worker failed: attempt 1: .*; attempt 2: exit code 137/);
  });

  it('status with stop: StopTask, and a TIMEOUT error', async () => {
    const { rt } = fakeRuntime();
    const runner = new FakeRunner();
    const r = await ecsStatusStep(rt, runner, { job, ecs, stop: true }, noLog, now);
    assert.equal(runner.stopped.length, 1);
    assert.equal(runner.stopped[0].taskArn, ARN);
    assert.equal(r.status, 'FAILED');
    assert.equal(r.retryable, false);
    assert.equal(r.error?.Error, 'EcsTimeout');
    assert.match(r.error!.Cause, /^TIMEOUT: /);
  });
});

describe('the ECS polling loop (real ASL, stub handlers)', function () {
  this.timeout(60_000);
  const forced = () => jobInput({ engine: 'ecs' });
  type J = Record<string, unknown>;
  const ecsOf = (i: J) => i.ecs as J;

  it('the Choice literals match src/ecs/state.ts', () => {
    const text = JSON.stringify(JSON.parse(readFileSync(ASL_PATH, 'utf8')).States.EcsCheck);
    assert.ok(text.includes(`"Variable":"$.ecs.elapsedSec","NumericLessThan":${ECS_ATTEMPT_MAX_SECONDS}`));
    assert.ok(text.includes(`"Variable":"$.ecs.polls","NumericLessThan":${ECS_ATTEMPT_MAX_POLLS}`));
    assert.ok(text.includes(`"Variable":"$.ecs.attempt","NumericLessThan":${ECS_MAX_ATTEMPTS}`));
  });

  it('RUNNING, RUNNING, RUNNING, SUCCEEDED: waits and checks four times, then the shared Publish', async () => {
    let n = 0;
    const run = await runAsl(forced(), {
      EcsStatus: (i) => ({ ...ecsOf(i), polls: ++n, status: n < 4 ? 'RUNNING' : 'SUCCEEDED', retryable: n < 4 }),
    });
    assert.equal(run.status, 'SUCCEEDED', String(run.error));
    assert.equal(run.count('EcsWait'), 4);
    assert.equal(run.count('EcsStatus'), 4);
    assert.equal(run.count('EcsSubmit'), 1);
    assert.deepEqual(run.entered.slice(run.entered.lastIndexOf('EcsCheck') + 1), [
      'Publish',
      'EmitComplete',
      'Cleanup',
      'Done',
    ]);
    assert.equal(run.count('Split'), 0);
    assert.equal(run.count('Assemble'), 0);
  });

  it('a re-runnable failure is re-run; after 3 attempts the error goes to one ERROR event', async () => {
    const err = { Error: 'EcsTaskFailed', Cause: 'ENCODER_FAILED: the ECS worker failed: attempt 3: exit code 137' };
    const run = await runAsl(forced(), {
      EcsStatus: (i) => ({ ...ecsOf(i), polls: 1, status: 'FAILED', retryable: true, error: err }),
    });
    assert.equal(run.status, 'FAILED');
    assert.equal(run.count('EcsSubmit'), ECS_MAX_ATTEMPTS);
    assert.deepEqual(
      run.calls.filter((c) => c.state === 'EcsSubmit').map((c) => (ecsOf(c.input) as J | undefined)?.attempt ?? 0),
      [0, 1, 2],
    );
    assert.equal(run.count('EmitError'), 1);
    assert.equal(run.count('EmitComplete'), 0);
    assert.equal(run.count('Publish'), 0);
    const emitted = run.calls.find((c) => c.state === 'EmitError')!.input;
    assert.deepEqual(emitted.error, err);
    assert.deepEqual(run.entered.slice(-4), ['EcsFailed', 'EmitError', 'CleanupAfterError', 'Failed']);
  });

  it('a failure that is not re-runnable (bad input) is not re-run', async () => {
    const err = { Error: 'InputError', Cause: 'INPUT_TRUNCATED: the file ends early' };
    const run = await runAsl(forced(), {
      EcsStatus: (i) => ({ ...ecsOf(i), polls: 1, status: 'FAILED', retryable: false, error: err }),
    });
    assert.equal(run.count('EcsSubmit'), 1);
    assert.equal(run.count('EmitError'), 1);
    assert.deepEqual(run.calls.find((c) => c.state === 'EmitError')!.input.error, err);
  });

  it('bounded in time: still RUNNING after the attempt limit stops the task and ends in ERROR (TIMEOUT)', async () => {
    let n = 0;
    const run = await runAsl(forced(), {
      EcsStatus: (i) => ({ ...ecsOf(i), polls: ++n, elapsedSec: n * 2000, status: 'RUNNING', retryable: true }),
    });
    assert.equal(run.count('EcsStatus'), Math.ceil(ECS_ATTEMPT_MAX_SECONDS / 2000));
    assert.equal(run.count('EcsStop'), 1);
    assert.equal(run.count('EcsSubmit'), 1, 'a timed-out attempt is not re-run');
    assert.equal(run.count('EmitError'), 1);
    assert.match(String((run.calls.find((c) => c.state === 'EmitError')!.input.error as J).Cause), /^TIMEOUT/);
  });

  it('bounded in checks: 1000 checks at most per attempt', async () => {
    let n = 0;
    const run = await runAsl(forced(), {
      EcsStatus: (i) => ({ ...ecsOf(i), polls: ++n, elapsedSec: 0, status: 'RUNNING', retryable: true }),
    });
    assert.equal(run.count('EcsStatus'), ECS_ATTEMPT_MAX_POLLS);
    assert.equal(run.count('EcsStop'), 1);
    assert.equal(run.count('EmitError'), 1);
  });

  it('RunTask capacity errors are retried with backoff (bounded), then succeed', async () => {
    let n = 0;
    const run = await runAsl(forced(), {
      EcsSubmit: () => {
        if (++n <= 2) throw new EcsCapacityError('ECS RunTask: no capacity: RESOURCE:CPU');
        return {
          taskArn: ARN,
          attempt: 1,
          jobUri: 's3://w/j',
          startedAt: '2025-01-01T00:00:00Z',
          polls: 0,
          elapsedSec: 0,
          waitSeconds: 1,
          status: 'RUNNING',
          retryable: true,
          history: [],
        };
      },
    });
    assert.equal(run.status, 'SUCCEEDED', String(run.error));
    assert.equal(n, 3);
    assert.equal(run.count('EmitComplete'), 1);
  });

  it('capacity that never comes back ends in ERROR after the retrier gives up', async () => {
    const def = (loadDefinition(localSubstitutions('work')).States as { EcsSubmit: { Retry: unknown } }).EcsSubmit
      .Retry as { ErrorEquals: string[]; MaxAttempts: number }[];
    const capacity = def.find((r) => r.ErrorEquals.includes('EcsCapacityError'))!;
    let n = 0;
    const run = await runAsl(forced(), {
      EcsSubmit: () => {
        n++;
        throw new EcsCapacityError('ECS RunTask: no capacity: RESOURCE:MEMORY');
      },
    });
    assert.equal(n, capacity.MaxAttempts + 1);
    assert.equal(run.count('EmitError'), 1);
    assert.equal((run.calls.find((c) => c.state === 'EmitError')!.input.error as J).Error, 'EcsCapacityError');
  });

  it('a permanent error from submit (bad ECS settings) is not retried', async () => {
    let n = 0;
    const run = await runAsl(forced(), {
      EcsSubmit: () => {
        n++;
        throw new ConfigError('the ECS worker needs ECS_CLUSTER');
      },
    });
    assert.equal(n, 1);
    assert.equal(run.count('EmitError'), 1);
  });

  it('a transient status error is retried', async () => {
    let n = 0;
    const run = await runAsl(forced(), {
      EcsStatus: (i) => {
        if (++n === 1)
          throw new TransientError('INTERNAL', 'ECS DescribeTasks failed transiently (ThrottlingException)');
        return { ...ecsOf(i), polls: 1, status: 'SUCCEEDED', retryable: false };
      },
    });
    assert.equal(run.status, 'SUCCEEDED', String(run.error));
    assert.equal(n, 2);
  });
});
