import { httpFunction } from '../../src/api/handler.js';
import { lambdaHandler } from '../../src/pipeline/handler.js';
import { createJob } from '../../src/api/operations.js';
import { type FunctionDeploy, STARTER_ENVIRONMENT } from '../../src/deploy/functionDeploy.js';

/** `POST /jobs`: validates the request, checks the source (HEAD + ffprobe of its duration), records the job and starts its execution; 202 `{jobId}`. */
export const definition = httpFunction('createJob', createJob);

export const handler = lambdaHandler(definition);

/** How it is deployed (serverless.yml's entry is generated from this: `npm run generate`). */
export const deploy: FunctionDeploy = {
  comment: "ffprobe reads the source's duration (a clip must lie inside it); the same starter settings as ingest.",
  role: 'ApiCreateJobRole',
  ffmpegLayer: true,
  memorySize: 1024,
  timeout: 28,
  environment: STARTER_ENVIRONMENT,
};
