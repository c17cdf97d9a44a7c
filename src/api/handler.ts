/**
 * Defines the function behind an HTTP API route: the operation gets the runtime and a logger
 * bound to the request id and the Lambda context; every error becomes a JSON `{code, message}`
 * answer with its status (src/api/errors.ts); one log line per request.
 */
import { randomUUID } from 'node:crypto';
import type { FunctionDefinition } from '../pipeline/handler.js';
import { toApiError } from './errors.js';
import { errorResult, type HttpApiEvent, type HttpApiResult } from './http.js';
import type { Operation, OperationId } from './operations.js';

/** The serverless.yml function of each operation (`api` + the operation id, capitalized). */
export const apiFunctionName = (op: OperationId) => `api${op[0].toUpperCase()}${op.slice(1)}`;

/** The function definition of an operation. */
export function httpFunction(operationId: OperationId, op: Operation): FunctionDefinition<HttpApiResult> {
  const name = apiFunctionName(operationId);
  return {
    name,
    async invoke(rt, raw, ctx) {
      const event = raw as HttpApiEvent;
      const requestId = event?.requestContext?.requestId || ctx?.awsRequestId || randomUUID();
      const cold = !rt.warm.has(name);
      rt.warm.add(name);
      const log = rt.log.forInvocation(
        { functionName: `${rt.config.SERVICE_NAME}-${name}`, ...ctx, awsRequestId: ctx?.awsRequestId ?? requestId },
        cold,
        { step: 'api', operation: operationId, requestId },
      );
      const metrics = rt.metrics.forInvocation(name);
      const http = event?.requestContext?.http;
      const started = Date.now();
      try {
        const res = await op({ event, rt, log, requestId, metrics });
        res.headers['x-request-id'] = requestId;
        log.info('request', {
          method: http?.method,
          path: http?.path,
          status: res.statusCode,
          ms: Date.now() - started,
        });
        return res;
      } catch (err) {
        const e = toApiError(err);
        const fields = {
          method: http?.method,
          path: http?.path,
          status: e.status,
          code: e.code,
          ms: Date.now() - started,
        };
        if (e.status >= 500) log.error('request failed', { ...fields, error: err });
        else log.info('request refused', { ...fields, message: e.message });
        return errorResult(e, requestId);
      } finally {
        metrics.flush();
      }
    },
  };
}
