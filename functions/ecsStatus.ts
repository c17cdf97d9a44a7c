import { defineFunction, lambdaHandler } from '../src/pipeline/handler.js';
import { EcsStatusInputSchema } from '../src/ecs/state.js';
import { ecsStatusStep } from '../src/ecs/status.js';
import { type FunctionDeploy, ECS_ENVIRONMENT } from '../src/deploy/functionDeploy.js';

/** ECS path: one check of the polling loop (DescribeTasks), or StopTask when the loop gives up. */
export const definition = defineFunction('ecsStatus', EcsStatusInputSchema, (input, { rt, log }) =>
  ecsStatusStep(rt, rt.tasks, input, log),
);

export const handler = lambdaHandler(definition);

/** How it is deployed (serverless.yml's entry is generated from this: `npm run generate`). */
export const deploy: FunctionDeploy = {
  comment: 'The task runner is built from the same settings (DescribeTasks/StopTask name the cluster).',
  role: 'EcsStatusRole',
  memorySize: 256,
  timeout: 50,
  environment: ECS_ENVIRONMENT,
};
