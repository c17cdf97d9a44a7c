/**
 * Where the meters of a job's invocations wait for the COMPLETE event. A segment's meter is
 * part of its result (already one object per segment in S3); every other invocation whose
 * result the state machine drops (ResultPath null: EmitProgressing, Split, Thumbnails, each
 * AssemblePart, AssembleComplete, ...) writes one small object of its own, under the job's work
 * prefix (Cleanup deletes it), one key per invocation: no shared key, no write to the job's
 * record per invocation.
 */
import type { Runtime } from '../runtime.js';
import { getJson, listKeys, putJson } from '../aws/s3.js';
import { keys } from '../pipeline/job.js';
import { mapLimit } from '../util/mapLimit.js';
import { InvocationMeterSchema, type InvocationMeter } from './schema.js';

/** The meters' prefix under a job's work prefix. */
export const metersPrefix = (jobId: string) => `${keys.prefix(jobId)}meters/`;

/** One invocation's meter object. */
export const meterKey = (jobId: string, step: string, requestId: string) =>
  `${metersPrefix(jobId)}${step}-${requestId.replace(/[^A-Za-z0-9-]/g, '_')}.json`;

/** Writes one invocation's meter (the PUT that carries it is counted in it). */
export async function writeMeter(rt: Runtime, jobId: string, requestId: string, meter: InvocationMeter): Promise<void> {
  await putJson(rt.s3, { bucket: rt.config.WORK_BUCKET, key: meterKey(jobId, meter.step, requestId) }, meter);
}

/**
 * Every meter a job has written so far, and the meters in its segment results (a result
 * without one, e.g. written by the ECS worker, adds none). Unreadable or malformed objects are
 * skipped: the estimate is then low, never the event lost.
 */
export async function readMeters(rt: Runtime, jobId: string): Promise<InvocationMeter[]> {
  const bucket = rt.config.WORK_BUCKET;
  const [own, segments] = await Promise.all([
    listKeys(rt.s3, bucket, metersPrefix(jobId)),
    listKeys(rt.s3, bucket, keys.segmentResultsPrefix(jobId)),
  ]);
  const read = async (key: string, pick: (v: unknown) => unknown) => {
    const v = await getJson(rt.s3, { bucket, key }).catch(() => undefined);
    const m = InvocationMeterSchema.safeParse(pick(v));
    return m.success ? m.data : undefined;
  };
  const out = await mapLimit(
    [
      ...own.map((o) => ({ key: o.key, pick: (v: unknown) => v })),
      ...segments.map((o) => ({ key: o.key, pick: (v: unknown) => (v as { meter?: unknown } | undefined)?.meter })),
    ],
    16,
    (x) => read(x.key, x.pick),
  );
  return out.filter((m): m is InvocationMeter => m !== undefined);
}
