import { stepHandler } from '../src/pipeline/handler.js';
import { EcsSubmitInputSchema } from '../src/ecs/state.js';
import { ecsSubmitStep } from '../src/ecs/submit.js';
import { getTaskRunner } from '../src/ecs/taskRunner.js';

/** ECS path: writes the job document and runs one worker task (RunTask); returns `$.ecs`. */
export const handler = stepHandler('ecsSubmit', EcsSubmitInputSchema, (rt, input, log) => ecsSubmitStep(rt, getTaskRunner(rt.config), input, log));
