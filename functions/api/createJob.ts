import { httpHandler } from '../../src/api/handler.js';
import { createJob } from '../../src/api/operations.js';

/** Injects the execution starter (the local stack passes its runner), as functions/ingest.ts does. */
export { setApiStarter as setStarter } from '../../src/api/context.js';

/** `POST /jobs`: validates the request, checks the source (HEAD + ffprobe of its duration), records the job and starts its execution; 202 `{jobId}`. */
export const handler = httpHandler('createJob', createJob);
