import type { Runtime } from '../../runtime.js';
import type { Logger } from '../../log.js';
import { thumbnailsStep } from './thumbnails.js';
import { subtitlesStep } from './subtitles.js';

/**
 * What runs beside the segments (the state machine's `Thumbnails` branch, and the ECS worker
 * next to its segment loop): poster, sprite sheet and its index, and the subtitle tracks.
 */
export async function sideOutputsStep(rt: Runtime, job: { jobId: string }, log: Logger): Promise<{ tiles: number; subtitles: number }> {
  const [thumbs, subs] = await Promise.all([thumbnailsStep(rt, job, log), subtitlesStep(rt, job, log.child({ step: 'subtitles' }))]);
  return { tiles: thumbs.tiles, subtitles: subs.tracks };
}
