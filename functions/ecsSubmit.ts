import { defineFunction, lambdaHandler } from '../src/pipeline/handler.js';
import { EcsSubmitInputSchema } from '../src/ecs/state.js';
import { ecsSubmitStep } from '../src/ecs/submit.js';

/** ECS path: writes the job document and runs one worker task (RunTask); returns `$.ecs`. */
export const definition = defineFunction('ecsSubmit', EcsSubmitInputSchema, (input, { rt, log }) => ecsSubmitStep(rt, rt.tasks, input, log));

export const handler = lambdaHandler(definition);
