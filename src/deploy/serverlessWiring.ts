/**
 * The parts of serverless.yml derived from the function modules (src/local/functions.ts): the
 * `functions:` entries, the state machine role's InvokeSteps list and the state machine's
 * DefinitionSubstitutions of function ARNs. Each sits between marker comments in serverless.yml
 * (`# >>> generated: <region>` ... `# <<< generated`); `npm run generate` rewrites them and
 * test/unit/wiring.test.ts fails when the checked-in file differs from what this renders.
 * Kept in the YAML file (not a serverless.ts) so the rest of the template keeps its anchors,
 * short-form tags and comments, and `serverless package` reads the file it always has.
 */
import YAML from 'yaml';
import {
  ALL_MODULES,
  TASK_FUNCTIONS,
  lambdaLogicalId,
  placeholderOf,
  type FunctionModule,
} from '../local/functions.js';
import { ROUTES, functionName } from '../api/routes.js';
import { FFMPEG_LAYER, HTTP_ROUTE_AUTHORIZER, type TemplateValue } from './functionDeploy.js';

/** Where the bundler writes a function (scripts/build-functions.ts). */
const bundleDir = (name: string) => `dist/lambda/${name}`;

/** A function's serverless.yml entry. */
export function functionEntry(m: FunctionModule): Record<string, TemplateValue> {
  const { name } = m.definition;
  const d = m.deploy;
  const http = ROUTES.filter((r) => functionName(r.operationId) === name).map((r) => ({
    httpApi: { method: r.method, path: r.path, authorizer: HTTP_ROUTE_AUTHORIZER },
  }));
  const events = [...(d.events ?? []), ...http];
  const entry: Record<string, TemplateValue | undefined> = {
    handler: `${bundleDir(name)}/index.handler`,
    package: { patterns: [`${bundleDir(name)}/**`] },
    role: d.role,
    layers: d.ffmpegLayer ? [FFMPEG_LAYER] : undefined,
    memorySize: d.memorySize,
    timeout: d.timeout,
    ephemeralStorageSize: d.ephemeralStorageSize,
    environment: d.environment,
    maximumRetryAttempts: d.maximumRetryAttempts,
    maximumEventAge: d.maximumEventAge,
    destinations: d.destinations,
    events: events.length ? events : undefined,
  };
  return Object.fromEntries(Object.entries(entry).filter(([, v]) => v !== undefined)) as Record<string, TemplateValue>;
}

/** Words of a comment as `# ` lines of at most about 100 characters. */
function commentLines(text: string): string[] {
  const out: string[] = [];
  let line = '#';
  for (const word of text.split(/\s+/)) {
    if (line.length + word.length + 1 > 100 && line !== '#') {
      out.push(line);
      line = '#';
    }
    line += ` ${word}`;
  }
  return line === '#' ? out : [...out, line];
}

/** YAML of a value, one line per element; no anchors (each entry reads on its own). */
const toYaml = (v: unknown) => YAML.stringify(v, { lineWidth: 0, aliasDuplicateObjects: false }).trimEnd().split('\n');

/** The generated regions, by name: lines without the marker's indentation. */
export function renderRegions(modules: readonly FunctionModule[] = ALL_MODULES): Record<string, string[]> {
  return {
    functions: modules.flatMap((m) => [
      ...(m.deploy.comment ? commentLines(m.deploy.comment) : []),
      `${m.definition.name}:`,
      ...toYaml(functionEntry(m)).map((l) => `  ${l}`),
    ]),
    'invoke-steps': TASK_FUNCTIONS.map((f) => `- !GetAtt ${lambdaLogicalId(f.name)}.Arn`),
    'definition-substitutions': TASK_FUNCTIONS.map(
      (f) => `${placeholderOf(f.name)}: !GetAtt ${lambdaLogicalId(f.name)}.Arn`,
    ),
  };
}

const START = /^(\s*)# >>> generated: ([a-z-]+)\b.*$/;
const END = /^\s*# <<< generated$/;

/**
 * serverless.yml's text with every generated region rendered afresh. A region the file lacks, or
 * one it has that nothing renders, is an error: the markers are part of the contract.
 */
export function renderServerlessYml(text: string, regions: Record<string, string[]> = renderRegions()): string {
  const lines = text.split('\n');
  const out: string[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < lines.length; i++) {
    const m = START.exec(lines[i]);
    out.push(lines[i]);
    if (!m) continue;
    const [, indent, name] = m;
    const body = regions[name];
    if (!body) throw new Error(`serverless.yml line ${i + 1}: no generated region named ${name}`);
    let j = i + 1;
    while (j < lines.length && !END.test(lines[j])) j++;
    if (j === lines.length)
      throw new Error(`serverless.yml line ${i + 1}: region ${name} has no "# <<< generated" end`);
    out.push(...body.map((l) => (l ? indent + l : l)), lines[j]);
    seen.add(name);
    i = j;
  }
  const missing = Object.keys(regions).filter((r) => !seen.has(r));
  if (missing.length) throw new Error(`serverless.yml has no "# >>> generated: ${missing.join('/')}" region`);
  return out.join('\n');
}
