import assert from 'node:assert/strict';
import { LocalStepFunctions } from '../../src/local/stepFunctions.js';
import type { JobInput } from '../../src/pipeline/job.js';

// The shape of the transcode ASL's fan-out: a state result added to the state, then a Map
// inside a Parallel whose ItemSelector passes `$$.Execution.Input` as the job.
const definition = {
  StartAt: 'Plan',
  States: {
    Plan: { Type: 'Pass', Result: { indices: [0, 1, 2] }, ResultPath: '$.plan', Next: 'Encode' },
    Encode: {
      Type: 'Parallel',
      End: true,
      Branches: [
        {
          StartAt: 'Segments',
          States: {
            Segments: {
              Type: 'Map',
              ItemsPath: '$.plan.indices',
              ItemSelector: { 'job.$': '$$.Execution.Input', 'index.$': '$$.Map.Item.Value' },
              ItemProcessor: {
                ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
                StartAt: 'Segment',
                States: {
                  Segment: { Type: 'Task', Resource: 'arn:aws:lambda:us-east-1:000000000000:function:x', End: true },
                },
              },
              End: true,
            },
          },
        },
      ],
    },
  },
};

describe('local Step Functions: $$.Execution.Input in a Map inside a Parallel', () => {
  it('is the execution input, as in AWS (not the Parallel state input with the plan)', async () => {
    const seen: { job: Record<string, unknown>; index: number }[] = [];
    const sfn = new LocalStepFunctions(definition, {
      Segment: async (input: never) => {
        seen.push(input);
        return {};
      },
    });
    const input = { jobId: 'job-1', settings: { preset: 'h264-ladder' } } as unknown as JobInput;
    await sfn.start('e1', input);
    assert.equal((await sfn.wait('e1')).status, 'SUCCEEDED');
    assert.deepEqual(seen.map((s) => s.index).sort(), [0, 1, 2]);
    // Without src/local/executionInput.ts each job here also holds `plan` (every index: a copy per
    // iteration, memory quadratic in the segment count).
    for (const s of seen) assert.deepEqual(s.job, { jobId: 'job-1', settings: { preset: 'h264-ladder' } });
  });
});
