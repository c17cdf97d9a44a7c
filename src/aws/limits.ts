/**
 * AWS's documented limits that the service's path can run into, as data: each with its value,
 * the AWS page it comes from and the error AWS answers with when it is exceeded. The local
 * stack enforces every one of them by default (docs/LIMITS.md); tests scale them down through
 * {@link resolveLimits} to drive the paths a limit changes on sources of test size.
 *
 * Per-function Lambda limits (timeout, /tmp) are not in this table: they are each function's
 * own setting in serverless.yml, read from there (src/local/lambdaLimits.ts).
 */

/** The error AWS returns when a limit is exceeded: what a caller (or a state machine's Retry/Catch) sees. */
export interface AwsLimitError {
  /** The SDK exception name / S3 error code / Step Functions error name. */
  code: string;
  /** HTTP status of the API answer (absent where no API call fails: Step Functions, Lambda runtime). */
  status?: number;
  /** AWS's message (verbatim where AWS documents or prints one). */
  message: string;
}

/** One limit: its value, the AWS page it comes from and the error AWS gives when it is exceeded. */
export interface AwsLimit {
  value: number;
  what: string;
  source: string;
  error: AwsLimitError;
}

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;
const KiB = 1024;

const S3_QUOTAS = 'https://docs.aws.amazon.com/AmazonS3/latest/userguide/qfacts.html';
const S3_ERRORS = 'https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html';
const SFN_QUOTAS = 'https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html';
const LAMBDA_QUOTAS = 'https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html';
const EB_PUTEVENTS = 'https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEvents.html';
const DDB_LIMITS = 'https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html';
const DDB_THROTTLE =
  'https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/throttling-key-range-limit-exceeded-mitigation.html';

/** The table. Keys are the names an override uses (`limits: { s3CopySourceBytes: 1_000_000 }`). */
export const AWS_LIMITS = {
  s3PutObjectBytes: {
    value: 5 * GiB,
    what: 'S3 PutObject: largest object in one PUT',
    source: `${S3_QUOTAS} ; ${S3_ERRORS}`,
    error: {
      code: 'EntityTooLarge',
      status: 400,
      message: 'Your proposed upload exceeds the maximum allowed object size.',
    },
  },
  s3CopySourceBytes: {
    value: 5 * GiB,
    what: 'S3 CopyObject: largest source object (larger ones need UploadPartCopy)',
    source: 'https://docs.aws.amazon.com/AmazonS3/latest/API/API_CopyObject.html',
    error: {
      code: 'InvalidRequest',
      status: 400,
      message: 'The specified copy source is larger than the maximum allowable size for a copy source: 5368709120',
    },
  },
  s3PartMinBytes: {
    value: 5 * MiB,
    what: 'S3 multipart: smallest part (the last part excepted), checked at CompleteMultipartUpload',
    source: `${S3_QUOTAS} ; ${S3_ERRORS}`,
    error: {
      code: 'EntityTooSmall',
      status: 400,
      message: 'Your proposed upload is smaller than the minimum allowed object size.',
    },
  },
  s3PartMaxBytes: {
    value: 5 * GiB,
    what: 'S3 multipart: largest part (UploadPart)',
    source: S3_QUOTAS,
    error: {
      code: 'EntityTooLarge',
      status: 400,
      message: 'Your proposed upload exceeds the maximum allowed object size.',
    },
  },
  s3PartNumberMax: {
    value: 10_000,
    what: 'S3 multipart: part numbers 1 to 10,000',
    source: 'https://docs.aws.amazon.com/AmazonS3/latest/API/API_UploadPart.html',
    error: {
      code: 'InvalidArgument',
      status: 400,
      message: 'Part number must be an integer between 1 and 10000, inclusive',
    },
  },
  s3ObjectBytes: {
    value: 5 * 1024 * GiB,
    what: 'S3: largest object (multipart)',
    source: S3_QUOTAS,
    error: {
      code: 'EntityTooLarge',
      status: 400,
      message: 'Your proposed upload exceeds the maximum allowed object size.',
    },
  },
  sfnPayloadBytes: {
    value: 256 * KiB,
    what: "Step Functions: a state's input or output, a Task's result (UTF-8 bytes of the JSON); a terminal error States.ALL does not catch",
    source: `${SFN_QUOTAS} ; https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html`,
    error: {
      code: 'States.DataLimitExceeded',
      message: 'The state/task returned a result with a size exceeding the maximum number of bytes service limit.',
    },
  },
  sfnHistoryEvents: {
    value: 25_000,
    what: 'Step Functions Standard: events in one execution history (the execution fails when it is reached)',
    source: SFN_QUOTAS,
    // AWS documents that the execution fails; it documents no error name for it. The local
    // stack fails the execution with this one (not matchable by a Catch either).
    error: { code: 'States.Runtime', message: 'The execution reached the maximum number of history events (25,000).' },
  },
  lambdaResponseBytes: {
    value: 6 * MiB + 100,
    what: 'Lambda: synchronous response payload (AWS prints the limit as 6291556 bytes)',
    source: LAMBDA_QUOTAS,
    error: {
      code: 'Function.ResponseSizeTooLarge',
      message: 'Response payload size exceeded maximum allowed payload size (6291556 bytes).',
    },
  },
  eventEntryBytes: {
    value: 256 * KiB,
    what: "EventBridge PutEvents: one request's entries (Time 14 bytes + Source + DetailType + Detail + Resources, UTF-8)",
    source: `${EB_PUTEVENTS} ; https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-putevent-size.html`,
    error: {
      code: 'ValidationException',
      status: 400,
      message: 'Total size of the entries in the request is over the limit.',
    },
  },
  ddbItemBytes: {
    value: 400 * KiB,
    what: 'DynamoDB: largest item (names and values, UTF-8)',
    source: DDB_LIMITS,
    error: { code: 'ValidationException', status: 400, message: 'Item size has exceeded the maximum allowed size' },
  },
  ddbPartitionWcu: {
    value: 1_000,
    what: 'DynamoDB: write capacity units per second one partition (one partition key) takes, on-demand tables included',
    source: `${DDB_LIMITS} ; ${DDB_THROTTLE}`,
    // On-demand (PAY_PER_REQUEST) tables are throttled per partition too; AWS answers
    // ProvisionedThroughputExceededException with the ThrottlingReason
    // TableWriteKeyRangeThroughputExceeded (ThrottlingException is its control-plane and
    // account-level error, not a hot key's).
    error: {
      code: 'ProvisionedThroughputExceededException',
      status: 400,
      message:
        'The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API.',
    },
  },
  ddbPartitionRcu: {
    value: 3_000,
    what: 'DynamoDB: read capacity units per second one partition takes (strongly consistent: 1 RCU per 4 KB read)',
    source: `${DDB_LIMITS} ; ${DDB_THROTTLE}`,
    error: {
      code: 'ProvisionedThroughputExceededException',
      status: 400,
      message:
        'The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API.',
    },
  },
} as const satisfies Record<string, AwsLimit>;

/** A limit's name. */
export type LimitName = keyof typeof AWS_LIMITS;

/** Values that replace the table's (tests scale limits down; `Infinity` switches one off). */
export type LimitOverrides = Partial<Record<LimitName, number>>;

/** The limits in force: the table's values, each replaced by its override when one is given. */
export type Limits = Record<LimitName, number>;

/** The table's values with `overrides` applied; an unknown name or a value that is not a positive number is an error. */
export function resolveLimits(overrides: LimitOverrides = {}): Limits {
  for (const [name, v] of Object.entries(overrides)) {
    if (!(name in AWS_LIMITS))
      throw new Error(`unknown AWS limit "${name}" (known: ${Object.keys(AWS_LIMITS).join(', ')})`);
    if (typeof v !== 'number' || !(v > 0))
      throw new Error(`AWS limit ${name} must be a positive number, got ${String(v)}`);
  }
  return Object.fromEntries(
    Object.entries(AWS_LIMITS).map(([name, l]) => [name, overrides[name as LimitName] ?? l.value]),
  ) as Limits;
}

/**
 * An error as AWS reports the limit's breach: `name` is AWS's code (what a Retry/Catch or an
 * SDK caller matches), `$metadata.httpStatusCode` its status where an API answers.
 */
export function limitError(
  name: LimitName,
  message: string = AWS_LIMITS[name].error.message,
): Error & { code: string } {
  const e = AWS_LIMITS[name].error as AwsLimitError;
  return Object.assign(new Error(message), {
    name: e.code,
    code: e.code,
    ...(e.status ? { $fault: 'client', $metadata: { httpStatusCode: e.status } } : {}),
  });
}
