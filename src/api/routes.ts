/**
 * The routes of the HTTP API: one Lambda function per route in the cloud (serverless.yml,
 * `functions/api/<operationId>.ts`), the same table behind the local server's router.
 * docs/openapi.json is generated from these (src/api/openapi.ts, `npm run generate`); a route's
 * operation needs its entry in src/api/openapiOperations.ts and its module in src/local/functions.ts.
 */
import type { OperationId } from './operations.js';

export interface Route {
  method: 'GET' | 'POST' | 'DELETE';
  /** Path template, API Gateway style: `{name}` is one path segment. */
  path: string;
  operationId: OperationId;
}

export const ROUTES: readonly Route[] = [
  { method: 'POST', path: '/jobs', operationId: 'createJob' },
  { method: 'GET', path: '/jobs', operationId: 'listJobs' },
  { method: 'GET', path: '/jobs/{id}', operationId: 'getJob' },
  { method: 'DELETE', path: '/jobs/{id}', operationId: 'cancelJob' },
  { method: 'POST', path: '/uploads', operationId: 'createUpload' },
  { method: 'POST', path: '/templates', operationId: 'createTemplate' },
  { method: 'GET', path: '/templates', operationId: 'listTemplates' },
  { method: 'GET', path: '/templates/{name}', operationId: 'getTemplate' },
  { method: 'DELETE', path: '/templates/{name}', operationId: 'deleteTemplate' },
];

/** The API Gateway route key of a route (`POST /jobs`). */
export const routeKey = (r: Pick<Route, 'method' | 'path'>) => `${r.method} ${r.path}`;

/** The serverless.yml function name of an operation (`apiCreateJob`). */
export const functionName = (op: OperationId) => `api${op[0].toUpperCase()}${op.slice(1)}`;
