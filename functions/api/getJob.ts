import { httpFunction } from '../../src/api/handler.js';
import { lambdaHandler } from '../../src/pipeline/handler.js';
import { getJob } from '../../src/api/operations.js';

/** `GET /jobs/{id}`: status, progress, outputs and error of one job. */
export const definition = httpFunction('getJob', getJob);

export const handler = lambdaHandler(definition);
