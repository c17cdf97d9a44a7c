import { httpFunction } from '../../src/api/handler.js';
import { lambdaHandler } from '../../src/pipeline/handler.js';
import { listJobs } from '../../src/api/operations.js';
import type { FunctionDeploy } from '../../src/deploy/functionDeploy.js';

/** `GET /jobs?limit=N`: the most recent jobs, newest first. */
export const definition = httpFunction('listJobs', listJobs);

export const handler = lambdaHandler(definition);

/** How it is deployed (serverless.yml's entry is generated from this: `npm run generate`). */
export const deploy: FunctionDeploy = { role: 'ApiJobsReadRole', memorySize: 512, timeout: 28 };
