import { httpHandler } from '../../src/api/handler.js';
import { listJobs } from '../../src/api/operations.js';

/** `GET /jobs?limit=N`: the most recent jobs, newest first. */
export const handler = httpHandler('listJobs', listJobs);
