/**
 * An undici dispatcher that connects only to an address checked beforehand. Its `lookup`
 * answers every lookup with that address, so the name in the URL is never resolved a second
 * time (a DNS-rebinding answer between the check and the connection changes nothing), while
 * the Host header and TLS (SNI, certificate name) still use the name.
 */
import type { LookupAddress, LookupOptions } from 'node:dns';
import { Agent } from 'undici';
import type { CallbackTarget } from './callbackUrl.js';

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A `net.connect` lookup that always answers `address`. Node calls it with `all: true` when it
 * tries several addresses (autoSelectFamily, the default since Node 20), so both forms are answered.
 */
export function pinnedLookup(address: string, family: 4 | 6) {
  return (_hostname: string, options: LookupOptions, callback: LookupCallback): void => {
    if (options?.all) callback(null, [{ address, family }]);
    else callback(null, address, family);
  };
}

/** A one-delivery dispatcher pinned to the target's checked address (close it afterwards). */
export function pinnedDispatcher(target: CallbackTarget, timeoutMs: number): Agent {
  return new Agent({
    connect: { lookup: pinnedLookup(target.address, target.family), timeout: timeoutMs },
    // One delivery, one connection: nothing kept alive for the next job's URL.
    pipelining: 0,
  });
}
