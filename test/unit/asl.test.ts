import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import aslValidator from 'asl-validator';
import { ASL_PATH, loadDefinition, localSubstitutions } from '../../src/local/stepFunctions.js';
import { PERMANENT_ERROR_NAMES } from '../../src/errors.js';

type State = Record<string, unknown> & { Type: string };

function* allStates(states: Record<string, State>): Generator<[string, State]> {
  for (const [name, s] of Object.entries(states)) {
    yield [name, s];
    for (const b of (s.Branches as { States: Record<string, State> }[] | undefined) ?? []) yield* allStates(b.States);
    const proc = (s.ItemProcessor ?? s.Iterator) as { States: Record<string, State> } | undefined;
    if (proc) yield* allStates(proc.States);
  }
}

describe('state machine definition', () => {
  const raw = readFileSync(ASL_PATH, 'utf8');
  const def = loadDefinition(localSubstitutions('work')) as { States: Record<string, State> };

  it('has no literal ARN: every resource is a placeholder', () => {
    const parsed = JSON.parse(raw) as { States: Record<string, State> };
    for (const [name, s] of allStates(parsed.States)) if (s.Type === 'Task') assert.match(String(s.Resource), /^\$\{[A-Za-z]+\}$/, name);
  });

  it('passes asl-validator once placeholders are resolved', async () => {
    const r = await aslValidator(def as never);
    assert.equal(r.isValid, true, JSON.stringify(r.errorsText?.('\n')));
  });

  it('every Task has TimeoutSeconds and a Retry that never retries permanent errors', () => {
    for (const [name, s] of allStates(def.States)) {
      if (s.Type !== 'Task') continue;
      assert.ok(typeof s.TimeoutSeconds === 'number' && s.TimeoutSeconds > 0, `${name} TimeoutSeconds`);
      const retry = s.Retry as { ErrorEquals: string[]; MaxAttempts: number }[];
      assert.ok(retry?.length, `${name} Retry`);
      assert.deepEqual(retry[0].ErrorEquals.slice(0, PERMANENT_ERROR_NAMES.length), [...PERMANENT_ERROR_NAMES], `${name}: permanent errors first`);
      assert.equal(retry[0].MaxAttempts, 0);
      assert.ok(retry.slice(1).every((r) => !r.ErrorEquals.some((e) => (PERMANENT_ERROR_NAMES as readonly string[]).includes(e))));
    }
  });

  it('every top-level work state is caught and leads to the ERROR event', () => {
    for (const name of ['Probe', 'Plan', 'Split', 'Encode', 'Concat', 'Publish', 'EmitComplete']) {
      const c = def.States[name].Catch as { ErrorEquals: string[]; Next: string }[];
      assert.deepEqual(c?.[0], { ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'EmitError' }, name);
    }
    assert.equal(def.States.EmitError.Next, 'CleanupAfterError');
    assert.equal(def.States.CleanupAfterError.Next, 'Failed');
  });

  it('fans out over segment indices with a Distributed Map whose concurrency is a parameter', () => {
    const map = (def.States.Encode.Branches as { States: Record<string, State> }[])[0].States.TranscodeSegments;
    assert.equal((map.ItemProcessor as { ProcessorConfig: { Mode: string } }).ProcessorConfig.Mode, 'DISTRIBUTED');
    assert.equal(map.ItemsPath, '$.plan.indices');
    assert.equal(map.MaxConcurrencyPath, '$.config.mapConcurrency');
    assert.equal(map.ResultPath, null);
  });
});
