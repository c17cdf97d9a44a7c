/** The JSON document one benchmark run writes to bench-results/<timestamp>.json. */
import type { CpuSeconds } from './proc.js';
import type { MachineInfo } from './machine.js';
import type { PlainRun } from './plain.js';
import type { PipelineRun, StepBreakdown } from './pipeline.js';
import type { CloudAssumptions, CloudModel } from './model.js';
import type { ThroughputResult } from './throughput.js';
import type { OrchestrationResult } from './child-orchestration.js';
import type { OneCoreTimes } from './oneCore.js';

/** Medians over the repetitions and their ratios (pipeline over plain). */
export interface Comparison {
  plainWallSec: number;
  pipelineWallSec: number;
  wallRatio: number;
  plainCpu: CpuSeconds;
  pipelineCpu: CpuSeconds;
  /** The pipeline's CPU split: ffmpeg children, and the Node process (s3rver, SDK, handlers, sharp). */
  pipelineCpuFfmpeg: CpuSeconds;
  pipelineCpuNode: CpuSeconds;
  cpuRatio: number;
}

/** Everything measured on one source. */
export interface SourceResult {
  label: string;
  file: string;
  generated: boolean;
  durationSec: number;
  width: number;
  height: number;
  fps: number;
  bytes: number;
  renditions: string[];
  plain: PlainRun[];
  pipeline: PipelineRun[];
  comparison: Comparison;
  /** Breakdown of the repetition with the median wall time. */
  steps: StepBreakdown;
  /** Segment, audio and thumbnail encodes alone on one core (the model's inputs). */
  oneCore: OneCoreTimes;
  model: {
    measured: CloudModel;
    tenMinutes: CloudModel;
    waves: { mapConcurrency: number; criticalPathSec: number; speedup: number }[];
    /** The 10-minute case with free cold starts, S3 transfers and transitions: an upper bound. */
    tenMinutesBestCase: CloudModel;
  };
  throughput: ThroughputResult;
}

/** One target of the issue and whether this run met it. */
export interface TargetCheck {
  name: string;
  target: string;
  measured: string;
  met: boolean | null;
}

/** The whole run. */
export interface BenchResult {
  mode: 'full' | 'quick';
  command: string;
  startedAt: string;
  finishedAt: string;
  runSec: number;
  load: { start: [number, number, number]; end: [number, number, number] };
  machine: MachineInfo;
  settings: { preset: string; segmentSeconds: number; repetitions: number; mapConcurrency: number; orchestrationSegments: number[]; throughputRepetitions: number };
  assumptions: CloudAssumptions;
  sources: SourceResult[];
  orchestration: OrchestrationResult[];
  targets: TargetCheck[];
}
