/**
 * How a function is deployed, declared next to its code (each functions/*.ts exports `deploy`
 * beside its `definition`). serverless.yml's `functions:` entries, the state machine role's
 * InvokeSteps list and its DefinitionSubstitutions are generated from these
 * (src/deploy/serverlessWiring.ts, `npm run generate`); the local stack enforces the same
 * timeouts and /tmp sizes (src/local/lambdaLimits.ts).
 *
 * Values are what serverless.yml would hold: numbers, `${param:...}`/`${self:...}` variables,
 * or CloudFormation intrinsics in their long form (`{ Ref: X }`, `{ 'Fn::GetAtt': [X, 'Arn'] }`).
 */

/** A value of the template: a literal, a Serverless variable string or a CloudFormation intrinsic. */
export type TemplateValue = string | number | boolean | null | TemplateValue[] | { [k: string]: TemplateValue };

/** One function's deployment settings (the keys serverless.yml's function entries take). */
export interface FunctionDeploy {
  /** Why the settings are what they are: written as a comment above the generated entry. */
  comment?: string;
  /** Logical id of its IAM role (declared under resources in serverless.yml). */
  role: string;
  /** Whether it runs ffmpeg or ffprobe, and so carries the ffmpeg layer (/opt/bin). */
  ffmpegLayer?: boolean;
  /** MB (1,769 MB = one vCPU); absent: the provider's 512. */
  memorySize?: number | string;
  /** Seconds; under the Task's TimeoutSeconds for a state machine function. */
  timeout: number;
  /** /tmp in MB; absent: Lambda's 512. */
  ephemeralStorageSize?: number;
  /** Variables on top of the provider's. */
  environment?: Record<string, TemplateValue>;
  /** Asynchronous invocation: retries and event age (Lambda's own retry of an event source's invocation). */
  maximumRetryAttempts?: number;
  maximumEventAge?: number;
  destinations?: TemplateValue;
  /** Event sources other than HTTP routes (those come from src/api/routes.ts). */
  events?: TemplateValue[];
}

/** The ffmpeg layer of serverless.yml (`layers.ffmpeg`). */
export const FFMPEG_LAYER: TemplateValue = { Ref: 'FfmpegLambdaLayer' };

/**
 * The functions that start executions (ingest, POST /jobs): the state machine and the encoder
 * decider thresholds, copied into each execution input as config.decider.
 */
export const STARTER_ENVIRONMENT: Record<string, TemplateValue> = {
  STATE_MACHINE_ARN: { Ref: 'TranscodeStateMachine' },
  MAX_LAMBDA_SIZE_BYTES: '${param:maxLambdaSizeBytes}',
  MAX_LAMBDA_KEYFRAME_GAP_SECONDS: '${param:maxLambdaKeyframeGapSeconds}',
  MAX_LAMBDA_DURATION_SECONDS: '${param:maxLambdaDurationSeconds}',
  MAX_LAMBDA_LONG_SIDE: '${param:maxLambdaLongSide}',
  MAX_LAMBDA_SHORT_SIDE: '${param:maxLambdaShortSide}',
  MAX_LAMBDA_SEGMENT_ENCODE_SECONDS: '${param:maxLambdaSegmentEncodeSeconds}',
};

/** The functions that run, watch or stop worker tasks (src/aws/ecs.ts ecsSettingsFromConfig). */
export const ECS_ENVIRONMENT: Record<string, TemplateValue> = {
  ECS_CLUSTER: { Ref: 'WorkerCluster' },
  ECS_TASK_DEFINITION: { Ref: 'WorkerTaskDefinition' },
  ECS_SUBNETS: '${param:workerSubnets}',
  ECS_SECURITY_GROUPS: '${param:workerSecurityGroups}',
  ECS_ASSIGN_PUBLIC_IP: '${param:workerAssignPublicIp}',
  ECS_CONTAINER_NAME: '${self:custom.workerContainerName}',
  // Unset (launch type FARGATE) unless the workerCapacityProvider param names one.
  ECS_CAPACITY_PROVIDER: {
    'Fn::If': ['WorkerUsesCapacityProvider', '${param:workerCapacityProvider}', { Ref: 'AWS::NoValue' }],
  },
  ECS_POLL_SECONDS: '${param:workerPollSeconds}',
};

/** What an HTTP route puts under `authorizer:` (the mode the apiAuthMode parameter selects). */
export const HTTP_ROUTE_AUTHORIZER = '${self:custom.httpApiRouteAuthorizer.${param:apiAuthMode}}';
