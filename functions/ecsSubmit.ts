import { defineFunction, lambdaHandler } from '../src/pipeline/handler.js';
import { EcsSubmitInputSchema } from '../src/ecs/state.js';
import { ecsSubmitStep } from '../src/ecs/submit.js';
import { type FunctionDeploy, ECS_ENVIRONMENT } from '../src/deploy/functionDeploy.js';

/** ECS path: writes the job document and runs one worker task (RunTask); returns `$.ecs`. */
export const definition = defineFunction('ecsSubmit', EcsSubmitInputSchema, (input, { rt, log }) =>
  ecsSubmitStep(rt, rt.tasks, input, log),
);

export const handler = lambdaHandler(definition);

/** How it is deployed (serverless.yml's entry is generated from this: `npm run generate`). */
export const deploy: FunctionDeploy = {
  comment: 'ECS path (docs/ECS.md): run one worker task for the job, then poll it (or stop it).',
  role: 'EcsSubmitRole',
  memorySize: 256,
  timeout: 110,
  environment: ECS_ENVIRONMENT,
};
