import { httpFunction } from '../../src/api/handler.js';
import { lambdaHandler } from '../../src/pipeline/handler.js';
import { createJob } from '../../src/api/operations.js';

/** `POST /jobs`: validates the request, checks the source (HEAD + ffprobe of its duration), records the job and starts its execution; 202 `{jobId}`. */
export const definition = httpFunction('createJob', createJob);

export const handler = lambdaHandler(definition);
