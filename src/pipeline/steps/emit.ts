import { z } from 'zod';
import type { Runtime } from '../../runtime.js';
import type { Logger } from '../../log.js';
import { describeFailure, ValidationError } from '../../errors.js';
import { buildJobEvent } from '../events.js';
import { newRecord } from '../jobStore.js';
import { StateErrorSchema, taskInput, type EventStatus } from '../job.js';
import type { PublishedOutput, TracksReport } from '../outputs.js';
import { readJobDocument } from '../jobDocument.js';
import type { EngineReport } from '../events.js';
import type { VerificationReport } from '../verify.js';
import { costAtComplete, type RunState } from '../../cost/complete.js';

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
  /** COMPLETE: the tracks kept and skipped (Publish reports them). */
  tracks: z.custom<TracksReport>((v) => typeof v === 'object' && v !== null).optional(),
  /** COMPLETE: what the job verified of its outputs (Publish reports it; required with COMPLETE). */
  verification: z
    .custom<VerificationReport>(
      (v) => typeof v === 'object' && v !== null && (v as { status?: unknown }).status === 'PASSED',
    )
    .optional(),
  /** COMPLETE: the execution's state ($), to report which engine encoded the segments. */
  run: z
    .object({
      ecs: z.object({ attempt: z.number() }).passthrough().optional(),
      fallback: StateErrorSchema.partial().passthrough().optional(),
    })
    .passthrough()
    .optional(),
});

/** Which engine encoded the segments: the Lambda fan-out, the ECS worker, or the worker after the fan-out failed. */
export function engineReport(run: EmitInput['run']): EngineReport | undefined {
  if (!run) return undefined;
  if (run.fallback) return { segments: 'ecs', fallbackFrom: 'lambda', reason: run.fallback.Error ?? 'unknown' };
  return { segments: run.ecs ? 'ecs' : 'lambda' };
}
export type EmitInput = z.infer<typeof EmitInputSchema>;

/** A COMPLETE event always carries the verification: a job without one has not proved its outputs. */
function requireVerification(v: VerificationReport | undefined): VerificationReport {
  if (!v) throw new ValidationError('COMPLETE without a verification report (Publish reports it)');
  return v;
}

/**
 * An ERROR after the Plan names the ffmpeg the job was planned for (the manifest's); before the
 * Plan, or if the manifest cannot be read, the event goes out without it.
 */
async function plannedEncoder(rt: Runtime, jobId: string): Promise<{ ffmpegVersion: string } | undefined> {
  const v = await readJobDocument(rt, jobId)
    .then((m) => m.ffmpegVersion)
    .catch(() => undefined);
  return v ? { ffmpegVersion: v } : undefined;
}

/**
 * Records the job's new status, then puts its `Transcode Job State Change` event. The record
 * goes first so a consumer reacting to the event reads the same status from `GET /jobs/{id}`.
 */
export async function emitJobEventStep(
  rt: Runtime,
  input: EmitInput,
  log: Logger,
): Promise<{ emitted: EventStatus | null }> {
  const { job } = input;
  const error = input.status === 'ERROR' ? describeFailure(input.error?.Error, input.error?.Cause) : undefined;
  // Checked before the record moves: a COMPLETE that cannot say what it verified is not sent.
  const verification = input.status === 'COMPLETE' ? requireVerification(input.verification) : undefined;
  // Conditional: a job's state only moves forward. A refused write means the job already
  // ended (cancelled, or this is a late ERROR after COMPLETE): its one final event is out.
  const rec = await rt.jobs.advance(newRecord(job, input.executionArn), input.status, {
    ...(input.segmentsTotal !== undefined ? { segmentsTotal: input.segmentsTotal } : {}),
    ...(input.status === 'COMPLETE' ? { outputs: input.outputs ?? [], percent: 100 } : {}),
    ...(error ? { error } : {}),
    ...(input.status === 'PROGRESSING' ? { phase: 'TRANSCODING', percent: 0 } : {}),
  });
  if (!rec) {
    log.warn('status not recorded: the job has already ended; no event', { status: input.status });
    return { emitted: null };
  }

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
    ...(input.status === 'COMPLETE' && input.tracks ? { tracks: input.tracks } : {}),
    ...(verification ? { verification } : {}),
    ...(input.status === 'COMPLETE' && engineReport(input.run) ? { engine: engineReport(input.run) } : {}),
    ...(input.status === 'COMPLETE'
      ? {
          cost: await costAtComplete(rt, {
            jobId: job.jobId,
            segments: input.segmentsTotal ?? 0,
            run: input.run as RunState | undefined,
          }),
        }
      : {}),
    ...(input.status === 'PROGRESSING'
      ? { progress: { step: 'TRANSCODING', segmentsTotal: input.segmentsTotal ?? 0 } }
      : {}),
  });
  await rt.events.put(entry);
  log.info('event emitted', { status: input.status, ...(rec.error ? { errorCode: rec.error.code } : {}) });
  return { emitted: input.status };
}
