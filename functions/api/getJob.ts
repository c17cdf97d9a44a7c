import { httpHandler } from '../../src/api/handler.js';
import { getJob } from '../../src/api/operations.js';

/** `GET /jobs/{id}`: status, progress, outputs and error of one job. */
export const handler = httpHandler('getJob', getJob);
