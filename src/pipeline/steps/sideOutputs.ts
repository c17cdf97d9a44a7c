import type { Runtime } from '../../runtime.js';
import type { Logger } from '../../log.js';
import { subtitlesStep } from './subtitles.js';

/**
 * What runs beside the segments (the state machine's `Thumbnails` branch, and the ECS worker
 * next to its segment loop): the subtitle tracks. The poster and the sprite's tiles are taken
 * by the segment workers from the frames they decode (src/media/stills.ts) and composed by
 * Assemble, so nothing here reads the whole source for pictures.
 */
export async function sideOutputsStep(rt: Runtime, job: { jobId: string }, log: Logger): Promise<{ subtitles: number }> {
  const subs = await subtitlesStep(rt, job, log.child({ step: 'subtitles' }));
  return { subtitles: subs.tracks };
}
