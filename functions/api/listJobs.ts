import { httpFunction } from '../../src/api/handler.js';
import { lambdaHandler } from '../../src/pipeline/handler.js';
import { listJobs } from '../../src/api/operations.js';

/** `GET /jobs?limit=N`: the most recent jobs, newest first. */
export const definition = httpFunction('listJobs', listJobs);

export const handler = lambdaHandler(definition);
