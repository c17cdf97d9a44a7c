/**
 * The CLI's progress line, from the local runner's progress events. The runner counts every
 * Map iteration that succeeds, those of the segment Map and then those of the AssembleParts
 * Map (one per MP4 part); the line counts them apart: segments done of the plan's segments
 * (never more than planned), then MP4 parts joined.
 */
import { describeProgress } from '../src/pipeline/progress.js';
import type { ExecutionProgress } from '../src/local/stepFunctions.js';
import type { JobCost } from '../src/cost/schema.js';

/** What the line remembers between events. */
export interface ProgressLineState {
  /** When the first segment started (for the ETA). */
  segmentsStarted?: number;
  /** Map iterations counted when AssembleParts began: the later ones are parts. */
  iterationsBeforeParts?: number;
}

const PART_STEPS = /^AssembleParts?$/;

/** The line for one progress event (without the elapsed-time prefix). */
export function progressLine(
  p: Pick<ExecutionProgress, 'step' | 'segmentsDone' | 'segmentsTotal'>,
  state: ProgressLineState,
  now = Date.now(),
): string {
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

/**
 * The CLI's cost lines after a COMPLETE: the estimate in USD as the job would cost in AWS (the
 * price table's region and date), then each step: invocations, GB-seconds (Lambda) or vCPU-s
 * (ECS), S3 requests of both classes, and the step's USD.
 */
export function costLines(c: JobCost): string[] {
  const usd = (v: number) => `$${v.toFixed(6)}`;
  const t = c.total;
  const lines = [
    `estimated AWS cost ${usd(t.usd)} (${c.region}, prices of ${c.pricesAsOf}; docs/COST.md): Lambda ${t.lambdaGbSeconds.toFixed(1)} GB-s in ${t.lambdaInvocations} invocations` +
      (t.ecsVcpuSeconds ? `, ECS ${t.ecsVcpuSeconds.toFixed(0)} vCPU-s ${t.ecsGbSeconds.toFixed(0)} GB-s` : '') +
      `, ${c.stepFunctions.transitions} state transitions (${usd(c.stepFunctions.usd)}), S3 ${t.s3.tier1Requests} PUT/LIST + ${t.s3.tier2Requests} GET, ${(t.s3.bytesOut / 1e6).toFixed(1)} MB up ${(t.s3.bytesIn / 1e6).toFixed(1)} MB down`,
  ];
  for (const [name, s] of Object.entries(c.steps)) {
    const compute =
      s.kind === 'ecs'
        ? `${(s.vcpuSeconds ?? 0).toFixed(0)} vCPU-s ${s.gbSeconds.toFixed(0)} GB-s`
        : `${s.gbSeconds.toFixed(2)} GB-s at ${s.memoryMb} MB`;
    lines.push(
      `  ${name.padEnd(18)} x${String(s.invocations).padEnd(4)} ${compute.padEnd(22)} S3 ${s.s3.tier1Requests}/${s.s3.tier2Requests}  ${usd(s.usd)}`,
    );
  }
  return lines;
}
