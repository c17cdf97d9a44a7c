import { defineFunction, lambdaHandler } from '../src/pipeline/handler.js';
import { ObjectCreatedSchema } from '../src/pipeline/ingest.js';
import { ingestStep } from '../src/pipeline/steps/ingest.js';
import { type FunctionDeploy, STARTER_ENVIRONMENT } from '../src/deploy/functionDeploy.js';

/** Target of the EventBridge rule on Object Created in the ingest bucket. */
export const definition = defineFunction('ingest', ObjectCreatedSchema, (event, { rt, log, metrics }) =>
  ingestStep(rt, event, log, metrics),
);

export const handler = lambdaHandler(definition);

/** How it is deployed (serverless.yml's entry is generated from this: `npm run generate`). */
export const deploy: FunctionDeploy = {
  comment:
    "A failed ingest (DynamoDB or Step Functions throttled past the SDK's retries) is retried by Lambda (async invocation: at most 2 more attempts), then sent to the dead-letter queue.",
  role: 'IngestRole',
  memorySize: 256,
  timeout: 30,
  environment: STARTER_ENVIRONMENT,
  maximumRetryAttempts: 2,
  maximumEventAge: 21600,
  destinations: { onFailure: { type: 'sqs', arn: { 'Fn::GetAtt': ['IngestDeadLetterQueue', 'Arn'] } } },
  events: [
    {
      // S3 sends Object Created to the default bus once the bucket has EventBridge enabled.
      // Delivery to the function (throttled, unavailable) is retried with backoff for up to 24 h
      // (EventBridge's maxima), then the event goes to the dead-letter queue.
      eventBridge: {
        pattern: {
          source: ['aws.s3'],
          'detail-type': ['Object Created'],
          detail: { bucket: { name: [{ Ref: 'IngestBucket' }] } },
        },
        retryPolicy: { maximumEventAge: 86400, maximumRetryAttempts: 185 },
        deadLetterQueueArn: { 'Fn::GetAtt': ['IngestDeadLetterQueue', 'Arn'] },
      },
    },
  ],
};
