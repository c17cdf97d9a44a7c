import type { Config } from '../config.js';
import { EcsTaskRunner } from '../aws/ecs.js';
import type { TaskRunner } from './port.js';

let current: TaskRunner | undefined;

/** Installs a task runner (the local stack, tests); undefined restores the cloud default. */
export function setTaskRunner(r: TaskRunner | undefined): void {
  current = r;
}

/** The installed task runner, or ECS Fargate configured from the environment (cold start). */
export function getTaskRunner(config: Config): TaskRunner {
  current ??= EcsTaskRunner.fromConfig(config);
  return current;
}
