/**
 * Lambda throttling against the real state machine (test/helpers/aslHarness.ts runs the ASL
 * file in aws-local-stepfunctions, retry waits set to zero): a throttled segment is retried
 * with the longer throttle policy and never sent to the ECS worker; a segment that times out
 * after its retries still is (its Map item ends without a result, Assemble raises
 * SegmentFallback). In AWS a Distributed Map that fails reports States.ExceedToleratedFailureThreshold
 * whatever its item's error, so that name must not lead to ECS either.
 */
import assert from 'node:assert/strict';
import { jobInput, runAsl, type AslRun } from '../helpers/aslHarness.js';
import { SegmentFallbackError } from '../../src/pipeline/steps/fallback.js';

const named = (name: string, message = name) => Object.assign(new Error(message), { name });
const lambdaJob = () => jobInput({ engine: 'lambda' });
const wentToEcs = (r: AslRun) => r.count('EcsFallback') > 0 || r.count('EcsSubmit') > 0;

describe('state machine: Lambda throttling is retried, never a fallback to ECS', () => {
  it('a segment throttled 8 times (account concurrency full) is retried until it runs: the job completes on Lambda', async () => {
    let calls = 0;
    const r = await runAsl(lambdaJob(), {
      TranscodeSegment: (i) => {
        if (++calls <= 8) throw named('Lambda.TooManyRequestsException', 'Rate Exceeded.');
        return { index: i.index };
      },
    });
    assert.equal(r.status, 'SUCCEEDED', String(r.error));
    assert.equal(calls, 9, 'eight throttles, then the run');
    assert.ok(!wentToEcs(r), 'no ECS');
    assert.equal(r.count('EmitComplete'), 1);
  });

  for (const name of ['Lambda.TooManyRequestsException', 'Lambda.ServiceException', 'Lambda.AWSLambdaException']) {
    it(`a segment throttled for good (${name}): ten retries, then one ERROR, no ECS`, async () => {
      let calls = 0;
      const r = await runAsl(lambdaJob(), {
        TranscodeSegment: () => {
          calls++;
          throw named(name, 'Rate Exceeded.');
        },
      });
      assert.equal(r.status, 'FAILED');
      assert.equal(calls, 11, 'the first try and ten retries');
      assert.ok(!wentToEcs(r), 'no ECS');
      assert.equal(r.count('EmitError'), 1);
      assert.equal(r.count('CleanupAfterError'), 1);
    });
  }

  it("the Distributed Map's own failure (States.ExceedToleratedFailureThreshold, what AWS reports for any failed item) ends in ERROR, not ECS", async () => {
    const r = await runAsl(lambdaJob(), {
      TranscodeSegment: () => {
        throw named('States.ExceedToleratedFailureThreshold', 'The specified tolerated failure threshold was exceeded');
      },
    });
    assert.equal(r.status, 'FAILED');
    assert.ok(!wentToEcs(r), 'no ECS');
    assert.equal(r.count('EmitError'), 1);
  });

  it('a segment that times out after its retries: its item ends without a result, Assemble raises SegmentFallback, the job runs on ECS and completes', async () => {
    let segmentCalls = 0;
    const r = await runAsl(lambdaJob(), {
      TranscodeSegment: () => {
        segmentCalls++;
        throw named('Sandbox.Timedout', 'Task timed out after 900.00 seconds');
      },
      // What the real Assemble does when a segment's result is missing.
      Assemble: () => {
        throw new SegmentFallbackError('TIMEOUT', 'segment 0 has no result');
      },
    });
    assert.equal(r.status, 'SUCCEEDED', String(r.error));
    assert.equal(segmentCalls, 4, 'the first try and three retries');
    assert.equal(r.count('SegmentToEcs'), 1);
    const marked = r.calls.find((c) => c.state === 'SegmentToEcs')!.input as {
      index: number;
      phase: string;
      fallback: { Error: string };
    };
    assert.deepEqual(
      [marked.phase, marked.index, marked.fallback.Error],
      ['fallback', 0, 'Sandbox.Timedout'],
      'the Assemble function records which segment timed out, and how',
    );
    assert.equal(r.count('EcsFallback'), 1);
    assert.equal(r.count('EcsSubmit'), 1);
    assert.equal(r.count('EmitError'), 0);
    assert.deepEqual(
      (r.calls.find((c) => c.state === 'EmitComplete')!.input as { run?: { fallback?: { Error?: string } } }).run
        ?.fallback?.Error,
      'SegmentFallback',
    );
  });
});
