/**
 * The CLI's progress line, from the local runner's progress events. The runner counts every
 * Map iteration that succeeds, those of the segment Map and then those of the AssembleParts
 * Map (one per MP4 part); the line counts them apart: segments done of the plan's segments
 * (never more than planned), then MP4 parts joined.
 */
import { describeProgress } from '../src/pipeline/progress.js';
import type { ExecutionProgress } from '../src/local/stepFunctions.js';

/** What the line remembers between events. */
export interface ProgressLineState {
  /** When the first segment started (for the ETA). */
  segmentsStarted?: number;
  /** Map iterations counted when AssembleParts began: the later ones are parts. */
  iterationsBeforeParts?: number;
}

const PART_STEPS = /^AssembleParts?$/;

/** The line for one progress event (without the elapsed-time prefix). */
export function progressLine(p: Pick<ExecutionProgress, 'step' | 'segmentsDone' | 'segmentsTotal'>, state: ProgressLineState, now = Date.now()): string {
  // The ECS polling loop (EcsWait/EcsStatus/EcsCheck) shows as one step.
  if (/^Ecs(Wait|Status|Check)$/.test(p.step)) return 'EcsWorker (one task encodes everything)';
  if (PART_STEPS.test(p.step)) {
    state.iterationsBeforeParts ??= p.segmentsDone;
    return `${p.step}  MP4 parts joined ${p.segmentsDone - state.iterationsBeforeParts}`;
  }
  if (state.iterationsBeforeParts !== undefined || !p.segmentsTotal) return p.step;
  if (/^TranscodeSegments?$/.test(p.step)) state.segmentsStarted ??= now;
  const done = Math.min(p.segmentsDone, p.segmentsTotal);
  return `${p.step}  ${describeProgress(done, p.segmentsTotal, now - (state.segmentsStarted ?? now))}`;
}
