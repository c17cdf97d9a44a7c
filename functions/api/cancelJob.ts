import { httpFunction } from '../../src/api/handler.js';
import { lambdaHandler } from '../../src/pipeline/handler.js';
import { cancelJob } from '../../src/api/operations.js';

/** `DELETE /jobs/{id}`: cancels a job that has not ended. */
export const definition = httpFunction('cancelJob', cancelJob);

export const handler = lambdaHandler(definition);
