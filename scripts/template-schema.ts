/**
 * Writes the template's JSON Schema, generated from the zod schema, to
 * docs/schemas/template.schema.json and docs/openapi.json (`components.schemas.Template`).
 * Run: `npx tsx scripts/template-schema.ts`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { templateJsonSchema } from '../src/templates/jsonSchema.js';

const root = new URL('../', import.meta.url);
const schema = templateJsonSchema();
writeFileSync(new URL('docs/schemas/template.schema.json', root), JSON.stringify({ $schema: 'https://json-schema.org/draft/2020-12/schema', $id: 'template.schema.json', title: 'Template', ...schema }, null, 2) + '\n');
const api = JSON.parse(readFileSync(new URL('docs/openapi.json', root), 'utf8')) as { components: { schemas: Record<string, unknown> } };
api.components.schemas.Template = schema;
writeFileSync(new URL('docs/openapi.json', root), JSON.stringify(api, null, 2) + '\n');
