/**
 * The worker's GETs of its own bytes: runs coalesced (near runs share a request, far ones do
 * not, no request past the cap), transient failures retried, permanent ones not, a short body
 * refused; and a segment's audio outputs added to its one input.
 */
import assert from 'node:assert/strict';
import { coalesce, gatherRuns } from '../../src/media/input/segmentInput.js';
import { fetchRanges } from '../../src/media/input/segmentFetch.js';
import { ffArgs, ffInput, mergeCommands, type FfCommand } from '../../src/media/ffmpeg/command.js';
import { audioChunkCommand } from '../../src/media/encode/cmaf.js';
import { getPreset } from '../../src/media/plan/presets.js';

const data = new Uint8Array(1000).map((_, i) => i % 251);

/** A stand-in server: answers ranges of `data`, after `failures` scripted answers. */
function server(failures: (number | 'throw' | 'short')[]) {
  const asked: string[] = [];
  const impl = (async (_url: string, init?: { headers?: Record<string, string> }) => {
    const range = init!.headers!.range;
    asked.push(range);
    const f = failures.shift();
    if (f === 'throw') throw new TypeError('fetch failed');
    if (typeof f === 'number') return new Response('no', { status: f });
    const [, a, b] = /bytes=(\d+)-(\d+)/.exec(range)!.map(Number);
    const body = data.slice(a, f === 'short' ? b : b + 1);
    return new Response(body, { status: 206 });
  }) as unknown as typeof fetch;
  return { impl, asked };
}

describe('segment fetch', () => {
  it('coalesces runs closer than the gap, keeps far ones apart, caps a request', () => {
    assert.deepEqual(
      coalesce(
        [
          [100, 10],
          [0, 50],
          [60, 20],
          [500, 10],
        ],
        10,
        1000,
      ),
      [
        { start: 0, end: 80 },
        { start: 100, end: 110 },
        { start: 500, end: 510 },
      ],
    );
    assert.deepEqual(
      coalesce(
        [
          [0, 50],
          [60, 20],
        ],
        5,
        1000,
      ),
      [
        { start: 0, end: 50 },
        { start: 60, end: 80 },
      ],
    );
    assert.deepEqual(
      coalesce(
        [
          [0, 50],
          [50, 50],
          [100, 50],
        ],
        0,
        100,
      ),
      [
        { start: 0, end: 100 },
        { start: 100, end: 150 },
      ],
    );
  });

  it('gathers each run from the fetched ranges, in run order', () => {
    const out = gatherRuns(
      [
        [60, 3],
        [0, 2],
      ],
      [{ start: 0, data: data.slice(0, 80) }],
    );
    assert.deepEqual([...out], [60, 61, 62, 0, 1]);
    assert.throws(() => gatherRuns([[90, 20]], [{ start: 0, data: data.slice(0, 100) }]), /not fetched/);
  });

  it('retries network errors, 5xx, throttling and short bodies, then succeeds', async () => {
    const s = server(['throw', 503, 'short', 500]);
    const counts = { bytes: 0, requests: 0 };
    const got = await fetchRanges('http://x/src', [{ start: 10, end: 20 }], {
      fetchImpl: s.impl,
      attempts: 5,
      backoffMs: 1,
      counts,
    });
    assert.deepEqual([...got[0].data], [...data.slice(10, 20)]);
    assert.equal(counts.requests, 5);
    assert.deepEqual(s.asked, Array(5).fill('bytes=10-19'));
  });

  it('gives up after its attempts with a TransientError naming the range', async () => {
    const s = server([503, 503, 503]);
    await assert.rejects(
      fetchRanges('http://x/src', [{ start: 0, end: 4 }], { fetchImpl: s.impl, backoffMs: 1 }),
      (e: Error & { code?: string; cause?: unknown }) =>
        e.name === 'TransientError' &&
        e.code === 'INPUT_UNREADABLE' &&
        /bytes 0-3/.test(e.message) &&
        e.cause instanceof Error,
    );
    assert.equal(s.asked.length, 3);
  });

  it('does not retry a source that is gone or changed', async () => {
    for (const [status, code] of [
      [404, 'INPUT_NOT_FOUND'],
      [403, 'INPUT_UNREADABLE'],
      [412, 'INPUT_UNREADABLE'],
    ] as const) {
      const s = server([status]);
      await assert.rejects(
        fetchRanges('http://x/src', [{ start: 0, end: 4 }], { fetchImpl: s.impl, backoffMs: 1 }),
        (e: Error & { code?: string }) => e.name === 'InputError' && e.code === code,
      );
      assert.equal(s.asked.length, 1, `HTTP ${status}: one request`);
    }
  });

  it('bounds the requests in flight', async () => {
    let inFlight = 0;
    let peak = 0;
    const impl = (async (_u: string, init?: { headers?: Record<string, string> }) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((r) => setTimeout(r, 5));
      inFlight--;
      const [, a, b] = /bytes=(\d+)-(\d+)/.exec(init!.headers!.range)!.map(Number);
      return new Response(data.slice(a, b + 1), { status: 206 });
    }) as unknown as typeof fetch;
    const ranges = Array.from({ length: 10 }, (_, i) => ({ start: i * 10, end: i * 10 + 5 }));
    await fetchRanges('http://x/src', ranges, { fetchImpl: impl, concurrency: 3 });
    assert.equal(peak, 3);
  });

  it("adds a segment's audio outputs to its one input (read once), and refuses a shared input that seeks", () => {
    const input = ffInput('/w/in.mp4', ['-protocol_whitelist', 'file']);
    const main: FfCommand = {
      global: ['-y', '-copyts'],
      inputs: [input],
      outputs: [{ maps: [{ input, stream: '0' }], options: [], url: 'v.mp4' }],
    };
    const side = audioChunkCommand({
      input,
      planStartSec: 10,
      chunk: { index: 3, from: 480_000, to: 576_000 },
      preset: getPreset('h264-ladder'),
      tracks: [{ index: 1, channels: 2, bitrateKbps: 128, output: 'a.mp4' }],
      ownBytes: true,
    });
    const a = ffArgs(mergeCommands({ ...main, global: side.global }, side));
    assert.equal(a.filter((x) => x === '-i').length, 1, 'one input');
    assert.deepEqual(
      a.flatMap((x, i) => (x === '-map' ? [a[i + 1]] : [])),
      ['0:0', '0:1'],
    );
    assert.ok(!a.includes('-ss'), 'its own bytes: no seek');
    const seeking = ffInput('/w/in.mp4', ['-ss', '3']);
    assert.throws(
      () =>
        audioChunkCommand({
          input: seeking,
          planStartSec: 10,
          chunk: { index: 3, from: 480_000, to: 576_000 },
          preset: getPreset('h264-ladder'),
          tracks: [],
          ownBytes: true,
        }),
      /shared input must not seek/,
    );
  });
});
