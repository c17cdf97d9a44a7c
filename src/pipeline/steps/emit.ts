import { z } from 'zod';
import type { Runtime } from '../../runtime.js';
import type { Logger } from '../../log.js';
import { describeFailure } from '../../errors.js';
import { buildJobEvent } from '../events.js';
import { getJobRecord, newRecord, putJobRecord } from '../jobStore.js';
import { StateErrorSchema, taskInput, type EventStatus } from '../job.js';
import type { PublishedOutput } from '../outputs.js';
import { readManifest } from '../manifest.js';

/**
 * Input of the event emitter: the job, the status to announce, and what that status reports
 * (the segment count with PROGRESSING, the outputs and the ffmpeg that made them with COMPLETE,
 * the error with ERROR).
 */
export const EmitInputSchema = taskInput({
  status: z.enum(['PROGRESSING', 'COMPLETE', 'ERROR']),
  executionArn: z.string().optional(),
  startTime: z.string().optional(),
  segmentsTotal: z.number().int().min(0).optional(),
  outputs: z.array(z.custom<PublishedOutput>((v) => typeof v === 'object' && v !== null)).optional(),
  error: StateErrorSchema.partial().extend({ Cause: z.unknown().optional() }).optional(),
  /** COMPLETE: the ffmpeg that produced the outputs (Publish reports it from the manifest). */
  encoder: z.object({ ffmpegVersion: z.string().min(1) }).optional(),
});
export type EmitInput = z.infer<typeof EmitInputSchema>;

/**
 * An ERROR after the Plan names the ffmpeg the job was planned for (the manifest's); before the
 * Plan, or if the manifest cannot be read, the event goes out without it.
 */
async function plannedEncoder(rt: Runtime, jobId: string): Promise<{ ffmpegVersion: string } | undefined> {
  const v = await readManifest(rt, jobId).then((m) => m.ffmpegVersion).catch(() => undefined);
  return v ? { ffmpegVersion: v } : undefined;
}

/**
 * Records the job's new status, then puts its `Transcode Job State Change` event. The record
 * goes first so a consumer reacting to the event reads the same status from `GET /jobs/{id}`.
 */
export async function emitJobEventStep(rt: Runtime, input: EmitInput, log: Logger): Promise<{ emitted: EventStatus }> {
  const { job } = input;
  const rec = (await getJobRecord(rt, job.jobId)) ?? newRecord(job, input.executionArn);
  rec.status = input.status;
  rec.updatedAt = new Date().toISOString();
  if (input.segmentsTotal !== undefined) rec.segmentsTotal = input.segmentsTotal;
  if (input.status === 'COMPLETE') rec.outputs = input.outputs ?? [];
  if (input.status === 'ERROR') rec.error = describeFailure(input.error?.Error, input.error?.Cause);
  await putJobRecord(rt, rec);

  const entry = buildJobEvent({
    status: input.status,
    job,
    source: rt.config.EVENT_SOURCE,
    busName: rt.config.EVENT_BUS_NAME,
    executionArn: input.executionArn,
    startTime: input.startTime,
    outputs: input.outputs,
    error: input.error,
    encoder: input.encoder ?? (input.status === 'ERROR' ? await plannedEncoder(rt, job.jobId) : undefined),
    ...(input.status === 'PROGRESSING' ? { progress: { step: 'TRANSCODING', segmentsTotal: input.segmentsTotal ?? 0 } } : {}),
  });
  await rt.events.put(entry);
  log.info('event emitted', { status: input.status, ...(rec.error ? { errorCode: rec.error.code } : {}) });
  return { emitted: input.status };
}
