/**
 * Wiring is derived, not listed: the one function list (src/local/functions.ts) against the
 * ASL's placeholders, serverless.yml's functions and DefinitionSubstitutions, and the one
 * Retry policy (src/pipeline/retryPolicy.ts) against every Task of the ASL.
 */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import YAML from 'yaml';
import { ALL_FUNCTIONS, ALL_MODULES, TASK_FUNCTIONS, placeholderOf } from '../../src/local/functions.js';
import { renderRegions, renderServerlessYml } from '../../src/deploy/serverlessWiring.js';
import { staleFiles } from '../../scripts/generate.js';
import { ROUTES, functionName, routeKey } from '../../src/api/routes.js';
import {
  ASL_PATH,
  loadDefinition,
  localSubstitutions,
  localTaskHandlers,
  placeholdersIn,
  readDefinitionText,
  taskStates,
} from '../../src/local/stepFunctions.js';
import {
  retryPolicyOf,
  withRetryPolicies,
  RETRY_POLICY,
  TRANSIENT_ERROR_NAMES,
} from '../../src/pipeline/retryPolicy.js';
import { packagedDefinition } from '../../src/pipeline/aslDefinition.js';
import { CFN_TAGS } from '../../src/local/lambdaLimits.js';
import { PERMANENT_ERROR_NAMES } from '../../src/errors.js';

/** serverless.yml with CloudFormation's short-form tags (!GetAtt, !Ref, ...) read as plain values. */
function readServerless(): Record<string, unknown> & {
  functions: Record<string, unknown>;
  resources: { extensions: Record<string, { Properties: { DefinitionSubstitutions: Record<string, unknown> } }> };
} {
  return YAML.parse(readFileSync(new URL('../../serverless.yml', import.meta.url), 'utf8'), {
    customTags: CFN_TAGS as never,
  }) as never;
}

describe('wiring derived from one function list', () => {
  const text = readDefinitionText();
  const sls = readServerless();

  it('serverless.yml declares exactly the functions of the list, and functions/ holds exactly their sources', () => {
    assert.deepEqual(Object.keys(sls.functions).sort(), ALL_FUNCTIONS.map((f) => f.name).sort());
    const sources = [
      ...readdirSync(new URL('../../functions', import.meta.url))
        .filter((f) => f.endsWith('.ts'))
        .map((f) => f.replace(/\.ts$/, '')),
      ...readdirSync(new URL('../../functions/api', import.meta.url)).map(
        (f) => `api${f[0].toUpperCase()}${f.slice(1).replace(/\.ts$/, '')}`,
      ),
    ];
    assert.deepEqual(sources.sort(), ALL_FUNCTIONS.map((f) => f.name).sort());
  });

  it("serverless.yml's functions, InvokeSteps and DefinitionSubstitutions are what the function modules render (npm run generate)", () => {
    const text = readFileSync(new URL('../../serverless.yml', import.meta.url), 'utf8');
    assert.equal(renderServerlessYml(text), text, 'serverless.yml is stale: run npm run generate');
    assert.deepEqual(staleFiles(), [], 'generated files are stale: run npm run generate');
    // A changed setting makes the checked-in file stale: what the check above would catch.
    const changed = ALL_MODULES.map((m) =>
      m.definition.name === 'plan' ? { ...m, deploy: { ...m.deploy, timeout: 111 } } : m,
    );
    assert.notEqual(renderServerlessYml(text, renderRegions(changed)), text);
    // Every function's entry carries its deploy settings and its routes; the state machine role invokes exactly the Task functions.
    for (const m of ALL_MODULES) {
      const entry = sls.functions[m.definition.name] as {
        role: string;
        timeout: number;
        events?: { httpApi?: { method: string; path: string } }[];
      };
      assert.equal(entry.role, m.deploy.role, m.definition.name);
      assert.equal(entry.timeout, m.deploy.timeout, m.definition.name);
      const routes = (entry.events ?? []).flatMap((e) => (e.httpApi ? [routeKey(e.httpApi as never)] : []));
      assert.deepEqual(
        routes,
        ROUTES.filter((r) => functionName(r.operationId) === m.definition.name).map(routeKey),
        m.definition.name,
      );
    }
    const invoke = /# >>> generated: invoke-steps[^\n]*\n([\s\S]*?)# <<< generated/.exec(text)![1];
    assert.deepEqual(
      [...invoke.matchAll(/!GetAtt (\w+)LambdaFunction\.Arn/g)].map((x) => x[1]),
      TASK_FUNCTIONS.map((f) => f.name[0].toUpperCase() + f.name.slice(1)),
    );
  });

  it("the ASL's function placeholders are the Task functions', and serverless.yml substitutes exactly the ASL's placeholders", () => {
    const fnPlaceholders = placeholdersIn(text).filter((p) => p.endsWith('FunctionArn'));
    assert.deepEqual(fnPlaceholders, TASK_FUNCTIONS.map((f) => placeholderOf(f.name)).sort());
    const subs = Object.values(sls.resources.extensions).find((r) => r.Properties?.DefinitionSubstitutions)!.Properties
      .DefinitionSubstitutions;
    assert.deepEqual(Object.keys(subs).sort(), placeholdersIn(text));
    assert.deepEqual(Object.keys(localSubstitutions('work')).sort(), placeholdersIn(text));
    for (const f of TASK_FUNCTIONS)
      assert.match(
        JSON.stringify(subs[placeholderOf(f.name)]),
        new RegExp(`${f.name[0].toUpperCase()}${f.name.slice(1)}LambdaFunction`),
        f.name,
      );
  });

  it('every Task state gets a local handler from its Resource; an unknown resource is refused', () => {
    const def = loadDefinition(localSubstitutions('work'));
    const handlers = localTaskHandlers(def, () => undefined as never);
    assert.deepEqual(
      Object.keys(handlers).sort(),
      taskStates(def as never)
        .map((t) => t.name)
        .sort(),
    );
    const bad = JSON.parse(
      JSON.stringify(def).replace(/media-transcoder-local-split/g, 'media-transcoder-local-nosuch'),
    );
    assert.throws(() => localTaskHandlers(bad, () => undefined as never), /Task Split: no local function/);
  });

  it('the source ASL holds no Retry; every Task of the loaded and the packaged definition carries the one policy (EcsSubmit: with its capacity retrier)', () => {
    const source = JSON.parse(readFileSync(ASL_PATH, 'utf8')) as { States: Record<string, unknown> };
    const sourceTasks = taskStates(source);
    assert.ok(sourceTasks.length >= 12);
    for (const t of sourceTasks)
      assert.equal(
        t.state.Retry,
        undefined,
        `${t.name}: a Retry in the ASL (the policy lives in src/pipeline/retryPolicy.ts)`,
      );
    for (const def of [loadDefinition(localSubstitutions('work')), packagedDefinition()]) {
      const tasks = taskStates(def as never);
      assert.deepEqual(
        tasks.map((t) => t.name),
        sourceTasks.map((t) => t.name),
      );
      for (const t of tasks) {
        assert.deepEqual(t.state.Retry, retryPolicyOf(t.name), `${t.name}: Retry is src/pipeline/retryPolicy.ts's`);
        const src = sourceTasks.find((s) => s.name === t.name)!.state;
        // Nothing else changed: the Task is the source's plus its Retry, placed after TimeoutSeconds.
        assert.deepEqual(
          { ...t.state, Retry: undefined, Resource: undefined },
          { ...src, Retry: undefined, Resource: undefined },
          t.name,
        );
        const keys = Object.keys(t.state);
        assert.equal(keys[keys.indexOf('TimeoutSeconds') + 1], 'Retry', t.name);
      }
    }
    assert.equal(packagedDefinition().States === source.States, false);
  });

  it('inserting the policy refuses a Task that has its own Retry, and leaves the given definition as it was', () => {
    const def = { StartAt: 'A', States: { A: { Type: 'Task', Resource: 'x', TimeoutSeconds: 5, End: true } } };
    const out = withRetryPolicies(def);
    assert.deepEqual(Object.keys(out.States.A), ['Type', 'Resource', 'TimeoutSeconds', 'Retry', 'End']);
    assert.equal('Retry' in def.States.A, false);
    (out.States.A as unknown as { Retry: { MaxAttempts: number }[] }).Retry[0].MaxAttempts = 99;
    assert.equal(RETRY_POLICY[0].MaxAttempts, 0, 'the policy itself is not shared with a definition');
    assert.throws(() => withRetryPolicies(out), /Task A has its own Retry/);
  });

  it("the ASL's permanent error names are src/errors.ts PERMANENT_ERROR_NAMES, never retried, and no transient name is permanent", () => {
    assert.deepEqual(RETRY_POLICY[0], { ErrorEquals: [...PERMANENT_ERROR_NAMES], MaxAttempts: 0 });
    assert.ok(PERMANENT_ERROR_NAMES.includes('EncoderError' as never));
    for (const n of TRANSIENT_ERROR_NAMES) assert.ok(!(PERMANENT_ERROR_NAMES as readonly string[]).includes(n));
  });
});
