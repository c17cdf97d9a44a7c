import { httpHandler } from '../../src/api/handler.js';
import { createUpload } from '../../src/api/operations.js';

/** `POST /uploads`: a presigned PUT URL into the ingest bucket (`uploads/<uuid>/<name>`). */
export const handler = httpHandler('createUpload', createUpload);
