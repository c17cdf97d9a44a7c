/**
 * A segment worker's GETs of its own bytes of the source: a few ranged requests on the
 * presigned URL (runs coalesced by segmentInput.coalesce), a bounded number in flight, each
 * retried on what may pass (network errors, 5xx, 429/503 throttling, a body cut short) and
 * failed at once on what will not (403, 404, 412, 416: the source is gone or changed).
 */
import { InputError, TransientError } from '../../errors.js';
import { mapLimit } from '../../util/mapLimit.js';
import type { Fetch } from './segmentInput.js';

/** Requests in flight per worker (S3 serves parallel GETs of one object well; a Lambda's network is the limit). */
export const FETCH_CONCURRENCY = 4;
/** Attempts per range (the SDK's standard retry mode also makes 3). */
export const FETCH_ATTEMPTS = 3;

/** What the fetches cost: bytes received and requests made (retries included). */
export interface FetchCounts {
  bytes: number;
  requests: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * GETs every range of `url`; the results keep the ranges' order. `fetchImpl` is injectable for
 * tests of the retry rules.
 */
export async function fetchRanges(
  url: string,
  ranges: Fetch[],
  opts: {
    concurrency?: number;
    attempts?: number;
    backoffMs?: number;
    fetchImpl?: typeof fetch;
    counts?: FetchCounts;
  } = {},
): Promise<{ start: number; data: Uint8Array }[]> {
  const f = opts.fetchImpl ?? fetch;
  const attempts = opts.attempts ?? FETCH_ATTEMPTS;
  const counts = opts.counts ?? { bytes: 0, requests: 0 };
  return mapLimit(ranges, opts.concurrency ?? FETCH_CONCURRENCY, async (r) => {
    const what = `source bytes ${r.start}-${r.end - 1}`;
    let last: unknown;
    for (let a = 0; a < attempts; a++) {
      if (a > 0) await sleep((opts.backoffMs ?? 100) * 2 ** (a - 1) * (0.5 + Math.random()));
      let res: Response;
      try {
        counts.requests++;
        res = await f(url, { headers: { range: `bytes=${r.start}-${r.end - 1}` } });
      } catch (err) {
        last = err;
        continue;
      }
      if (res.status === 404) throw new InputError('INPUT_NOT_FOUND', `${what}: the source is gone (HTTP 404)`);
      if ([403, 412, 416].includes(res.status)) throw new InputError('INPUT_UNREADABLE', `${what}: HTTP ${res.status}`);
      if (res.status !== 206 && res.status !== 200) {
        last = new Error(`HTTP ${res.status}`);
        await res.body?.cancel();
        continue;
      }
      let body: Uint8Array;
      try {
        body = new Uint8Array(await res.arrayBuffer());
      } catch (err) {
        last = err;
        continue;
      }
      counts.bytes += body.length;
      // A server that ignores Range sends the whole object: take the part asked for.
      const data = res.status === 200 ? body.subarray(r.start, r.end) : body;
      if (data.length !== r.end - r.start) {
        last = new Error(`${data.length} bytes received of ${r.end - r.start}`);
        continue;
      }
      return { start: r.start, data };
    }
    throw new TransientError(
      'INPUT_UNREADABLE',
      `${what}: failed ${attempts} times (${(last as Error)?.message ?? last})`,
      { cause: last },
    );
  });
}
