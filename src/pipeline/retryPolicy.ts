/**
 * The Retry policy of every Task of the state machine, defined once here. The source ASL
 * (statemachines/transcode.asl.json) holds no Retry: `withRetryPolicies` inserts this policy into
 * each Task where the definition is loaded (the local stack, src/pipeline/aslDefinition.ts) and
 * where it is packaged (scripts/package.ts), so the local and the deployed definitions carry the
 * same retriers and no copy can drift.
 */
import { PERMANENT_ERROR_NAMES } from '../errors.js';

/**
 * Lambda throttling: the account's (or the function's reserved) concurrency is full, or the
 * Invoke API's rate is exceeded (`Lambda.TooManyRequestsException`; Step Functions reports some
 * throttles as `Lambda.ServiceException` / `Lambda.AWSLambdaException` "Rate Exceeded"). With
 * two Distributed Maps of up to 1,000 children sharing the account's concurrency (1,000 by
 * default), this is expected load, not a fault: retried longer than other transient errors,
 * and never a reason to send the job to the ECS worker (the Map item does not catch it).
 */
export const THROTTLE_ERROR_NAMES = [
  'Lambda.TooManyRequestsException',
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
] as const;

/** Other failures worth another try: ours, the SDK's, a killed sandbox, a timeout. */
export const TRANSIENT_ERROR_NAMES = [
  'TransientError',
  ...THROTTLE_ERROR_NAMES,
  'Lambda.SdkClientException',
  'Lambda.Unknown',
  'Runtime.ExitError',
  'Sandbox.Timedout',
  'States.Timeout',
] as const;

/**
 * A segment function that still times out or runs out of memory after its retries: its Map
 * item catches these and ends without a result, so the Map succeeds and Assemble sends the job
 * to the ECS worker (SegmentFallbackError). Anything else an item fails with fails the Map
 * (which Step Functions reports as States.ExceedToleratedFailureThreshold, whatever the item's
 * error: that name can no longer tell a timeout from a throttle or bad input, so it is not a
 * fallback).
 */
export const FALLBACK_ERROR_NAMES = [
  'Sandbox.Timedout',
  'States.Timeout',
  'Runtime.ExitError',
  'Runtime.OutOfMemory',
  'Lambda.Unknown',
] as const;

/** The error Assemble raises when Map items ended without a result (see FALLBACK_ERROR_NAMES). */
export const SEGMENT_FALLBACK_ERROR = 'SegmentFallback';

/** One ASL Retrier. */
export interface Retrier {
  ErrorEquals: string[];
  IntervalSeconds?: number;
  MaxAttempts: number;
  BackoffRate?: number;
  MaxDelaySeconds?: number;
  JitterStrategy?: 'FULL' | 'NONE';
}

/** Bad input is never retried (it listed first: the first matching retrier wins). */
const PERMANENT: Retrier = { ErrorEquals: [...PERMANENT_ERROR_NAMES], MaxAttempts: 0 };
/**
 * Throttles: 10 attempts, 2 s doubling to at most 120 s, full jitter (AWS's advice for
 * contention: spread the retries so they do not all return at once). Up to about 10 minutes in
 * all (about half that on average with full jitter): long enough for a burst of the other Map's
 * children to finish, short of the Tasks' own timeouts.
 */
const THROTTLE: Retrier = {
  ErrorEquals: [...THROTTLE_ERROR_NAMES],
  IntervalSeconds: 2,
  MaxAttempts: 10,
  BackoffRate: 2,
  MaxDelaySeconds: 120,
  JitterStrategy: 'FULL',
};
const TRANSIENT: Retrier = {
  ErrorEquals: TRANSIENT_ERROR_NAMES.filter((n) => !(THROTTLE_ERROR_NAMES as readonly string[]).includes(n)),
  IntervalSeconds: 2,
  MaxAttempts: 3,
  BackoffRate: 2,
  MaxDelaySeconds: 60,
  JitterStrategy: 'FULL',
};

/** The Retry of every Task (the first retrier whose names match wins). */
export const RETRY_POLICY: Retrier[] = [PERMANENT, THROTTLE, TRANSIENT];

/** EcsSubmit's: no capacity now is retried for longer, with a longer backoff. */
export const ECS_SUBMIT_RETRY_POLICY: Retrier[] = [
  PERMANENT,
  {
    ErrorEquals: ['EcsCapacityError'],
    IntervalSeconds: 30,
    MaxAttempts: 6,
    BackoffRate: 2,
    MaxDelaySeconds: 300,
    JitterStrategy: 'FULL',
  },
  THROTTLE,
  TRANSIENT,
];

/** The policy a Task must carry, by state name. */
export const retryPolicyOf = (stateName: string): Retrier[] =>
  stateName === 'EcsSubmit' ? ECS_SUBMIT_RETRY_POLICY : RETRY_POLICY;

/** A state of an ASL definition, loosely typed. */
type AslState = Record<string, unknown> & {
  Type: string;
  Branches?: { States: Record<string, AslState> }[];
  ItemProcessor?: { States: Record<string, AslState> };
  Iterator?: { States: Record<string, AslState> };
};

/**
 * A copy of `definition` whose every Task (Parallel branches and Map processors included) carries
 * its policy (`retryPolicyOf`), placed after its TimeoutSeconds. A Task that already has a Retry is
 * refused: the policy lives here only, and a hand-written Retry in the ASL would be silently lost.
 */
export function withRetryPolicies<D extends { States: Record<string, unknown> }>(definition: D): D {
  const copy = structuredClone(definition);
  const walk = (states: Record<string, AslState>) => {
    for (const [name, st] of Object.entries(states)) {
      if (st.Type === 'Task') {
        if ('Retry' in st)
          throw new Error(
            `Task ${name} has its own Retry: the policy is inserted from src/pipeline/retryPolicy.ts; remove it from the ASL`,
          );
        // Rebuilt so Retry sits after TimeoutSeconds, where a reader of the packaged ASL expects it.
        const entries = Object.entries(st);
        const at = entries.findIndex(([k]) => k === 'TimeoutSeconds') + 1 || entries.length;
        entries.splice(at, 0, ['Retry', structuredClone(retryPolicyOf(name))]);
        for (const k of Object.keys(st)) delete st[k];
        Object.assign(st, Object.fromEntries(entries));
      }
      for (const b of st.Branches ?? []) walk(b.States);
      const inner = st.ItemProcessor ?? st.Iterator;
      if (inner) walk(inner.States);
    }
  };
  walk(copy.States as Record<string, AslState>);
  return copy;
}
