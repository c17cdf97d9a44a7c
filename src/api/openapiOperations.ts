/**
 * What the HTTP API document says about each operation besides its route (src/api/routes.ts) and
 * its shapes (src/api/documentSchemas.ts): summary, description, parameters, request body and
 * responses, each schema a `$ref` to a component; one file per operation under openapiDocs/.
 * Typed by operation id, so a new route does not compile without its entry here;
 * src/api/openapi.ts assembles docs/openapi.json from ROUTES.
 */
import type { OperationId } from './operations.js';
import { doc as createJob } from './openapiDocs/createJob.js';
import { doc as listJobs } from './openapiDocs/listJobs.js';
import { doc as getJob } from './openapiDocs/getJob.js';
import { doc as cancelJob } from './openapiDocs/cancelJob.js';
import { doc as createUpload } from './openapiDocs/createUpload.js';
import { doc as createTemplate } from './openapiDocs/createTemplate.js';
import { doc as listTemplates } from './openapiDocs/listTemplates.js';
import { doc as getTemplate } from './openapiDocs/getTemplate.js';
import { doc as deleteTemplate } from './openapiDocs/deleteTemplate.js';

export { DOCUMENT_HEAD, SHARED_COMPONENTS } from './openapiDocs/head.js';

/** An OpenAPI 3.1 Operation Object without its operationId (JSON as written into the document). */
export type OperationDoc = { summary: string; responses: Record<string, unknown> } & Record<string, unknown>;

/** Each operation's documentation, by operation id. */
export const OPERATION_DOCS: Record<OperationId, OperationDoc> = {
  createJob,
  listJobs,
  getJob,
  cancelJob,
  createUpload,
  createTemplate,
  listTemplates,
  getTemplate,
  deleteTemplate,
};
