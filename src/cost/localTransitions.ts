/**
 * State transitions counted from the local runner's events, as Step Functions bills them
 * (https://aws.amazon.com/step-functions/pricing/): one per state entered, child executions'
 * states included (both Distributed Maps run STANDARD children), one per retry, and one per
 * Distributed Map child execution started
 * (https://docs.aws.amazon.com/step-functions/latest/dg/concepts-transitions.html). What the
 * estimate of src/cost/transitions.ts is checked against on the local stack.
 */
import type { RunnerEvent } from '../local/sfnHistory.js';

/** Counts the billed transitions of one execution, event by event. */
export class TransitionCounter {
  count = 0;
  constructor(private readonly distributedMaps: Set<string>) {}

  /** Adds one runner event. */
  add(ev: RunnerEvent): void {
    if (ev.type === 'StateEntered' || ev.type === 'StateRetried') this.count++;
    else if (ev.type === 'MapIterationStarted' && ev.parentState?.name && this.distributedMaps.has(ev.parentState.name))
      this.count++;
  }
}
