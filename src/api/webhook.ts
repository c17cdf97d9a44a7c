/**
 * The example consumer of job events: POSTs the event (the envelope EventBridge delivers) to
 * the job's callback URL (`detail.userMetadata.callbackUrl`, set by `POST /jobs`).
 *
 * - The URL is checked again before every delivery (src/api/callbackUrl.ts): https only in the
 *   cloud; http to loopback only when the local flag says so; the host is resolved, every
 *   address checked, and the connection pinned to the checked address (no second resolution).
 * - Signed per the Standard Webhooks specification (the `standardwebhooks` package):
 *   `webhook-id` (the event id: the same on a retried delivery, so receivers de-duplicate on
 *   it), `webhook-timestamp` (seconds) and `webhook-signature` (`v1,<HMAC-SHA256 base64>` of
 *   `id.timestamp.body` with the WEBHOOK_SECRET). A receiver verifies with the package's
 *   `new Webhook(secret).verify(body, headers)`.
 * - A time limit on the whole exchange, redirects never followed (a 3xx is a refusal), the
 *   request body bounded, and at most a few KiB of the answer read.
 * - Retry policy: 2xx delivered; a 3xx or a 4xx other than 408/429 is final (logged, not
 *   retried: sending the same thing again will not help); a network error, a timeout, 408, 429
 *   or 5xx throws WebhookRetryableError so the caller retries: in the cloud, Lambda's async
 *   retries (at most 2, serverless.yml) after EventBridge's delivery; locally, the serve stack
 *   retries at most twice with a backoff. No loop of our own: no retry storm.
 */
import { randomUUID } from 'node:crypto';
import { fetch, type Response } from 'undici';
import { Webhook } from 'standardwebhooks';
import type { Logger } from '../log.js';
import { resolveCallbackTarget, type CallbackPolicy } from './callbackUrl.js';
import { pinnedDispatcher } from './pinnedDispatcher.js';

export const WEBHOOK_TIMEOUT_MS = 10_000;
/** EventBridge events are at most 256 KB; nothing larger is sent. */
export const MAX_WEBHOOK_BODY_BYTES = 256 * 1024;
/** How much of the receiver's answer is read (for the log). */
export const MAX_WEBHOOK_RESPONSE_BYTES = 4 * 1024;
export const WEBHOOK_USER_AGENT = 'media-transcoder-webhook/1';

/** Thrown for a failure worth retrying later; its name is what the caller's retry matches. */
export class WebhookRetryableError extends Error {
  override name = 'WebhookRetryableError';
}

export type WebhookOutcome =
  | { delivered: true; status: number; url: string }
  | { delivered: false; reason: string; status?: number; url?: string };

interface EventLike {
  id?: string;
  'detail-type'?: string;
  detail?: { jobId?: string; status?: string; userMetadata?: Record<string, unknown> };
}

/** Reads at most `max` bytes of a response body, then cancels the rest. */
async function readBounded(res: Response, max: number): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let n = 0;
  try {
    while (n < max) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value.subarray(0, max - n));
      n += Math.min(value.length, max - n);
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Delivers one job event to its callback URL (see the module comment for the policy). */
export async function deliverWebhook(
  event: EventLike,
  opts: {
    policy: CallbackPolicy;
    log: Logger;
    /** The signing secret (`whsec_...`), asked for only when a delivery is about to be sent. */
    secret: () => Promise<string>;
    timeoutMs?: number;
    /** undici's fetch (tests wrap it). */
    fetchImpl?: typeof fetch;
    now?: () => Date;
  },
): Promise<WebhookOutcome> {
  const { log } = opts;
  const raw = event.detail?.userMetadata?.callbackUrl;
  if (typeof raw !== 'string' || !raw) return { delivered: false, reason: 'the job has no callbackUrl' };
  const resolved = await resolveCallbackTarget(raw, opts.policy);
  if (!resolved.ok) {
    if (resolved.transient) {
      log.warn('webhook not sent: callback host does not resolve now: will be retried', {
        jobId: event.detail?.jobId,
        problem: resolved.problem,
      });
      throw new WebhookRetryableError(resolved.problem);
    }
    log.warn('webhook not sent: callback URL refused', { jobId: event.detail?.jobId, problem: resolved.problem });
    return { delivered: false, reason: resolved.problem };
  }
  const body = JSON.stringify(event);
  if (Buffer.byteLength(body) > MAX_WEBHOOK_BODY_BYTES) {
    log.warn('webhook not sent: event too large', { jobId: event.detail?.jobId, bytes: Buffer.byteLength(body) });
    return { delivered: false, reason: 'event larger than the webhook body limit', url: raw };
  }
  const signer = new Webhook(await opts.secret());
  const webhookId = event.id ?? randomUUID();
  const signedAt = (opts.now ?? (() => new Date()))();
  const signature = {
    'webhook-id': webhookId,
    'webhook-timestamp': String(Math.floor(signedAt.getTime() / 1000)),
    'webhook-signature': signer.sign(webhookId, signedAt, body),
  };
  const started = Date.now();
  const timeoutMs = opts.timeoutMs ?? WEBHOOK_TIMEOUT_MS;
  const dispatcher = pinnedDispatcher(resolved.target, timeoutMs);
  try {
    return await send(raw, body, event, {
      ...opts,
      timeoutMs,
      dispatcher,
      started,
      address: resolved.target.address,
      signature,
    });
  } finally {
    // destroy, not close: the answer was read (or cancelled) already; nothing may linger.
    await dispatcher.destroy().catch(() => undefined);
  }
}

/** One POST over the pinned dispatcher, and what its answer means (see the module comment). */
async function send(
  raw: string,
  body: string,
  event: EventLike,
  opts: {
    log: Logger;
    timeoutMs: number;
    fetchImpl?: typeof fetch;
    dispatcher: ReturnType<typeof pinnedDispatcher>;
    started: number;
    address: string;
    signature: Record<string, string>;
  },
): Promise<WebhookOutcome> {
  const { log, started } = opts;
  let res: Response;
  try {
    res = await (opts.fetchImpl ?? fetch)(raw, {
      dispatcher: opts.dispatcher,
      method: 'POST',
      redirect: 'manual',
      signal: AbortSignal.timeout(opts.timeoutMs),
      headers: {
        'content-type': 'application/json',
        'user-agent': WEBHOOK_USER_AGENT,
        ...opts.signature,
        ...(event.id ? { 'x-transcode-event-id': event.id } : {}),
        ...(event.detail?.jobId ? { 'x-transcode-job-id': event.detail.jobId } : {}),
      },
      body,
    });
  } catch (err) {
    const e = err as Error;
    const why =
      e.name === 'TimeoutError' || e.name === 'AbortError'
        ? `no answer within ${opts.timeoutMs} ms`
        : `${e.message}${e.cause ? ` (${(e.cause as Error).message ?? e.cause})` : ''}`;
    log.warn('webhook delivery failed: will be retried', { jobId: event.detail?.jobId, why, ms: Date.now() - started });
    throw new WebhookRetryableError(`webhook to ${new URL(raw).host} failed: ${why}`, { cause: err });
  }
  const answer = await readBounded(res, MAX_WEBHOOK_RESPONSE_BYTES).catch(() => '');
  const fields = { jobId: event.detail?.jobId, status: res.status, address: opts.address, ms: Date.now() - started };
  if (res.status >= 200 && res.status < 300) {
    log.info('webhook delivered', fields);
    return { delivered: true, status: res.status, url: raw };
  }
  if (res.status === 408 || res.status === 429 || res.status >= 500) {
    log.warn('webhook refused for now: will be retried', { ...fields, answer: answer.slice(0, 200) });
    throw new WebhookRetryableError(`webhook to ${new URL(raw).host} answered ${res.status}`);
  }
  const reason =
    res.status >= 300 && res.status < 400
      ? `redirect ${res.status} not followed`
      : `the receiver answered ${res.status}`;
  log.warn('webhook refused: not retried', { ...fields, reason, answer: answer.slice(0, 200) });
  return { delivered: false, reason, status: res.status, url: raw };
}
