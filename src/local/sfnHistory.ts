/**
 * The execution history AWS would record for the local runner's events, counted: Step Functions
 * fails a Standard execution whose history reaches its limit (25,000 events, src/aws/limits.ts).
 * aws-local-stepfunctions logs one event where AWS records several; the weights below are the
 * history event types AWS records for each (https://docs.aws.amazon.com/step-functions/latest/apireference/API_HistoryEvent.html).
 */

/** Walks a definition: the names of the states that run inside a Distributed Map's child executions. */
export function distributedMapStates(def: { States: Record<string, unknown> }): Set<string> {
  const out = new Set<string>();
  const walk = (states: Record<string, unknown>, inChild: boolean) => {
    for (const [name, raw] of Object.entries(states)) {
      const st = raw as {
        Branches?: { States: Record<string, unknown> }[];
        ItemProcessor?: { States: Record<string, unknown>; ProcessorConfig?: { Mode?: string } };
        Iterator?: { States: Record<string, unknown> };
      };
      if (inChild) out.add(name);
      for (const b of st.Branches ?? []) walk(b.States, inChild);
      const inner = st.ItemProcessor ?? st.Iterator;
      if (inner) walk(inner.States, inChild || st.ItemProcessor?.ProcessorConfig?.Mode === 'DISTRIBUTED');
    }
  };
  walk(def.States, false);
  return out;
}

/** One runner event, as much as the count needs. */
export interface RunnerEvent {
  type: string;
  state?: { name?: string; type?: string };
  parentState?: { name?: string };
}

/**
 * History events AWS records for one runner event. A Task's entry is TaskStateEntered,
 * TaskScheduled, TaskStarted; its exit TaskSucceeded, TaskStateExited; a retry TaskScheduled,
 * TaskStarted, TaskFailed; a Map's or Parallel's entry and exit add their MapRun/Parallel
 * started and succeeded events.
 */
function weight(ev: RunnerEvent): number {
  const t = ev.state?.type;
  switch (ev.type) {
    case 'ExecutionStarted':
    case 'ExecutionSucceeded':
    case 'ExecutionFailed':
    case 'ExecutionAborted':
    case 'ExecutionTimeout':
      return 1;
    case 'StateEntered':
      return t === 'Task' ? 3 : t === 'Map' || t === 'Parallel' ? 2 : 1;
    case 'StateExited':
      return t === 'Task' || t === 'Map' || t === 'Parallel' ? 2 : 1;
    case 'StateFailed':
    case 'StateCaught':
      return 1;
    case 'StateRetried':
      return 3;
    default:
      // Map iteration and Parallel branch events: AWS records MapIterationStarted/Succeeded for
      // an inline Map; a Distributed Map's iterations are child executions with their own history.
      return 1;
  }
}

/** Counts an execution's history events; events of Distributed Map children are not the parent's. */
export class HistoryCounter {
  count = 0;
  constructor(
    private readonly childStates: Set<string>,
    private readonly distributedMaps: Set<string>,
  ) {}

  /** Adds one runner event; returns the running total. */
  add(ev: RunnerEvent): number {
    if (ev.state?.name && this.childStates.has(ev.state.name)) return this.count;
    if (ev.type.startsWith('MapIteration') && ev.parentState?.name && this.distributedMaps.has(ev.parentState.name))
      return this.count;
    this.count += weight(ev);
    return this.count;
  }
}

/** The names of a definition's Distributed Map states. */
export function distributedMaps(def: { States: Record<string, unknown> }): Set<string> {
  const out = new Set<string>();
  const walk = (states: Record<string, unknown>) => {
    for (const [name, raw] of Object.entries(states)) {
      const st = raw as {
        Branches?: { States: Record<string, unknown> }[];
        ItemProcessor?: { States: Record<string, unknown>; ProcessorConfig?: { Mode?: string } };
        Iterator?: { States: Record<string, unknown> };
      };
      if (st.ItemProcessor?.ProcessorConfig?.Mode === 'DISTRIBUTED') out.add(name);
      for (const b of st.Branches ?? []) walk(b.States);
      const inner = st.ItemProcessor ?? st.Iterator;
      if (inner) walk(inner.States);
    }
  };
  walk(def.States);
  return out;
}
