/**
 * The local stand-in for API Gateway: a Node HTTP server on a loopback address that turns each
 * request into an HTTP API v2 event (payload format 2.0), picks the route as API Gateway would,
 * calls the same handler module the route's Lambda runs (functions/api/*.ts) and writes the
 * structured result back. No authorizer runs locally: the server only listens on loopback and
 * answers only requests whose Host is a loopback name (no DNS-rebinding from a browser page).
 */
import http from 'node:http';
import { isUtf8 } from 'node:buffer';
import net from 'node:net';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../log.js';
import type { Runtime } from '../runtime.js';
import { ApiError, toApiError } from '../api/errors.js';
import { errorResult, jsonResult, MAX_BODY_BYTES, type HttpApiEvent, type HttpApiResult } from '../api/http.js';
import { matchRoute } from '../api/router.js';
import { routeKey } from '../api/routes.js';
import type { OperationId } from '../api/operations.js';
import { API_FUNCTIONS } from './functions.js';
import { listenOn } from './listen.js';

/** What answers one route: the route's function, invoked with the local runtime. */
export type HttpHandler = (event: HttpApiEvent) => Promise<HttpApiResult>;

/** The handler of each route: the same function definitions the cloud's Lambdas run. */
export function localApiHandlers(rt: Runtime): Record<OperationId, HttpHandler> {
  const out = {} as Record<OperationId, HttpHandler>;
  for (const [op, def] of Object.entries(API_FUNCTIONS) as [OperationId, (typeof API_FUNCTIONS)[OperationId]][])
    out[op] = (event) => def.invoke(rt, event);
  return out;
}

/** Bodies that API Gateway hands over as text; anything else is base64 (isBase64Encoded). */
const TEXT_TYPE = /^(text\/|application\/(json|[a-z0-9.+-]*\+json|xml|x-www-form-urlencoded|javascript)\b)/i;

/** Whether an address is loopback (the only kind the local API binds). */
export function isLoopbackAddress(address: string): boolean {
  const a = address.replace(/^\[|\]$/g, '');
  return a === 'localhost' || a === '::1' || (net.isIPv4(a) && a.startsWith('127.'));
}

/** Builds the HTTP API v2 event of a request (pure, for tests). */
export function toHttpApiEvent(p: {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  sourceIp?: string;
  now?: Date;
}): HttpApiEvent {
  const u = new URL(p.url, 'http://local');
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(p.headers)) {
    if (v === undefined || k === 'cookie') continue;
    headers[k.toLowerCase()] = Array.isArray(v) ? v.join(',') : v;
  }
  const query: Record<string, string> = {};
  for (const [k, v] of u.searchParams) query[k] = k in query ? `${query[k]},${v}` : v;
  const now = p.now ?? new Date();
  // A text body is handed over as a string: bytes that are not UTF-8 would be replaced by
  // U+FFFD on the way and the handler could not refuse them (400 INVALID_JSON), so such a body
  // goes as base64, as API Gateway hands over any body it does not treat as text.
  const text = p.body.length === 0 || (TEXT_TYPE.test(headers['content-type'] ?? '') && isUtf8(p.body));
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: u.pathname,
    rawQueryString: u.search.replace(/^\?/, ''),
    headers,
    ...(Object.keys(query).length ? { queryStringParameters: query } : {}),
    ...(p.body.length ? { body: text ? p.body.toString('utf8') : p.body.toString('base64') } : {}),
    isBase64Encoded: !text,
    requestContext: {
      requestId: randomUUID(),
      routeKey: '$default',
      stage: '$default',
      time: now.toISOString(),
      timeEpoch: now.getTime(),
      domainName: headers.host,
      http: {
        method: p.method.toUpperCase(),
        path: u.pathname,
        protocol: 'HTTP/1.1',
        sourceIp: p.sourceIp ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
    },
  };
}

/** Routes an event to its handler, as API Gateway does (route key and path parameters filled in). */
export async function dispatch(
  event: HttpApiEvent,
  handlers: Record<OperationId, HttpHandler>,
): Promise<HttpApiResult> {
  let match: ReturnType<typeof matchRoute>;
  try {
    match = matchRoute(event.requestContext.http.method, event.rawPath);
  } catch (err) {
    return errorResult(toApiError(err), event.requestContext.requestId);
  }
  const key = routeKey(match.route);
  return handlers[match.route.operationId]({
    ...event,
    routeKey: key,
    pathParameters: match.pathParameters,
    requestContext: { ...event.requestContext, routeKey: key },
  });
}

/**
 * Reads a request body, keeping at most `limit + 1` bytes: enough for the handler to see that
 * the body is too large (413) without holding an unbounded body in memory. The rest is drained.
 */
function readBody(req: http.IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let kept = 0;
    req.on('data', (c: Buffer) => {
      if (kept > limit) return;
      const take = c.subarray(0, limit + 1 - kept);
      chunks.push(take);
      kept += take.length;
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function send(res: http.ServerResponse, result: HttpApiResult): void {
  const body = result.isBase64Encoded ? Buffer.from(result.body, 'base64') : Buffer.from(result.body ?? '', 'utf8');
  res.writeHead(result.statusCode, { ...result.headers, 'content-length': String(body.length) });
  res.end(body);
}

export interface ApiServerOptions {
  /** Loopback only: 127.0.0.1 (default), ::1 or localhost. */
  address?: string;
  /** 0 picks a free port. Default 3000. */
  port?: number;
  /** The runtime the route functions run with (the local stack's). */
  rt: Runtime;
  /** Replaces the route functions (tests). */
  handlers?: Record<OperationId, HttpHandler>;
  log?: Logger;
}

export interface ApiServer {
  url: string;
  address: string;
  port: number;
  close(): Promise<void>;
}

/** Starts the local HTTP API. */
export async function startApiServer(opts: ApiServerOptions): Promise<ApiServer> {
  const address = opts.address ?? '127.0.0.1';
  if (!isLoopbackAddress(address))
    throw new Error(
      `the local API has no authentication and only listens on loopback (127.0.0.1, ::1, localhost); refused address ${address}`,
    );
  const handlers = opts.handlers ?? localApiHandlers(opts.rt);
  const log = opts.log ?? opts.rt.log.logger({ step: 'api-server' });
  const server = http.createServer(async (req, res) => {
    try {
      const hostname = (() => {
        try {
          return new URL(`http://${req.headers.host ?? ''}`).hostname;
        } catch {
          return '';
        }
      })();
      if (!isLoopbackAddress(hostname)) {
        req.resume();
        return send(
          res,
          errorResult(
            new ApiError(
              'FORBIDDEN_HOST',
              'the local API answers only requests to a loopback host (127.0.0.1, localhost, [::1])',
            ),
          ),
        );
      }
      const body = await readBody(req, MAX_BODY_BYTES);
      const event = toHttpApiEvent({
        method: req.method ?? 'GET',
        url: req.url ?? '/',
        headers: req.headers,
        body,
        sourceIp: req.socket.remoteAddress,
      });
      send(res, await dispatch(event, handlers));
    } catch (err) {
      log.error('local API adapter failed', { error: err });
      if (!res.headersSent) send(res, jsonResult(500, { code: 'INTERNAL', message: 'internal error' }));
      else res.destroy();
    }
  });
  server.requestTimeout = 60_000;
  server.headersTimeout = 20_000;
  const port = opts.port ?? 3000;
  await listenOn(server, () => server.listen(port, address), { endpoint: 'HTTP API', address, port });
  const info = server.address() as AddressInfo;
  const host = info.family === 'IPv6' ? `[${info.address}]` : info.address;
  return {
    url: `http://${host}:${info.port}`,
    address: info.address,
    port: info.port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}
