import { defineFunction, lambdaHandler } from '../src/pipeline/handler.js';
import { EcsStatusInputSchema } from '../src/ecs/state.js';
import { ecsStatusStep } from '../src/ecs/status.js';

/** ECS path: one check of the polling loop (DescribeTasks), or StopTask when the loop gives up. */
export const definition = defineFunction('ecsStatus', EcsStatusInputSchema, (input, { rt, log }) => ecsStatusStep(rt, rt.tasks, input, log));

export const handler = lambdaHandler(definition);
