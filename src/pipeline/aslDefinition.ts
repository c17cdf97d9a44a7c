/**
 * The state machine's definition as it runs: statemachines/transcode.asl.json (the source, with
 * `${Name}` placeholders for ARNs and no Retry) plus the Retry policy of every Task inserted from
 * src/pipeline/retryPolicy.ts. The local stack loads it from here with its placeholders resolved;
 * `npm run package` writes it (placeholders kept, CloudFormation fills them) for serverless.yml.
 */
import { readFileSync } from 'node:fs';
import { withRetryPolicies } from './retryPolicy.js';

/** The source ASL file. */
export const ASL_PATH = new URL('../../statemachines/transcode.asl.json', import.meta.url);

/** The packaged definition, relative to the project root (serverless.yml's `definition:` reads it). */
export const PACKAGED_ASL = 'dist/statemachines/transcode.asl.json';

/** A Task state of a definition, by name, with its Resource. */
export interface TaskState {
  name: string;
  resource: string;
  state: Record<string, unknown>;
}

/** Every Task state of a definition (Parallel branches and Map processors included). */
export function taskStates(def: { States: Record<string, unknown> }): TaskState[] {
  const out: TaskState[] = [];
  const walk = (states: Record<string, unknown>) => {
    for (const [name, raw] of Object.entries(states)) {
      const st = raw as Record<string, unknown> & {
        Type: string;
        Resource?: string;
        Branches?: { States: Record<string, unknown> }[];
        ItemProcessor?: { States: Record<string, unknown> };
        Iterator?: { States: Record<string, unknown> };
      };
      if (st.Type === 'Task') out.push({ name, resource: String(st.Resource ?? ''), state: st });
      for (const b of st.Branches ?? []) walk(b.States);
      const inner = st.ItemProcessor ?? st.Iterator;
      if (inner) walk(inner.States);
    }
  };
  walk(def.States);
  return out;
}

/** The raw source ASL text (placeholders unresolved, no Retry). */
export const readDefinitionText = (file: URL | string = ASL_PATH) => readFileSync(file, 'utf8');

/** The `${Name}` placeholders an ASL text uses. */
export const placeholdersIn = (text: string) =>
  [...new Set([...text.matchAll(/\$\{([A-Za-z0-9]+)\}/g)].map((m) => m[1]))].sort();

/** The definition as deployed, before CloudFormation's substitutions: the source with every Task's Retry. */
export function packagedDefinition(
  file: URL | string = ASL_PATH,
): { States: Record<string, unknown> } & Record<string, unknown> {
  return withRetryPolicies(JSON.parse(readDefinitionText(file)) as { States: Record<string, unknown> });
}

/**
 * The definition with its `${Name}` placeholders resolved, as CloudFormation's
 * DefinitionSubstitutions do at deploy time, and every Task's Retry; an unknown placeholder is an error.
 */
export function loadDefinition(values: Record<string, string>, file: URL | string = ASL_PATH): Record<string, unknown> {
  const text = readDefinitionText(file).replace(/\$\{([A-Za-z0-9]+)\}/g, (_, name: string) => {
    if (!(name in values)) throw new Error(`ASL placeholder \${${name}} has no value`);
    return values[name];
  });
  return withRetryPolicies(JSON.parse(text) as { States: Record<string, unknown> });
}
