/**
 * Route matching for the local server (API Gateway does this in the cloud): the method and the
 * path select a route; `{name}` segments become path parameters, percent-decoded as API Gateway
 * does.
 */
import { ApiError } from './errors.js';
import { ROUTES, type Route } from './routes.js';

export interface RouteMatch {
  route: Route;
  pathParameters: Record<string, string>;
}

function matchPath(template: string, path: string): Record<string, string> | undefined {
  const t = template.split('/');
  const p = path.split('/');
  if (t.length !== p.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < t.length; i++) {
    const m = /^\{([A-Za-z0-9_]+)\}$/.exec(t[i]);
    if (m) {
      if (!p[i]) return undefined;
      try {
        params[m[1]] = decodeURIComponent(p[i]);
      } catch {
        return undefined;
      }
    } else if (t[i] !== p[i]) return undefined;
  }
  return params;
}

/** The route of a request; NOT_FOUND, or METHOD_NOT_ALLOWED (with an Allow header) when only the method differs. */
export function matchRoute(method: string, path: string, routes: readonly Route[] = ROUTES): RouteMatch {
  const allowed: string[] = [];
  for (const route of routes) {
    const params = matchPath(route.path, path);
    if (!params) continue;
    if (route.method === method.toUpperCase()) return { route, pathParameters: params };
    allowed.push(route.method);
  }
  if (allowed.length)
    throw new ApiError('METHOD_NOT_ALLOWED', `${method} is not allowed on ${path}; allowed: ${allowed.join(', ')}`, {
      headers: { allow: allowed.join(', ') },
    });
  throw new ApiError('NOT_FOUND', `no route ${method} ${path.slice(0, 200)}`);
}
