/**
 * The composition root: clients built once with the config's region, the ports side by side,
 * Powertools log fields on every invocation, and no module-level mutable state anywhere.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { mockClient } from 'aws-sdk-client-mock';
import { SFNClient, StartExecutionCommand, ExecutionAlreadyExists } from '@aws-sdk/client-sfn';
import { z } from 'zod';
import { createRuntime } from '../../src/runtime.js';
import { parseConfig } from '../../src/config.js';
import { defineFunction } from '../../src/pipeline/handler.js';
import { JobInputSchema, taskInput } from '../../src/pipeline/job.js';
import { jobInput } from '../helpers/aslHarness.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const base = { INGEST_BUCKET: 'ingest', WORK_BUCKET: 'work', OUTPUT_BUCKET: 'output' };

describe('runtime (composition root)', () => {
  it('StartExecution: the state machine of the config, in its region, named after the job; a duplicate is "already started"', async () => {
    const mock = mockClient(SFNClient);
    try {
      const arn = 'arn:aws:states:eu-west-1:123456789012:stateMachine:mt';
      const rt = createRuntime(parseConfig({ ...base, AWS_REGION: 'eu-west-1', STATE_MACHINE_ARN: arn }), {
        logSink: () => undefined,
      });
      const job = JobInputSchema.parse(jobInput());
      mock.on(StartExecutionCommand).resolves({ executionArn: `${arn}:j-test` });
      assert.deepEqual(await rt.starter.start('j-test', job), { executionArn: `${arn}:j-test`, alreadyStarted: false });
      const call = mock.commandCalls(StartExecutionCommand)[0];
      assert.deepEqual(call.args[0].input, { stateMachineArn: arn, name: 'j-test', input: JSON.stringify(job) });
      assert.equal(await (call.thisValue as SFNClient).config.region(), 'eu-west-1');
      mock.on(StartExecutionCommand).rejects(new ExecutionAlreadyExists({ message: 'exists', $metadata: {} }));
      assert.deepEqual(await rt.starter.start('j-test', job), {
        executionArn: 'arn:aws:states:eu-west-1:123456789012:execution:mt:j-test',
        alreadyStarted: true,
      });
    } finally {
      mock.restore();
    }
  });

  it('without STATE_MACHINE_ARN a start fails loudly (ConfigError), and the ECS runner only when used', async () => {
    const rt = createRuntime(parseConfig(base), { logSink: () => undefined });
    await assert.rejects(rt.starter.start('j', JobInputSchema.parse(jobInput())), { name: 'ConfigError' });
    await assert.rejects(rt.tasks.describeTask('arn:task'), /the ECS worker needs ECS_CLUSTER/);
  });

  it('every invocation logs Powertools fields: level, service, cold_start (first call only), function_request_id, step, job id', async () => {
    const lines: Record<string, unknown>[] = [];
    const rt = createRuntime(parseConfig(base), { logSink: (l) => lines.push(JSON.parse(l)) });
    const fn = defineFunction('probe', taskInput({}), async () => ({ ok: true }));
    const event = { job: jobInput() };
    await fn.invoke(rt, event, { awsRequestId: 'req-1', functionName: 'media-transcoder-probe' });
    await fn.invoke(rt, event, { awsRequestId: 'req-2', functionName: 'media-transcoder-probe' });
    const done = lines.filter((l) => l.message === 'step succeeded');
    assert.equal(done.length, 2);
    for (const [i, l] of done.entries()) {
      assert.equal(l.level, 'INFO');
      assert.equal(l.service, 'media-transcoder');
      assert.equal(l.step, 'probe');
      assert.equal(l.jobId, 'j-test');
      assert.equal(l.function_request_id, `req-${i + 1}`);
      assert.equal(l.cold_start, i === 0);
      assert.equal(typeof l.ms, 'number');
    }
    const bad = defineFunction('plan', z.object({ job: JobInputSchema }), async () => 1);
    await assert.rejects(bad.invoke(rt, { job: { jobId: 'j-x' } }), { name: 'ValidationError' });
    assert.equal(lines.at(-1)!.level, 'ERROR');
    assert.equal(lines.at(-1)!.message, 'step failed');
  });

  it('no module-level mutable state: no top-level let/var, and no module-level Map (a cache belongs to the runtime), in src/ or functions/', () => {
    const offenders: string[] = [];
    const walk = (dir: string) => {
      for (const f of readdirSync(dir)) {
        const p = path.join(dir, f);
        if (statSync(p).isDirectory()) walk(p);
        else if (p.endsWith('.ts'))
          readFileSync(p, 'utf8')
            .split('\n')
            .forEach(
              (line, i) =>
                /^(export )?((let|var) |const \w+ = new (Map|WeakMap)\b)/.test(line) &&
                offenders.push(`${path.relative(ROOT, p)}:${i + 1}`),
            );
      }
    };
    walk(path.join(ROOT, 'src'));
    walk(path.join(ROOT, 'functions'));
    assert.deepEqual(offenders, []);
  });
});
