/**
 * Which callback URLs a job may name (checked when the job is created and again by the webhook
 * notifier before every delivery). In the cloud: `https://` only, to a public host name or
 * address: no credentials in the URL, no loopback, private, link-local or unspecified address
 * literals, no `localhost`. Locally (a flag, never set in the cloud) `http://` or `https://` to
 * 127.0.0.1, [::1] or localhost is allowed too, so a test or a developer's listener can receive.
 */
import net from 'node:net';

export const MAX_CALLBACK_URL_LENGTH = 2048;

export type { CallbackPolicy } from '../runtime.js';
import type { CallbackPolicy } from '../runtime.js';

const isLoopbackName = (host: string) => host === 'localhost' || host.endsWith('.localhost');

/** Whether an IPv4/IPv6 literal is loopback, private, link-local, CGNAT, multicast or unspecified. */
export function isNonPublicAddress(ip: string): boolean {
  const h = ip.replace(/^\[|\]$/g, '').toLowerCase();
  if (net.isIPv4(h)) {
    const [a, b] = h.split('.').map(Number);
    return a === 0 || a === 10 || a === 127 || (a === 169 && b === 254) || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 100 && b >= 64 && b <= 127) || a >= 224;
  }
  if (net.isIPv6(h)) {
    if (h === '::' || h === '::1') return true;
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(h);
    if (mapped) return isNonPublicAddress(mapped[1]);
    if (/^::ffff:/.test(h)) return true;
    return /^f[cd]/.test(h) || /^fe[89ab]/.test(h) || /^ff/.test(h);
  }
  return false;
}

const isLoopbackHost = (host: string) => {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return isLoopbackName(h) || h === '::1' || (net.isIPv4(h) && h.startsWith('127.'));
};

/** Checks a callback URL; returns the reason it is refused, or undefined when it is accepted. */
export function callbackUrlProblem(raw: string, policy: CallbackPolicy): string | undefined {
  if (raw.length > MAX_CALLBACK_URL_LENGTH) return `callbackUrl must be at most ${MAX_CALLBACK_URL_LENGTH} characters`;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'callbackUrl is not a URL';
  }
  if (url.username || url.password) return 'callbackUrl must not carry credentials';
  if (url.hash) return 'callbackUrl must not have a fragment';
  const host = url.hostname.toLowerCase();
  if (policy.allowLoopback && isLoopbackHost(host) && (url.protocol === 'http:' || url.protocol === 'https:')) return undefined;
  if (url.protocol !== 'https:') return policy.allowLoopback ? 'callbackUrl must be https:// (or http:// to 127.0.0.1/localhost on the local stack)' : 'callbackUrl must be https://';
  if (!host || isLoopbackName(host) || isNonPublicAddress(host)) return `callbackUrl host ${host || '(none)'} is not a public host`;
  if (!host.includes('.') && !net.isIP(host.replace(/^\[|\]$/g, ''))) return `callbackUrl host ${host} is not a fully qualified name`;
  return undefined;
}
