import { httpFunction } from '../../src/api/handler.js';
import { lambdaHandler } from '../../src/pipeline/handler.js';
import { cancelJob } from '../../src/api/operations.js';
import { type FunctionDeploy, ECS_ENVIRONMENT } from '../../src/deploy/functionDeploy.js';

/** `DELETE /jobs/{id}`: cancels a job that has not ended. */
export const definition = httpFunction('cancelJob', cancelJob);

export const handler = lambdaHandler(definition);

/** How it is deployed (serverless.yml's entry is generated from this: `npm run generate`). */
export const deploy: FunctionDeploy = {
  comment:
    "DELETE /jobs/{id} (src/pipeline/cancel.ts): stops the execution and a running worker task (hence the ECS settings), deletes the job's files, emits the one CANCELED event.",
  role: 'ApiCancelJobRole',
  memorySize: 256,
  timeout: 28,
  environment: ECS_ENVIRONMENT,
};
