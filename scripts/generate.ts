/**
 * `npm run generate [-- --check]`: writes the files derived from the code, so none is kept by hand.
 *
 * - serverless.yml's generated regions (src/deploy/serverlessWiring.ts): the `functions:`
 *   entries from each function module's `deploy`, the state machine role's InvokeSteps and the
 *   DefinitionSubstitutions of the Task functions.
 * - docs/openapi.json (src/api/openapi.ts): the routes of src/api/routes.ts, the component
 *   schemas from zod (src/api/documentSchemas.ts) through `z.toJSONSchema`.
 * - docs/schemas/job-event.schema.json from zod (src/pipeline/eventSchema.ts), the same way.
 * - docs/schemas/template.schema.json from the template's zod schema (src/templates/jsonSchema.ts).
 *
 * With `--check` nothing is written; it lists the stale files and exits 1 (CI, tests).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderServerlessYml } from '../src/deploy/serverlessWiring.js';
import { buildOpenApiDocument } from '../src/api/openapi.js';
import { jobEventJsonSchema } from '../src/pipeline/eventSchema.js';
import { templateJsonSchema } from '../src/templates/jsonSchema.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** One generated file: where it lives and its content rendered from the current code. */
export interface GeneratedFile {
  file: string;
  render(current: string): string;
}

/** Every generated file of the project. */
export const GENERATED: readonly GeneratedFile[] = [
  { file: 'serverless.yml', render: (current) => renderServerlessYml(current) },
  { file: 'docs/openapi.json', render: () => `${JSON.stringify(buildOpenApiDocument(), null, 2)}\n` },
  { file: 'docs/schemas/job-event.schema.json', render: () => `${JSON.stringify(jobEventJsonSchema(), null, 2)}\n` },
  {
    file: 'docs/schemas/template.schema.json',
    render: () =>
      `${JSON.stringify(
        {
          $schema: 'https://json-schema.org/draft/2020-12/schema',
          $id: 'template.schema.json',
          title: 'Template',
          ...templateJsonSchema(),
        },
        null,
        2,
      )}\n`,
  },
];

/** The generated files whose checked-in content differs from what the code renders now. */
export function staleFiles(root = ROOT): string[] {
  return GENERATED.filter((g) => {
    const current = readFileSync(path.join(root, g.file), 'utf8');
    return g.render(current) !== current;
  }).map((g) => g.file);
}

function main(): void {
  const check = process.argv.includes('--check');
  if (check) {
    const stale = staleFiles();
    if (stale.length) {
      console.error(`stale generated files (run npm run generate): ${stale.join(', ')}`);
      process.exit(1);
    }
    console.log(`generated files current: ${GENERATED.map((g) => g.file).join(', ')}`);
    return;
  }
  for (const g of GENERATED) {
    const file = path.join(ROOT, g.file);
    const current = readFileSync(file, 'utf8');
    const next = g.render(current);
    if (next !== current) writeFileSync(file, next);
    console.log(`${next === current ? 'current' : 'written'}: ${g.file}`);
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
