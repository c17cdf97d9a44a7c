/**
 * The JSON Schema of a template document, generated from the one zod schema (schema.ts): what
 * docs/schemas/template.schema.json and docs/openapi.json's `Template` hold (`npm run generate`
 * writes both; test/unit/templates-docs.test.ts checks they are current). The cross-field rules
 * (checkTemplate) are not expressible here: they are stated in the descriptions and docs/TEMPLATES.md.
 */
import { z } from 'zod';
import { TemplateSchema } from './schema.js';

/** The template's JSON Schema (2020-12, as OpenAPI 3.1 uses), for a document as written (defaults optional). */
export function templateJsonSchema(): Record<string, unknown> {
  const { $schema: _s, ...schema } = z.toJSONSchema(TemplateSchema, { io: 'input', unrepresentable: 'any' }) as Record<
    string,
    unknown
  >;
  return schema;
}
