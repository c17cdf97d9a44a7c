/**
 * Wraps an operation as a Lambda handler behind an HTTP API route: builds the runtime and a
 * logger bound to the request id, turns every error into a JSON `{code, message}` answer with
 * its status (src/api/errors.ts), and logs one line per request.
 */
import { randomUUID } from 'node:crypto';
import { getRuntime } from '../runtime.js';
import { createLogger } from '../log.js';
import { toApiError } from './errors.js';
import { errorResult, type HttpApiEvent, type HttpApiResult } from './http.js';
import type { Operation, OperationId } from './operations.js';

export type HttpHandler = (event: HttpApiEvent) => Promise<HttpApiResult>;

export function httpHandler(operationId: OperationId, op: Operation): HttpHandler {
  return async (event) => {
    const requestId = event?.requestContext?.requestId || randomUUID();
    const log = createLogger({ service: 'media-transcoder', step: 'api', operation: operationId, requestId });
    const http = event?.requestContext?.http;
    const started = Date.now();
    try {
      const res = await op({ event, rt: getRuntime(), log, requestId });
      res.headers['x-request-id'] = requestId;
      log.info('request', { method: http?.method, path: http?.path, status: res.statusCode, ms: Date.now() - started });
      return res;
    } catch (err) {
      const e = toApiError(err);
      const fields = { method: http?.method, path: http?.path, status: e.status, code: e.code, ms: Date.now() - started };
      if (e.status >= 500) log.error('request failed', { ...fields, error: err });
      else log.info('request refused', { ...fields, message: e.message });
      return errorResult(e, requestId);
    }
  };
}
