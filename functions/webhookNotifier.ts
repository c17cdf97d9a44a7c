import { z } from 'zod';
import { defineFunction, lambdaHandler } from '../src/pipeline/handler.js';
import { deliverWebhook, type WebhookOutcome } from '../src/api/webhook.js';
import { DETAIL_TYPE } from '../src/pipeline/events.js';
import type { FunctionDeploy } from '../src/deploy/functionDeploy.js';

/**
 * Target of the EventBridge rule on the job bus (detail-type "Transcode Job State Change", with a
 * callback URL): POSTs the event to `detail.userMetadata.callbackUrl`. A retryable failure
 * throws, so Lambda's async retries (at most 2, serverless.yml) deliver it again later; the
 * local stack calls the same definition and retries the same way.
 */
export const definition = defineFunction(
  'webhookNotifier',
  z.unknown(),
  async (event, { rt, log }): Promise<WebhookOutcome> => {
    const ev = (event ?? {}) as { id?: string; 'detail-type'?: string; detail?: { jobId?: string } };
    const elog = log.child({ jobId: ev.detail?.jobId, eventId: ev.id });
    if (ev['detail-type'] !== DETAIL_TYPE) {
      elog.warn('ignored: not a job event', { detailType: ev['detail-type'] });
      return { delivered: false, reason: 'not a job event' };
    }
    return deliverWebhook(ev as Parameters<typeof deliverWebhook>[0], {
      policy: rt.callbacks,
      log: elog,
      secret: () => rt.webhookSecret(),
    });
  },
);

export const handler = lambdaHandler(definition);

/** How it is deployed (serverless.yml's entry is generated from this: `npm run generate`). */
export const deploy: FunctionDeploy = {
  comment:
    'Example consumer of job events: POSTs each event of a job that has a callback URL to it. A failed delivery throws; Lambda retries an async invocation at most twice, within an hour.',
  role: 'WebhookNotifierRole',
  memorySize: 256,
  timeout: 30,
  environment: { WEBHOOK_SECRET_PARAMETER: '${param:webhookSecretParameter}' },
  maximumRetryAttempts: 2,
  maximumEventAge: 3600,
  events: [
    {
      eventBridge: {
        eventBus: { Ref: 'JobEventBus' },
        pattern: {
          source: ['${self:custom.eventSource}'],
          'detail-type': ['Transcode Job State Change'],
          detail: { userMetadata: { callbackUrl: [{ exists: true }] } },
        },
        retryPolicy: { maximumEventAge: 3600, maximumRetryAttempts: 2 },
      },
    },
  ],
};
