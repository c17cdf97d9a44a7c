/**
 * docs/openapi.json as a test oracle: its routes, and a validator of real responses against
 * the response schema the document gives for that route and status (ajv, JSON Schema 2020-12
 * as OpenAPI 3.1 uses).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';

export const OPENAPI_FILE = fileURLToPath(new URL('../../docs/openapi.json', import.meta.url));

/* eslint-disable @typescript-eslint/no-explicit-any */
export type OpenApiDoc = {
  paths: Record<string, Record<string, any>>;
  components: { schemas: Record<string, any>; responses?: Record<string, any> };
} & Record<string, any>;

export const loadOpenApi = (): OpenApiDoc => JSON.parse(readFileSync(OPENAPI_FILE, 'utf8')) as OpenApiDoc;

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];

/** Every `METHOD /path` of the document with its operationId. */
export function documentedRoutes(doc: OpenApiDoc): { method: string; path: string; operationId: string }[] {
  const out: { method: string; path: string; operationId: string }[] = [];
  for (const [p, item] of Object.entries(doc.paths)) {
    for (const m of Object.keys(item))
      if (METHODS.includes(m)) out.push({ method: m.toUpperCase(), path: p, operationId: item[m].operationId });
  }
  return out;
}

/** Replaces `#/components/schemas/X` refs by `api#/$defs/X` so the schemas compile on their own. */
function rewriteRefs(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(rewriteRefs);
  if (v && typeof v === 'object') {
    const o: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v))
      o[k] = k === '$ref' && typeof x === 'string' ? x.replace('#/components/schemas/', 'api#/$defs/') : rewriteRefs(x);
    return o;
  }
  return v;
}

export interface ResponseValidator {
  /** Throws when the body does not match the document's schema for that route and status. */
  check(method: string, pathTemplate: string, status: number, body: unknown): void;
}

export function responseValidator(doc: OpenApiDoc = loadOpenApi()): ResponseValidator {
  const ajv = new Ajv2020({ strict: true, allErrors: true });
  const addFormats = addFormatsModule as unknown as (a: Ajv2020) => void;
  (typeof addFormats === 'function'
    ? addFormats
    : (addFormatsModule as unknown as { default: (a: Ajv2020) => void }).default)(ajv);
  ajv.addSchema({ $id: 'api', $defs: rewriteRefs(doc.components.schemas) as Record<string, object> });
  const cache = new Map<string, ValidateFunction>();
  const resolveResponse = (r: any) => (r?.$ref ? doc.components.responses?.[String(r.$ref).split('/').pop()!] : r);
  return {
    check(method, pathTemplate, status, body) {
      const op = doc.paths[pathTemplate]?.[method.toLowerCase()];
      if (!op) throw new Error(`the document has no ${method} ${pathTemplate}`);
      const response = resolveResponse(
        op.responses[String(status)] ?? op.responses[`${String(status)[0]}XX`] ?? op.responses.default,
      );
      if (!response) throw new Error(`${method} ${pathTemplate}: status ${status} is not documented`);
      const schema = response.content?.['application/json']?.schema;
      if (!schema) throw new Error(`${method} ${pathTemplate} ${status}: no JSON schema`);
      const key = `${method} ${pathTemplate} ${status}`;
      let validate = cache.get(key);
      if (!validate) {
        validate = ajv.compile(rewriteRefs(schema) as object);
        cache.set(key, validate);
      }
      if (!validate(body))
        throw new Error(
          `${key}: response does not match docs/openapi.json: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(body).slice(0, 2000)}`,
        );
    },
  };
}
