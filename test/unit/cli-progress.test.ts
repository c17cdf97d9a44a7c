/**
 * The CLI tells the truth (issue 20, case 5): its progress line counts segments and MP4
 * parts apart and never shows more done than planned; the job view keeps a CANCELED job's
 * percent, shows ASSEMBLING and PUBLISHING, and never more segments done than total; a bad
 * `--out` or a directory as input is named before anything runs.
 */
import assert from 'node:assert/strict';
import { progressLine, type ProgressLineState } from '../../scripts/cliProgress.js';
import { progressOf } from '../../src/api/jobView.js';
import type { JobRecord } from '../../src/pipeline/jobStore.js';

describe('CLI progress and the job view tell the truth', () => {
  it('a 15-segment job with 4 MP4 parts: segments never above 15, parts counted as parts', () => {
    // The runner's events as it sends them: its counter goes on through the AssembleParts Map.
    const events: { step: string; segmentsDone: number; segmentsTotal: number }[] = [
      { step: 'Plan', segmentsDone: 0, segmentsTotal: 0 },
    ];
    for (let d = 0; d <= 15; d++) events.push({ step: 'TranscodeSegment', segmentsDone: d, segmentsTotal: 15 });
    events.push(
      { step: 'Assemble', segmentsDone: 15, segmentsTotal: 15 },
      { step: 'AssembleParts', segmentsDone: 15, segmentsTotal: 15 },
    );
    for (let d = 15; d <= 19; d++) events.push({ step: 'AssemblePart', segmentsDone: d, segmentsTotal: 15 });
    events.push(
      { step: 'AssembleComplete', segmentsDone: 19, segmentsTotal: 15 },
      { step: 'Publish', segmentsDone: 19, segmentsTotal: 15 },
    );
    const state: ProgressLineState = {};
    const lines = events.map((e, i) => progressLine(e, state, 1_000 * i));
    for (const l of lines) {
      const m = /(\d+)\/(\d+)/.exec(l);
      if (m) assert.ok(Number(m[1]) <= Number(m[2]), `never more done than total: ${l}`);
      assert.doesNotMatch(l, /\b1\d{2,}%|\b100%/, l);
    }
    assert.ok(
      lines.includes('TranscodeSegment  segments 15/15  99%  ETA 0s') ||
        lines.some((l) => /^TranscodeSegment {2}segments 15\/15 {2}99%/.test(l)),
      lines.join('\n'),
    );
    assert.deepEqual(
      lines.filter((l) => l.startsWith('AssemblePart ')),
      [0, 1, 2, 3, 4].map((n) => `AssemblePart  MP4 parts joined ${n}`),
    );
    assert.deepEqual(lines.slice(-2), ['AssembleComplete', 'Publish']);
  });

  const rec: JobRecord = {
    jobId: 'j-1',
    status: 'PROGRESSING',
    source: 's3://ingest/a.mp4',
    preset: 'p',
    userMetadata: {},
    submittedAt: 'x',
    updatedAt: 'x',
    segmentsTotal: 15,
  };
  it('the job view: phase through ASSEMBLING and PUBLISHING, percent kept on CANCELED, never more done than total', () => {
    assert.deepEqual(progressOf({ ...rec, segmentsDone: 19, phase: 'ASSEMBLING' }), {
      segmentsDone: 15,
      segmentsTotal: 15,
      percent: 99,
      phase: 'ASSEMBLING',
    });
    assert.equal(progressOf({ ...rec, segmentsDone: 15, phase: 'PUBLISHING' }).phase, 'PUBLISHING');
    assert.deepEqual(progressOf({ ...rec, status: 'CANCELED', segmentsDone: 6, phase: 'TRANSCODING' }), {
      segmentsDone: 6,
      segmentsTotal: 15,
      percent: 40,
      phase: null,
    });
    assert.deepEqual(progressOf({ ...rec, status: 'ERROR', segmentsDone: 16 }).segmentsDone, 15);
  });
});
