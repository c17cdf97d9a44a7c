import { createLogger } from '../src/log.js';
import { getCallbackPolicy } from '../src/api/callbackUrl.js';
import { deliverWebhook, type WebhookOutcome } from '../src/api/webhook.js';
import { DETAIL_TYPE } from '../src/pipeline/events.js';

/**
 * Target of the EventBridge rule on the job bus (detail-type "Transcode Job State Change", with a
 * callback URL): POSTs the event to `detail.userMetadata.callbackUrl`. A retryable failure
 * throws, so Lambda's async retries (at most 2, serverless.yml) deliver it again later.
 */
export async function handler(event: unknown): Promise<WebhookOutcome> {
  const ev = (event ?? {}) as { id?: string; 'detail-type'?: string; detail?: { jobId?: string } };
  const log = createLogger({ service: 'media-transcoder', step: 'webhookNotifier', jobId: ev.detail?.jobId, eventId: ev.id });
  if (ev['detail-type'] !== DETAIL_TYPE) {
    log.warn('ignored: not a job event', { detailType: ev['detail-type'] });
    return { delivered: false, reason: 'not a job event' };
  }
  return deliverWebhook(ev as Parameters<typeof deliverWebhook>[0], { policy: getCallbackPolicy(), log });
}
