import { stepHandler } from '../src/pipeline/handler.js';
import { EcsStatusInputSchema } from '../src/ecs/state.js';
import { ecsStatusStep } from '../src/ecs/status.js';
import { getTaskRunner } from '../src/ecs/taskRunner.js';

/** ECS path: one check of the polling loop (DescribeTasks), or StopTask when the loop gives up. */
export const handler = stepHandler('ecsStatus', EcsStatusInputSchema, (rt, input, log) => ecsStatusStep(rt, getTaskRunner(rt.config), input, log));
