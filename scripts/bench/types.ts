/** The JSON document one benchmark run writes to bench-results/<timestamp>.json. */
import type { CpuSeconds } from './proc.js';
import type { MachineInfo } from './machine.js';
import type { PlainRun } from './plain.js';
import type { PipelineRun, StepBreakdown } from './pipeline.js';
import type { OrchestrationResult } from './child-orchestration.js';

/** Medians over the repetitions and their ratios to plain ffmpeg's CPU. */
export interface Comparison {
  plainWallSec: number;
  pipelineWallSec: number;
  wallRatio: number;
  plainCpu: CpuSeconds;
  /** Everything: AWS path plus stand-ins. */
  pipelineCpu: CpuSeconds;
  /** What also runs in AWS: the function host's ffmpeg/ffprobe children and its own JS. */
  awsPathCpu: CpuSeconds;
  awsPathFfmpegCpu: CpuSeconds;
  awsPathHandlersCpu: CpuSeconds;
  /** The local stand-ins' process (s3rver, dynalite, aws-local-stepfunctions, event log, trigger, upload). */
  standInsCpu: CpuSeconds;
  cpuRatio: number;
  awsPathRatio: number;
  standInsRatio: number;
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
  /** Median CPU seconds of `ffmpeg -version` and `ffprobe -version`: what loading the binary costs each process. */
  startupCpuSec: { ffmpeg: number; ffprobe: number };
}

/** One target of the issue and whether this run met it (null: reported, no target). */
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
  settings: {
    preset: string;
    segmentSeconds: number;
    repetitions: number;
    mapConcurrency: number;
    orchestrationSegments: number[];
  };
  sources: SourceResult[];
  orchestration: OrchestrationResult[];
  targets: TargetCheck[];
}
