/**
 * The phase a running job is in, as `GET /jobs/{id}` shows it: TRANSCODING while segments run
 * (the segment functions record it with their progress), then ASSEMBLING (Assemble's layout
 * step) and PUBLISHING (Publish), each recorded once by the step that starts it.
 */
import type { Runtime } from '../runtime.js';
import type { Logger } from '../log.js';
import { JobStoppedError } from '../media/ffmpeg/jobProcesses.js';

/** The phases of a PROGRESSING job, in order. */
export const JOB_PHASES = ['TRANSCODING', 'ASSEMBLING', 'PUBLISHING'] as const;
export type JobPhase = (typeof JOB_PHASES)[number];

/** Records the phase on the job record. Never throws: a phase is worth less than the step's work. */
export async function recordPhase(rt: Runtime, jobId: string, phase: JobPhase, log: Logger): Promise<void> {
  try {
    await rt.jobs.setPhase(jobId, phase);
  } catch (err) {
    log.warn('phase not recorded', { phase, error: err });
  }
}

/**
 * Records PUBLISHING before the manifests (the commit point) are written, and refuses to go on
 * when the job is no longer PROGRESSING (canceled or failed meanwhile): a canceled job must not
 * publish manifests that point at pieces its cleanup deletes. Other failures to record are
 * logged, as for any phase.
 */
export async function enterPublishing(rt: Runtime, jobId: string, log: Logger): Promise<void> {
  let recorded: boolean;
  try {
    recorded = await rt.jobs.setPhase(jobId, 'PUBLISHING');
  } catch (err) {
    log.warn('phase not recorded', { phase: 'PUBLISHING', error: err });
    return;
  }
  if (!recorded) throw new JobStoppedError(jobId, 'it ended before its manifests were written');
}
