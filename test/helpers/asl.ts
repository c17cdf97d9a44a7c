/** Walking a state machine definition in tests. */

/** A state of an ASL definition, loosely typed. */
export type State = Record<string, unknown> & { Type: string };

/** Every state of a definition with its name, descending into Parallel branches and Map processors. */
export function* allStates<S extends { Type: string }>(states: Record<string, S>): Generator<[string, S]> {
  for (const [name, s] of Object.entries(states)) {
    yield [name, s];
    const st = s as unknown as {
      Branches?: { States: Record<string, S> }[];
      ItemProcessor?: { States: Record<string, S> };
      Iterator?: { States: Record<string, S> };
    };
    for (const b of st.Branches ?? []) yield* allStates(b.States);
    const proc = st.ItemProcessor ?? st.Iterator;
    if (proc) yield* allStates(proc.States);
  }
}
