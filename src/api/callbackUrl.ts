/**
 * Which callback URLs a job may name, and where a delivery may connect. Checked when the job is
 * created and again before every delivery.
 *
 * - The text: `https://` only in the cloud; no credentials or fragment in the URL; a fully
 *   qualified host name or an address literal. Locally (a flag, never set in the cloud) `http://`
 *   is allowed too, to hosts that resolve to loopback only.
 * - The addresses: the host name is resolved and every address it has must be public global
 *   unicast (ipaddr.js classifies them): no loopback, private (RFC 1918), link-local (so not
 *   169.254.169.254), CGNAT, multicast, broadcast, unspecified or reserved IPv4; no IPv6
 *   loopback, unspecified, link-local, unique-local (so not fd00:ec2::254), multicast,
 *   IPv4-mapped (::ffff:0:0/96), IPv4-compatible (::/96), NAT64 (64:ff9b::/96, 64:ff9b:1::/48),
 *   6to4, Teredo or anything outside 2000::/3. Embedded IPv4 forms are refused whatever they
 *   embed: a public receiver has no reason to be named that way.
 * - The connection goes to the address that was checked (src/api/pinnedDispatcher.ts), never
 *   to a second resolution of the name (DNS rebinding).
 */
import net from 'node:net';
import { lookup } from 'node:dns/promises';
import ipaddr from 'ipaddr.js';

export const MAX_CALLBACK_URL_LENGTH = 2048;

export type { CallbackPolicy, HostResolver } from '../runtime.js';
import type { CallbackPolicy, HostResolver } from '../runtime.js';

const IPV4_COMPATIBLE = ipaddr.parseCIDR('::/96');
const GLOBAL_UNICAST_V6 = ipaddr.parseCIDR('2000::/3');

/** The system's resolver: every address of a name, in the order the system gives them. */
export const systemResolver: HostResolver = (hostname) => lookup(hostname, { all: true, verbatim: true });

/**
 * Why a delivery may not connect to an address; undefined for a public global unicast address
 * (or, when `allowLoopback`, a loopback one).
 */
export function addressProblem(ip: string, allowLoopback = false): string | undefined {
  const h = ip.replace(/^\[|\]$/g, '');
  // net.isIP first: ipaddr.js also takes forms such as `0x7f.1` that are not address literals here.
  if (!net.isIP(h)) return `${h.slice(0, 64)} is not an IP address`;
  const a = ipaddr.parse(h);
  const range = a.range();
  if (range === 'loopback') return allowLoopback ? undefined : `${h} is a loopback address`;
  if (range !== 'unicast') return `${h} is not a public address (${range})`;
  if (a.kind() === 'ipv6') {
    const v6 = a as ipaddr.IPv6;
    if (v6.match(IPV4_COMPATIBLE)) return `${h} is not a public address (IPv4-compatible)`;
    if (!v6.match(GLOBAL_UNICAST_V6)) return `${h} is not a public address (outside 2000::/3)`;
  }
  return undefined;
}

/** Whether an IPv4/IPv6 literal is anything but a public global unicast address. */
export const isNonPublicAddress = (ip: string): boolean => addressProblem(ip) !== undefined;

/** Checks a callback URL as text; returns the reason it is refused, or undefined. */
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
  const http = url.protocol === 'http:' && policy.allowLoopback;
  if (url.protocol !== 'https:' && !http)
    return policy.allowLoopback
      ? 'callbackUrl must be https:// (or http:// to a loopback host on the local stack)'
      : 'callbackUrl must be https://';
  const host = url.hostname.toLowerCase().replace(/^\[|\]$/g, '');
  if (!host) return 'callbackUrl has no host';
  if (net.isIP(host)) {
    const p = addressProblem(host, policy.allowLoopback);
    if (p) return `callbackUrl host ${p}`;
    if (http && ipaddr.parse(host).range() !== 'loopback')
      return 'callbackUrl must be https:// (http:// only to a loopback host on the local stack)';
    return undefined;
  }
  const loopbackName = host === 'localhost' || host.endsWith('.localhost');
  if (loopbackName && !policy.allowLoopback) return `callbackUrl host ${host} is not a public host`;
  if (!loopbackName && !host.includes('.')) return `callbackUrl host ${host} is not a fully qualified name`;
  return undefined;
}

/** A callback URL whose host was resolved and checked: connect to `address`, nowhere else. */
export interface CallbackTarget {
  url: URL;
  address: string;
  family: 4 | 6;
}

/** The outcome of resolveCallbackTarget: the target, or why not (transient: DNS may answer later). */
export type CallbackResolution =
  | { ok: true; target: CallbackTarget }
  | { ok: false; problem: string; transient: boolean };

/**
 * Checks a callback URL as text, resolves its host and checks every address it has (one
 * forbidden address refuses the URL: a resolver may hand out any of them). Returns the first
 * address, which the delivery connects to (pinned).
 */
export async function resolveCallbackTarget(raw: string, policy: CallbackPolicy): Promise<CallbackResolution> {
  const problem = callbackUrlProblem(raw, policy);
  if (problem) return { ok: false, problem, transient: false };
  const url = new URL(raw);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  let addrs: { address: string; family: number }[];
  if (net.isIP(host)) addrs = [{ address: host, family: net.isIP(host) }];
  else {
    try {
      addrs = await (policy.resolve ?? systemResolver)(host);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'error';
      // NXDOMAIN and "no such address" are answers; anything else (EAI_AGAIN, a timeout) may pass.
      return {
        ok: false,
        problem: `callbackUrl host ${host} does not resolve (${code})`,
        transient: !['ENOTFOUND', 'ENODATA'].includes(code),
      };
    }
  }
  if (!addrs.length) return { ok: false, problem: `callbackUrl host ${host} resolves to no address`, transient: false };
  for (const a of addrs) {
    const p = addressProblem(a.address, policy.allowLoopback);
    if (p) return { ok: false, problem: `callbackUrl host ${host} resolves to ${a.address}: ${p}`, transient: false };
    if (url.protocol === 'http:' && ipaddr.parse(a.address).range() !== 'loopback') {
      return {
        ok: false,
        problem: `callbackUrl host ${host} resolves to ${a.address}: http:// only to loopback on the local stack`,
        transient: false,
      };
    }
  }
  const first = addrs[0];
  return { ok: true, target: { url, address: first.address, family: net.isIPv6(first.address) ? 6 : 4 } };
}
