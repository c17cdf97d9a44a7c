import { z } from 'zod';
import { defineFunction, lambdaHandler } from '../src/pipeline/handler.js';
import { taskInput } from '../src/pipeline/job.js';
import { cleanupStep } from '../src/pipeline/steps/cleanup.js';
import type { FunctionDeploy } from '../src/deploy/functionDeploy.js';

/** Cleanup: the work prefix always; after a failure the job's output prefix too. */
export const definition = defineFunction('cleanup', taskInput({ failed: z.boolean() }), (input, { rt, log }) =>
  cleanupStep(rt, input.job, input.failed, log),
);

export const handler = lambdaHandler(definition);

/** How it is deployed (serverless.yml's entry is generated from this: `npm run generate`). */
export const deploy: FunctionDeploy = { role: 'CleanupRole', timeout: 290 };
