/**
 * The Retry policy of every Task in statemachines/transcode.asl.json, defined once here.
 * The ASL file carries a copy in each Task (the deployed definition must be complete);
 * test/unit/wiring.test.ts proves every Task's Retry equals this policy, so the copies cannot
 * drift, and that the permanent names equal PERMANENT_ERROR_NAMES in src/errors.ts.
 */
import { PERMANENT_ERROR_NAMES } from '../errors.js';

/** Failures worth another try: ours, Lambda's service errors, a killed sandbox, a timeout. */
export const TRANSIENT_ERROR_NAMES = [
  'TransientError',
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
  'Lambda.Unknown',
  'Runtime.ExitError',
  'Sandbox.Timedout',
  'States.Timeout',
] as const;

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
const TRANSIENT: Retrier = { ErrorEquals: [...TRANSIENT_ERROR_NAMES], IntervalSeconds: 2, MaxAttempts: 3, BackoffRate: 2, MaxDelaySeconds: 60, JitterStrategy: 'FULL' };

/** The Retry of every Task. */
export const RETRY_POLICY: Retrier[] = [PERMANENT, TRANSIENT];

/** EcsSubmit's: no capacity now is retried for longer, with a longer backoff. */
export const ECS_SUBMIT_RETRY_POLICY: Retrier[] = [
  PERMANENT,
  { ErrorEquals: ['EcsCapacityError'], IntervalSeconds: 30, MaxAttempts: 6, BackoffRate: 2, MaxDelaySeconds: 300, JitterStrategy: 'FULL' },
  TRANSIENT,
];

/** The policy a Task must carry, by state name. */
export const retryPolicyOf = (stateName: string): Retrier[] => (stateName === 'EcsSubmit' ? ECS_SUBMIT_RETRY_POLICY : RETRY_POLICY);
