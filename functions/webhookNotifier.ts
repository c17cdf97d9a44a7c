import { z } from 'zod';
import { defineFunction, lambdaHandler } from '../src/pipeline/handler.js';
import { deliverWebhook, type WebhookOutcome } from '../src/api/webhook.js';
import { DETAIL_TYPE } from '../src/pipeline/events.js';

/**
 * Target of the EventBridge rule on the job bus (detail-type "Transcode Job State Change", with a
 * callback URL): POSTs the event to `detail.userMetadata.callbackUrl`. A retryable failure
 * throws, so Lambda's async retries (at most 2, serverless.yml) deliver it again later; the
 * local stack calls the same definition and retries the same way.
 */
export const definition = defineFunction('webhookNotifier', z.unknown(), async (event, { rt, log }): Promise<WebhookOutcome> => {
  const ev = (event ?? {}) as { id?: string; 'detail-type'?: string; detail?: { jobId?: string } };
  const elog = log.child({ jobId: ev.detail?.jobId, eventId: ev.id });
  if (ev['detail-type'] !== DETAIL_TYPE) {
    elog.warn('ignored: not a job event', { detailType: ev['detail-type'] });
    return { delivered: false, reason: 'not a job event' };
  }
  return deliverWebhook(ev as Parameters<typeof deliverWebhook>[0], { policy: rt.callbacks, log: elog, secret: () => rt.webhookSecret() });
});

export const handler = lambdaHandler(definition);
