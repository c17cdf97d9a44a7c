/** `npm run events`: one line per event, and following the log as it grows. */
import assert from 'node:assert/strict';
import { appendFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { followEvents, formatEvent } from '../../scripts/events.js';

const ev = (status: string, extra: Record<string, unknown> = {}) => ({
  version: '0',
  id: 'x',
  'detail-type': 'Transcode Job State Change',
  time: '2025-01-01T00:00:00Z',
  detail: { status, jobId: 'j-1', userMetadata: {}, ...extra },
});

describe('API: npm run events', () => {
  it('formats time, job id, status, then code, outputs or progress', () => {
    assert.equal(
      formatEvent(ev('ERROR', { errorCode: 'INPUT_EMPTY', errorMessage: 'empty' })),
      '2025-01-01T00:00:00Z  j-1  ERROR        INPUT_EMPTY: empty',
    );
    const done = formatEvent(
      ev('COMPLETE', {
        correlationId: 'c-9',
        outputs: [
          { type: 'video', name: '480p.mp4', uri: 's3://output/j-1/480p.mp4' },
          { type: 'poster', name: 'poster.jpg', uri: 's3://output/j-1/poster.jpg' },
        ],
      }),
    );
    assert.equal(done, '2025-01-01T00:00:00Z  j-1  COMPLETE     2 outputs: s3://output/j-1/480p.mp4 (+1 more)  [c-9]');
    assert.equal(
      formatEvent(JSON.stringify(ev('PROGRESSING', { progress: { step: 'TRANSCODING', segmentsTotal: 4 } }))),
      '2025-01-01T00:00:00Z  j-1  PROGRESSING  TRANSCODING  segments 0/4',
    );
    assert.match(formatEvent('{not json'), /^\(unreadable line\)/);
  });

  it('prints the last N lines, then follows appended lines (split writes, a file created later)', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'mt-events-'));
    try {
      const file = path.join(dir, 'events.jsonl');
      const got: string[] = [];
      const ac = new AbortController();
      const run = followEvents({
        file,
        lines: 2,
        follow: true,
        signal: ac.signal,
        pollMs: 20,
        onLine: (l) => got.push(l),
      });
      await new Promise((r) => setTimeout(r, 60));
      await writeFile(file, '{"a":1}\n{"a":2}\n');
      await new Promise((r) => setTimeout(r, 100));
      await appendFile(file, '{"a":3');
      await new Promise((r) => setTimeout(r, 100));
      assert.deepEqual(got, ['{"a":1}', '{"a":2}'], 'a partial line waits for its end');
      await appendFile(file, '}\n');
      await new Promise((r) => setTimeout(r, 100));
      ac.abort();
      await run;
      assert.deepEqual(got, ['{"a":1}', '{"a":2}', '{"a":3}']);

      const tail: string[] = [];
      await followEvents({ file, lines: 2, follow: false, onLine: (l) => tail.push(l) });
      assert.deepEqual(tail, ['{"a":2}', '{"a":3}']);
      const none: string[] = [];
      await followEvents({ file, lines: 0, follow: false, onLine: (l) => none.push(l) });
      assert.deepEqual(none, []);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
