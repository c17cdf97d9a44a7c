import {
  type ECSClient,
  RunTaskCommand,
  DescribeTasksCommand,
  StopTaskCommand,
  type RunTaskCommandInput,
  type Failure,
} from '@aws-sdk/client-ecs';
import type { Config } from '../config.js';
import { ConfigError, TransientError } from '../errors.js';
import { EcsCapacityError, type TaskDescription, type TaskRequest, type TaskRunner } from '../ecs/port.js';

/** Where and how RunTask runs the worker. */
export interface EcsSettings {
  cluster: string;
  taskDefinition: string;
  subnets: string[];
  securityGroups: string[];
  assignPublicIp: 'ENABLED' | 'DISABLED';
  /** The worker's container in the task definition. */
  containerName: string;
  /** A capacity provider (FARGATE_SPOT) instead of launch type FARGATE. */
  capacityProvider?: string;
}

const list = (v: string | undefined) =>
  (v ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/** The ECS settings of a config; ConfigError naming what is missing. */
export function ecsSettingsFromConfig(c: Config): EcsSettings {
  const missing = (['ECS_CLUSTER', 'ECS_TASK_DEFINITION', 'ECS_SUBNETS', 'ECS_SECURITY_GROUPS'] as const).filter(
    (k) => !c[k],
  );
  if (missing.length) throw new ConfigError(`the ECS worker needs ${missing.join(', ')}`);
  return {
    cluster: c.ECS_CLUSTER!,
    taskDefinition: c.ECS_TASK_DEFINITION!,
    subnets: list(c.ECS_SUBNETS),
    securityGroups: list(c.ECS_SECURITY_GROUPS),
    assignPublicIp: c.ECS_ASSIGN_PUBLIC_IP,
    containerName: c.ECS_CONTAINER_NAME,
    ...(c.ECS_CAPACITY_PROVIDER ? { capacityProvider: c.ECS_CAPACITY_PROVIDER } : {}),
  };
}

/** RunTask `failures` that mean "no capacity now, try again later". */
export function isCapacityFailure(f: Pick<Failure, 'reason' | 'detail'>): boolean {
  const text = `${f.reason ?? ''} ${f.detail ?? ''}`;
  return (
    /^RESOURCE:/.test(f.reason ?? '') ||
    /^AGENT\b/.test(f.reason ?? '') ||
    /capacity|limit on the number of tasks|rate exceeded|throttl/i.test(text)
  );
}

/** SDK errors that survived the SDK's retries: transient, capacity, or a deployment problem. */
export function classifyEcsError(err: unknown, what: string): Error {
  const e = err as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const status = e?.$metadata?.httpStatusCode ?? 0;
  const name = e?.name ?? 'Error';
  if (name === 'ClientException' && /capacity|limit|throttl|rate exceeded/i.test(e.message ?? '')) {
    return new EcsCapacityError(`ECS ${what}: ${e.message}`);
  }
  if (
    status >= 500 ||
    status === 429 ||
    /Throttling|ServerException|TimeoutError|RequestTimeout|ECONNRESET|ETIMEDOUT|EAI_AGAIN/.test(name)
  ) {
    return new TransientError('INTERNAL', `ECS ${what} failed transiently (${name})`, { cause: err });
  }
  const c = new ConfigError(`ECS ${what} failed: ${name}: ${e?.message ?? String(err)}`);
  c.cause = err;
  return c;
}

/** The RunTask request of one attempt (pure; the unit tests assert it exactly). */
export function buildRunTaskInput(s: EcsSettings, req: TaskRequest): RunTaskCommandInput {
  return {
    cluster: s.cluster,
    taskDefinition: s.taskDefinition,
    count: 1,
    ...(s.capacityProvider
      ? { capacityProviderStrategy: [{ capacityProvider: s.capacityProvider, weight: 1 }] }
      : { launchType: 'FARGATE' }),
    networkConfiguration: {
      awsvpcConfiguration: { subnets: s.subnets, securityGroups: s.securityGroups, assignPublicIp: s.assignPublicIp },
    },
    // Only a pointer: container overrides are capped at 8 KiB.
    overrides: {
      containerOverrides: [{ name: s.containerName, environment: [{ name: 'JOB_URI', value: req.jobUri }] }],
    },
    startedBy: req.jobId.slice(0, 128),
    clientToken: req.clientToken,
  };
}

/** The worker on ECS Fargate. The client is injectable (aws-sdk-client-mock in tests). */
export class EcsTaskRunner implements TaskRunner {
  constructor(
    readonly settings: EcsSettings,
    private readonly client: ECSClient,
  ) {}

  static fromConfig(config: Config, client: ECSClient): EcsTaskRunner {
    return new EcsTaskRunner(ecsSettingsFromConfig(config), client);
  }

  async runTask(req: TaskRequest): Promise<{ taskArn: string }> {
    const r = await this.client
      .send(new RunTaskCommand(buildRunTaskInput(this.settings, req)))
      .catch((err: unknown) => {
        throw classifyEcsError(err, 'RunTask');
      });
    const arn = r.tasks?.[0]?.taskArn;
    if (arn) return { taskArn: arn };
    const failures = r.failures ?? [];
    const reasons =
      failures.map((f) => `${f.reason ?? 'unknown'}${f.detail ? ` (${f.detail})` : ''}`).join('; ') ||
      'no task and no failure reported';
    if (failures.some(isCapacityFailure)) throw new EcsCapacityError(`ECS RunTask: no capacity: ${reasons}`);
    throw new ConfigError(`ECS RunTask started no task: ${reasons}`);
  }

  async describeTask(taskArn: string): Promise<TaskDescription | undefined> {
    const r = await this.client
      .send(new DescribeTasksCommand({ cluster: this.settings.cluster, tasks: [taskArn] }))
      .catch((err: unknown) => {
        throw classifyEcsError(err, 'DescribeTasks');
      });
    const t = r.tasks?.find((x) => x.taskArn === taskArn);
    if (!t) return undefined;
    return {
      taskArn,
      lastStatus: t.lastStatus ?? 'PROVISIONING',
      ...(t.stopCode ? { stopCode: t.stopCode } : {}),
      ...(t.stoppedReason ? { stoppedReason: t.stoppedReason } : {}),
      containers: (t.containers ?? []).map((c) => ({
        name: c.name ?? '',
        ...(c.exitCode !== undefined && c.exitCode !== null ? { exitCode: c.exitCode } : {}),
        ...(c.reason ? { reason: c.reason } : {}),
        ...(c.lastStatus ? { lastStatus: c.lastStatus } : {}),
      })),
    };
  }

  async stopTask(taskArn: string, reason: string): Promise<void> {
    await this.client
      .send(new StopTaskCommand({ cluster: this.settings.cluster, task: taskArn, reason: reason.slice(0, 255) }))
      .catch((err: unknown) => {
        throw classifyEcsError(err, 'StopTask');
      });
  }
}
