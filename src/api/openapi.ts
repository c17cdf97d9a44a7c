/**
 * docs/openapi.json, assembled from the code: one operation per route of src/api/routes.ts (its
 * prose from src/api/openapiOperations.ts), the component schemas from the zod schemas of
 * src/api/documentSchemas.ts through zod's `z.toJSONSchema` (JSON Schema 2020-12, what OpenAPI
 * 3.1 uses). `npm run generate` writes it; test/unit/wiring.test.ts fails when the file is stale.
 */
import { z } from 'zod';
import { ROUTES } from './routes.js';
import * as documentSchemas from './documentSchemas.js';
import { DOCUMENT_HEAD, OPERATION_DOCS, SHARED_COMPONENTS } from './openapiOperations.js';

/** Where a component schema lives in the document. */
const componentRef = (id: string) => `#/components/schemas/${id}`;

/** The component schemas, by name, as JSON Schema. */
export function componentSchemas(): Record<string, Record<string, unknown>> {
  const registry = z.registry<{ id: string }>();
  for (const s of Object.values(documentSchemas)) {
    const meta = z.globalRegistry.get(s);
    if (!meta?.id) throw new Error('src/api/documentSchemas.ts: every export needs meta({ id })');
    registry.add(s, { ...meta, id: meta.id });
  }
  const { schemas } = z.toJSONSchema(registry, {
    target: 'draft-2020-12',
    uri: componentRef,
    io: 'input',
    unrepresentable: 'any',
  });
  // Each comes out as a standalone document; inside components it is a plain schema.
  return Object.fromEntries(
    Object.entries(schemas).map(([id, { $schema: _s, $id: _i, ...schema }]) => [id, schema as Record<string, unknown>]),
  );
}

/** Every `$ref` of a value. */
function refsIn(v: unknown, out: string[] = []): string[] {
  if (Array.isArray(v)) v.forEach((x) => refsIn(x, out));
  else if (v && typeof v === 'object')
    for (const [k, x] of Object.entries(v)) k === '$ref' && typeof x === 'string' ? out.push(x) : refsIn(x, out);
  return out;
}

/** The OpenAPI 3.1 document of the HTTP API; a `$ref` to a missing component is an error. */
export function buildOpenApiDocument(): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of ROUTES)
    (paths[r.path] ??= {})[r.method.toLowerCase()] = { operationId: r.operationId, ...OPERATION_DOCS[r.operationId] };
  const doc = { ...DOCUMENT_HEAD, paths, components: { ...SHARED_COMPONENTS, schemas: componentSchemas() } };
  const known = new Set([
    ...Object.keys(doc.components.schemas).map(componentRef),
    ...Object.keys(SHARED_COMPONENTS.responses).map((n) => `#/components/responses/${n}`),
  ]);
  const missing = [...new Set(refsIn(doc))].filter((ref) => !known.has(ref));
  if (missing.length) throw new Error(`docs/openapi.json would refer to missing components: ${missing.join(', ')}`);
  return doc;
}
