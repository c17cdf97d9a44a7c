import type { Runtime } from '../../runtime.js';
import type { Logger } from '../../log.js';
import { describeFailure } from '../../errors.js';
import { buildJobEvent, type JobStatus } from '../events.js';
import { getJobRecord, newRecord, putJobRecord } from '../jobStore.js';
import type { JobInput } from '../job.js';
import type { PublishedOutput } from './publish.js';
import type { EncoderInfo } from '../../media/binaries.js';

/** The state as the emitter sees it: the job input plus what the steps added. */
export type EmitState = JobInput & {
  plan?: { segmentCount?: number };
  published?: { outputs?: PublishedOutput[] };
  error?: { Error?: string; Cause?: unknown };
  probe?: { encoder?: EncoderInfo };
  concat?: { encoder?: EncoderInfo };
  ecs?: { encoder?: EncoderInfo };
};

/**
 * Records the job's new status, then puts its `Transcode Job State Change` event. The record
 * goes first so a consumer reacting to the event reads the same status from `GET /jobs/{id}`.
 */
export async function emitJobEventStep(
  rt: Runtime,
  input: { status: JobStatus; job: EmitState; executionArn?: string; startTime?: string },
  log: Logger,
): Promise<{ emitted: JobStatus }> {
  const state = input.job;
  const rec = (await getJobRecord(rt, state.jobId)) ?? newRecord(state, input.executionArn);
  rec.status = input.status;
  rec.updatedAt = new Date().toISOString();
  if (state.plan?.segmentCount !== undefined) rec.segmentsTotal = state.plan.segmentCount;
  if (input.status === 'COMPLETE') rec.outputs = state.published?.outputs ?? [];
  if (input.status === 'ERROR') rec.error = describeFailure(state.error?.Error, state.error?.Cause);
  await putJobRecord(rt, rec);

  const entry = buildJobEvent({
    status: input.status,
    job: state,
    source: rt.config.EVENT_SOURCE,
    busName: rt.config.EVENT_BUS_NAME,
    executionArn: input.executionArn,
    startTime: input.startTime,
    outputs: state.published?.outputs,
    error: state.error,
    // The ffmpeg that produced the outputs (concat on Lambda, the ECS worker), else the probe's.
    encoder: state.concat?.encoder ?? state.ecs?.encoder ?? state.probe?.encoder,
    ...(input.status === 'PROGRESSING' ? { progress: { step: 'TRANSCODING', segmentsTotal: state.plan?.segmentCount ?? 0 } } : {}),
  });
  await rt.events.put(entry);
  log.info('event emitted', { status: input.status, ...(rec.error ? { errorCode: rec.error.code } : {}) });
  return { emitted: input.status };
}
