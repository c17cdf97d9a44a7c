import { httpFunction } from '../../src/api/handler.js';
import { lambdaHandler } from '../../src/pipeline/handler.js';
import { getJob } from '../../src/api/operations.js';
import type { FunctionDeploy } from '../../src/deploy/functionDeploy.js';

/** `GET /jobs/{id}`: status, progress, outputs and error of one job. */
export const definition = httpFunction('getJob', getJob);

export const handler = lambdaHandler(definition);

/** How it is deployed (serverless.yml's entry is generated from this: `npm run generate`). */
export const deploy: FunctionDeploy = { role: 'ApiJobsReadRole', memorySize: 256, timeout: 10 };
