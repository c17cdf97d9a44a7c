/**
 * The cost every COMPLETE event carries, checked on every end-to-end job (test/helpers/stack.ts
 * runJob): present and valid, each Lambda step that ran billed (GB-s > 0), S3 requests of both
 * classes counted, the totals the sum of the steps, a USD figure above zero.
 */
import assert from 'node:assert/strict';
import { JobCostSchema, type JobCost } from '../../src/cost/schema.js';
import { jobCost } from '../../src/cost/price.js';
import { noS3 } from '../../src/cost/meter.js';
import { PRICES_US_EAST_1 } from '../../src/aws/prices.js';

/** A small valid cost (unit tests of the event shape). */
export function sampleCost(): JobCost {
  const m = (step: string) => ({
    step,
    kind: 'lambda' as const,
    invocations: 1,
    ms: 10,
    billedMs: 10,
    memoryMb: 1024,
    s3: { ...noS3(), tier1Requests: 1, tier2Requests: 1 },
  });
  return jobCost({ meters: [m('probe'), m('plan')], transitions: 20, events: 3, notCounted: [] }, PRICES_US_EAST_1);
}

const close = (a: number, b: number, what: string) =>
  assert.ok(Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);

/**
 * Checks a COMPLETE event's `cost`; `segments` is the plan's count (the PROGRESSING event's),
 * `engine` the event's. Returns the cost.
 */
export function checkCost(
  detail: { cost?: unknown; engine?: { segments?: string } },
  segments: number | undefined,
): JobCost {
  assert.ok(detail.cost, 'COMPLETE carries its cost');
  const c = JobCostSchema.parse(detail.cost);
  for (const step of ['probe', 'plan', 'emitEvent', 'publish']) assert.ok(c.steps[step], `cost of ${step}`);
  for (const [name, s] of Object.entries(c.steps)) {
    assert.ok(s.invocations > 0, `${name}: invocations`);
    assert.ok(s.gbSeconds > 0, `${name}: GB-seconds > 0`);
    assert.ok(s.usd > 0, `${name}: USD > 0`);
  }
  if (detail.engine?.segments === 'ecs') {
    const w = c.steps.ecsWorker;
    assert.ok(w && w.kind === 'ecs', 'the ECS worker is in the cost');
    assert.ok(w.billedMs >= 60_000 * w.invocations, "Fargate's one-minute minimum");
    assert.ok((w.vcpuSeconds ?? 0) > 0 && c.total.ecsVcpuSeconds > 0);
  }
  if (detail.engine?.segments !== 'ecs' && segments !== undefined)
    assert.ok(
      (c.steps.transcodeSegment?.invocations ?? 0) >= segments,
      `one segment function per segment (${segments})`,
    );
  const steps = Object.values(c.steps);
  const lambda = steps.filter((s) => s.kind === 'lambda');
  close(
    c.total.lambdaGbSeconds,
    lambda.reduce((a, s) => a + s.gbSeconds, 0),
    'total Lambda GB-s',
  );
  assert.equal(
    c.total.lambdaInvocations,
    lambda.reduce((a, s) => a + s.invocations, 0),
  );
  for (const k of ['tier1Requests', 'tier2Requests', 'freeRequests', 'bytesIn', 'bytesOut'] as const)
    assert.equal(
      c.total.s3[k],
      steps.reduce((a, s) => a + s.s3[k], 0),
      `total S3 ${k}`,
    );
  assert.ok(c.total.s3.tier1Requests > 0 && c.total.s3.tier2Requests > 0, 'S3 requests of both classes counted');
  assert.ok(c.total.s3.bytesOut > 0 && c.total.s3.bytesIn > 0, 'S3 bytes counted');
  assert.ok(c.stepFunctions.transitions >= 15, 'at least the states of the shortest path');
  close(
    c.total.usd,
    steps.reduce((a, s) => a + s.usd, 0) + c.stepFunctions.usd + c.total.events * PRICES_US_EAST_1.eventBridgeEvent.usd,
    'total USD',
  );
  assert.ok(c.total.usd > 0);
  return c;
}
