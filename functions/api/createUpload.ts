import { httpFunction } from '../../src/api/handler.js';
import { lambdaHandler } from '../../src/pipeline/handler.js';
import { createUpload } from '../../src/api/operations.js';

/** `POST /uploads`: a presigned PUT URL into the ingest bucket (`uploads/<uuid>/<name>`). */
export const definition = httpFunction('createUpload', createUpload);

export const handler = lambdaHandler(definition);
