/**
 * The cost of a job as its COMPLETE event states it: the meters its invocations left (src/cost/
 * store.ts), the EmitComplete invocation's own so far, the transitions of the path it took, and
 * the price table of the runtime.
 */
import type { Runtime } from '../runtime.js';
import { currentMeter } from './meter.js';
import { jobCost } from './price.js';
import { readMeters } from './store.js';
import { estimateTransitions } from './transitions.js';
import type { InvocationMeter, JobCost } from './schema.js';

/** What the figures leave out; docs/COST.md says why and how much. */
export const NOT_COUNTED = [
  'Cleanup after this event (one LIST, DELETEs, its Lambda seconds)',
  'each segment function after its result is written (its progress record update)',
  'Lambda INIT (cold start) duration',
  'ffprobe/ffmpeg reads of the source by presigned URL (probe, split, subtitles); the segments own-bytes reads are counted',
  'DynamoDB job record reads and writes, CloudWatch logs and metrics, X-Ray',
  'S3 storage of work files and outputs, data transfer to viewers',
  'ECS image pull and task start before the worker process runs; an ECS attempt killed before its end',
  'the ingest or POST /jobs function that started the job',
];

/** Events put on the bus for a job of `segments`: PROGRESSING, at most one STATUS_UPDATE per 10 % step, COMPLETE. */
export const eventsOf = (segments: number) => 2 + Math.min(10, segments);

/** The COMPLETE event's `run` (the execution's state) as far as the path needs it. */
export interface RunState {
  ecs?: unknown;
  fallback?: unknown;
  assembled?: { parts?: unknown[] };
}

/** The job's cost at its COMPLETE event. */
export async function costAtComplete(
  rt: Runtime,
  p: { jobId: string; segments: number; run?: RunState },
): Promise<JobCost> {
  const meters: InvocationMeter[] = await readMeters(rt, p.jobId);
  const own = currentMeter();
  if (own) {
    meters.push(own.snapshot());
    own.carried = true;
  }
  const lambda = meters.filter((m) => m.kind === 'lambda');
  const transitions = estimateTransitions({
    engine: p.run?.fallback ? 'fallback' : p.run?.ecs ? 'ecs' : 'lambda',
    taskInvocations: lambda.reduce((a, m) => a + m.invocations, 0),
    tasksAfter: 1,
    segments: p.segments,
    parts: Array.isArray(p.run?.assembled?.parts) ? p.run.assembled.parts.length : 0,
    polls: lambda.filter((m) => m.step === 'ecsStatus').reduce((a, m) => a + m.invocations, 0),
  });
  return jobCost({ meters, transitions, events: eventsOf(p.segments), notCounted: NOT_COUNTED }, rt.prices);
}
