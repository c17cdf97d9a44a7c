import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import aslValidator from 'asl-validator';
import { ASL_PATH, loadDefinition, localSubstitutions } from '../../src/local/stepFunctions.js';
import { PERMANENT_ERROR_NAMES } from '../../src/errors.js';

import { allStates, type State } from '../helpers/asl.js';

describe('state machine definition', () => {
  const raw = readFileSync(ASL_PATH, 'utf8');
  const def = loadDefinition(localSubstitutions('work')) as { States: Record<string, State> };

  it('has no literal ARN: every resource is a placeholder', () => {
    const parsed = JSON.parse(raw) as { States: Record<string, State> };
    for (const [name, s] of allStates(parsed.States))
      if (s.Type === 'Task') assert.match(String(s.Resource), /^\$\{[A-Za-z]+\}$/, name);
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
      assert.deepEqual(
        retry[0].ErrorEquals.slice(0, PERMANENT_ERROR_NAMES.length),
        [...PERMANENT_ERROR_NAMES],
        `${name}: permanent errors first`,
      );
      assert.equal(retry[0].MaxAttempts, 0);
      assert.ok(
        retry
          .slice(1)
          .every((r) => !r.ErrorEquals.some((e) => (PERMANENT_ERROR_NAMES as readonly string[]).includes(e))),
      );
    }
  });

  it('every top-level work state is caught and leads to the ERROR event', () => {
    for (const name of [
      'Probe',
      'Plan',
      'EmitProgressing',
      'Split',
      'Encode',
      'Assemble',
      'AssembleParts',
      'AssembleComplete',
      'Publish',
      'EmitComplete',
      'EcsSubmit',
      'EcsStatus',
      'EcsStop',
    ]) {
      const c = def.States[name].Catch as { ErrorEquals: string[]; Next: string }[];
      // States.ALL must be the last catcher (ASL); only Encode has one before it, the ECS fallback.
      assert.deepEqual(c?.at(-1), { ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'EmitError' }, name);
      assert.equal(c.length, name === 'Encode' || name === 'Assemble' ? 2 : 1, name);
    }
    // Segments that timed out after their retries end their Map item without a result; Assemble
    // finds them missing and raises SegmentFallback, which sends the job to the ECS worker.
    assert.deepEqual((def.States.Assemble.Catch as unknown[])[0], {
      ErrorEquals: ['SegmentFallback'],
      ResultPath: '$.fallback',
      Next: 'EcsFallback',
    });
    // A Lambda timeout or out-of-memory after the retries sends the job to the ECS worker.
    const fallback = (def.States.Encode.Catch as { ErrorEquals: string[]; Next: string; ResultPath: string }[])[0];
    assert.deepEqual([fallback.Next, fallback.ResultPath], ['EcsFallback', '$.fallback']);
    for (const e of ['Sandbox.Timedout', 'States.Timeout', 'Runtime.ExitError', 'Runtime.OutOfMemory'])
      assert.ok(fallback.ErrorEquals.includes(e), e);
    assert.ok(
      !fallback.ErrorEquals.some((e) => (PERMANENT_ERROR_NAMES as readonly string[]).includes(e) || e === 'States.ALL'),
      'bad input never goes to ECS',
    );
    assert.equal(def.States.EcsFallback.Next, 'EcsSubmit');
    assert.equal(def.States.EmitError.Next, 'CleanupAfterError');
    assert.equal(def.States.CleanupAfterError.Next, 'Failed');
  });

  it('every loop is bounded: without the Choice rules guarded by a counter limit, the graph has no cycle', () => {
    type Rule = Record<string, unknown> & { Next?: string };
    const guarded = (r: Rule): boolean =>
      Object.keys(r).some((k) => k === 'NumericLessThan') || ((r.And as Rule[] | undefined) ?? []).some(guarded);
    const edges = new Map<string, string[]>();
    for (const [name, s] of Object.entries(def.States)) {
      const next: string[] = [];
      if (typeof s.Next === 'string') next.push(s.Next);
      if (typeof s.Default === 'string') next.push(s.Default);
      for (const r of (s.Choices as Rule[] | undefined) ?? []) if (!guarded(r)) next.push(r.Next!);
      for (const c of (s.Catch as { Next: string }[] | undefined) ?? []) next.push(c.Next);
      edges.set(name, next);
    }
    const state = new Map<string, 'open' | 'done'>();
    const visit = (n: string, path: string[]) => {
      if (state.get(n) === 'done') return;
      assert.notEqual(state.get(n), 'open', `unbounded cycle: ${[...path, n].join(' -> ')}`);
      state.set(n, 'open');
      for (const m of edges.get(n) ?? []) visit(m, [...path, n]);
      state.set(n, 'done');
    };
    visit(String((def as unknown as { StartAt: string }).StartAt), []);
    // The guarded edges are the ECS loop's: wait again, and re-run a failed task.
    const check = def.States.EcsCheck.Choices as Rule[];
    assert.deepEqual(
      check.filter(guarded).map((r) => r.Next),
      ['EcsWait', 'EcsSubmit'],
    );
    assert.equal(def.States.EcsWait.SecondsPath, '$.ecs.waitSeconds');
  });

  it('fans out over segment indices with a Distributed Map whose concurrency is a parameter', () => {
    const map = (def.States.Encode.Branches as { States: Record<string, State> }[])[0].States.TranscodeSegments;
    assert.equal((map.ItemProcessor as { ProcessorConfig: { Mode: string } }).ProcessorConfig.Mode, 'DISTRIBUTED');
    assert.equal(map.ItemsPath, '$.plan.indices');
    assert.equal(map.MaxConcurrencyPath, '$.config.mapConcurrency');
    assert.equal(map.ResultPath, null);
  });

  it('each MP4 part Assemble lists is joined by its own AssemblePart (the item and the job), then AssembleComplete, then Publish; none without MP4s', async function () {
    this.timeout(60_000);
    const { jobInput, runAsl } = await import('../helpers/aslHarness.js');
    const parts = [1, 2, 3].map((part) => ({ rendition: '720p', part })).concat([{ rendition: '480p', part: 1 }]);
    const run = await runAsl(jobInput({ engine: 'lambda' }), {
      Assemble: () => ({ renditions: ['720p', '480p'], parts }),
    });
    assert.equal(run.status, 'SUCCEEDED', String(run.error));
    const calls = run.calls.filter((c) => c.state === 'AssemblePart');
    assert.deepEqual(
      calls.map((c) => c.input.part).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
      [...parts].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
    );
    assert.ok(calls.every((c) => c.input.phase === 'part' && (c.input.job as { jobId: string }).jobId));
    const order = run.calls
      .map((c) => c.state)
      .filter((x) => ['Assemble', 'AssemblePart', 'AssembleComplete', 'Publish'].includes(x));
    assert.deepEqual([order[0], order.at(-2), order.at(-1)], ['Assemble', 'AssembleComplete', 'Publish']);
    assert.equal(run.calls.find((c) => c.state === 'AssembleComplete')!.input.phase, 'complete');
    const none = await runAsl(jobInput({ engine: 'lambda' }), {
      Assemble: () => ({ renditions: ['720p'], parts: [] }),
    });
    assert.equal(none.status, 'SUCCEEDED', String(none.error));
    assert.equal(none.count('AssemblePart'), 0);
    assert.equal(none.count('AssembleComplete'), 1);
  });
});
