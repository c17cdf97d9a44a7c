import { httpFunction } from '../../src/api/handler.js';
import { lambdaHandler } from '../../src/pipeline/handler.js';
import { createUpload } from '../../src/api/operations.js';
import type { FunctionDeploy } from '../../src/deploy/functionDeploy.js';

/** `POST /uploads`: a presigned PUT URL into the ingest bucket (`uploads/<uuid>/<name>`). */
export const definition = httpFunction('createUpload', createUpload);

export const handler = lambdaHandler(definition);

/** How it is deployed (serverless.yml's entry is generated from this: `npm run generate`). */
export const deploy: FunctionDeploy = { role: 'ApiCreateUploadRole', memorySize: 256, timeout: 10 };
