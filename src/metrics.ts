/**
 * Business metrics through Powertools for AWS Lambda (Metrics, CloudWatch Embedded Metric
 * Format): jobs started, completed and failed; seconds of media encoded per segment; bytes read
 * and written. One recorder per invocation (concurrent local invocations never mix their
 * metrics); `flush` prints the EMF document to stdout in AWS, or to the local log's sink.
 */
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { LogSink } from './log.js';

/** The metrics of this service (names are the CloudWatch metric names). */
export const METRIC = {
  jobsStarted: 'JobsStarted',
  jobsCompleted: 'JobsCompleted',
  jobsFailed: 'JobsFailed',
  segmentSeconds: 'SegmentSeconds',
  bytesIn: 'BytesIn',
  bytesOut: 'BytesOut',
} as const;
export type MetricName = (typeof METRIC)[keyof typeof METRIC];

const UNITS: Record<MetricName, (typeof MetricUnit)[keyof typeof MetricUnit]> = {
  JobsStarted: MetricUnit.Count,
  JobsCompleted: MetricUnit.Count,
  JobsFailed: MetricUnit.Count,
  SegmentSeconds: MetricUnit.Seconds,
  BytesIn: MetricUnit.Bytes,
  BytesOut: MetricUnit.Bytes,
};

/** What a step records. */
export interface MetricsRecorder {
  add(name: MetricName, value: number): void;
  /** Publishes what was added (nothing when nothing was). */
  flush(): void;
}

/** Makes one recorder per invocation. */
export interface MetricsFactory {
  forInvocation(functionName: string): MetricsRecorder;
}

/** The metrics factory of a runtime: EMF to stdout, or to `sink` (the local log). */
export function createMetricsFactory(opts: { namespace: string; serviceName: string; sink?: LogSink }): MetricsFactory {
  return {
    forInvocation(functionName) {
      const m = new Metrics({
        namespace: opts.namespace,
        serviceName: opts.serviceName,
        functionName,
        defaultDimensions: { function: functionName },
      });
      let count = 0;
      return {
        add(name, value) {
          if (!Number.isFinite(value)) return;
          m.addMetric(name, UNITS[name], value);
          count++;
        },
        flush() {
          if (count === 0) return;
          if (opts.sink) {
            opts.sink(JSON.stringify(m.serializeMetrics()));
            m.clearMetrics();
          } else m.publishStoredMetrics();
          count = 0;
        },
      };
    },
  };
}
