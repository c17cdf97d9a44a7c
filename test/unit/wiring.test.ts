/**
 * Wiring is derived, not listed: the one function list (src/local/functions.ts) against the
 * ASL's placeholders, serverless.yml's functions and DefinitionSubstitutions, and the one
 * Retry policy (src/pipeline/retryPolicy.ts) against every Task of the ASL.
 */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import YAML from 'yaml';
import { ALL_FUNCTIONS, TASK_FUNCTIONS, placeholderOf } from '../../src/local/functions.js';
import { ASL_PATH, loadDefinition, localSubstitutions, localTaskHandlers, placeholdersIn, readDefinitionText, taskStates } from '../../src/local/stepFunctions.js';
import { retryPolicyOf, RETRY_POLICY, TRANSIENT_ERROR_NAMES } from '../../src/pipeline/retryPolicy.js';
import { PERMANENT_ERROR_NAMES } from '../../src/errors.js';

/** serverless.yml with CloudFormation's short-form tags (!GetAtt, !Ref, ...) read as plain values. */
function readServerless(): Record<string, unknown> & { functions: Record<string, unknown>; resources: { extensions: Record<string, { Properties: { DefinitionSubstitutions: Record<string, unknown> } }> } } {
  const tags = ['GetAtt', 'Ref', 'Sub', 'If', 'Equals', 'Not', 'Join', 'Select', 'Split', 'Condition', 'FindInMap', 'And', 'Or', 'ImportValue', 'GetAZs', 'Base64', 'Cidr'].flatMap((t) =>
    [{ tag: `!${t}`, resolve: (v: unknown) => v }, ...(['seq', 'map'] as const).map((collection) => ({ tag: `!${t}`, collection, resolve: (v: unknown) => v }))],
  );
  return YAML.parse(readFileSync(new URL('../../serverless.yml', import.meta.url), 'utf8'), { customTags: tags as never }) as never;
}

describe('wiring derived from one function list', () => {
  const text = readDefinitionText();
  const sls = readServerless();

  it('serverless.yml declares exactly the functions of the list, and functions/ holds exactly their sources', () => {
    assert.deepEqual(Object.keys(sls.functions).sort(), ALL_FUNCTIONS.map((f) => f.name).sort());
    const sources = [
      ...readdirSync(new URL('../../functions', import.meta.url)).filter((f) => f.endsWith('.ts')).map((f) => f.replace(/\.ts$/, '')),
      ...readdirSync(new URL('../../functions/api', import.meta.url)).map((f) => `api${f[0].toUpperCase()}${f.slice(1).replace(/\.ts$/, '')}`),
    ];
    assert.deepEqual(sources.sort(), ALL_FUNCTIONS.map((f) => f.name).sort());
  });

  it("the ASL's function placeholders are the Task functions', and serverless.yml substitutes exactly the ASL's placeholders", () => {
    const fnPlaceholders = placeholdersIn(text).filter((p) => p.endsWith('FunctionArn'));
    assert.deepEqual(fnPlaceholders, TASK_FUNCTIONS.map((f) => placeholderOf(f.name)).sort());
    const subs = Object.values(sls.resources.extensions).find((r) => r.Properties?.DefinitionSubstitutions)!.Properties.DefinitionSubstitutions;
    assert.deepEqual(Object.keys(subs).sort(), placeholdersIn(text));
    assert.deepEqual(Object.keys(localSubstitutions('work')).sort(), placeholdersIn(text));
    for (const f of TASK_FUNCTIONS) assert.match(JSON.stringify(subs[placeholderOf(f.name)]), new RegExp(`${f.name[0].toUpperCase()}${f.name.slice(1)}LambdaFunction`), f.name);
  });

  it('every Task state gets a local handler from its Resource; an unknown resource is refused', () => {
    const def = loadDefinition(localSubstitutions('work'));
    const handlers = localTaskHandlers(def, () => undefined as never);
    assert.deepEqual(Object.keys(handlers).sort(), taskStates(def as never).map((t) => t.name).sort());
    const bad = JSON.parse(JSON.stringify(def).replace(/media-transcoder-local-split/g, 'media-transcoder-local-nosuch'));
    assert.throws(() => localTaskHandlers(bad, () => undefined as never), /Task Split: no local function/);
  });

  it('every Task carries the one Retry policy (EcsSubmit: with its capacity retrier)', () => {
    const tasks = taskStates(JSON.parse(readFileSync(ASL_PATH, 'utf8')));
    assert.ok(tasks.length >= 12);
    for (const t of tasks) assert.deepEqual(t.state.Retry, retryPolicyOf(t.name), `${t.name}: Retry differs from src/pipeline/retryPolicy.ts`);
  });

  it("the ASL's permanent error names are src/errors.ts PERMANENT_ERROR_NAMES, never retried, and no transient name is permanent", () => {
    assert.deepEqual(RETRY_POLICY[0], { ErrorEquals: [...PERMANENT_ERROR_NAMES], MaxAttempts: 0 });
    assert.ok(PERMANENT_ERROR_NAMES.includes('EncoderError' as never));
    for (const n of TRANSIENT_ERROR_NAMES) assert.ok(!(PERMANENT_ERROR_NAMES as readonly string[]).includes(n));
  });
});
