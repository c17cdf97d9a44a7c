import assert from 'node:assert/strict';
import { breakdown } from '../../scripts/bench/pipeline.js';
import { summarize, where } from '../../scripts/bench/profile.js';
import type { PipelineChildResult } from '../../scripts/bench/child-pipeline.js';

const T0 = Date.parse('2026-12-02T07:00:00.000Z');
/** A `step succeeded` record of a call that ran from `startSec` to `endSec` after T0. */
const step = (name: string, startSec: number, endSec: number) => ({
  msg: 'step succeeded',
  step: name,
  ms: (endSec - startSec) * 1000,
  time: new Date(T0 + endSec * 1000).toISOString(),
});
const cpu = { user: 0, sys: 0, total: 0 };

function run(logs: Record<string, unknown>[], wallSec: number): PipelineChildResult {
  return {
    status: 'COMPLETE',
    startedAtMs: T0,
    endedAtMs: T0 + wallSec * 1000,
    wallSec,
    cpu: { awsPath: { ffmpeg: cpu, handlers: cpu, total: cpu }, standIns: cpu, total: cpu },
    outputs: [],
    processes: {},
    roles: {},
    threads: { host: {}, standIns: {} },
    logs: logs as PipelineChildResult['logs'],
    states: [],
  };
}

describe('bench: the job by function', () => {
  it('takes every function the log names, and counts overlapping calls once in the idle time', () => {
    const b = breakdown(
      run(
        [
          step('probe', 1, 2),
          step('plan', 2.5, 3),
          // Two segments at once, then a renamed function beside them: the union is 3..9.
          step('transcodeSegment', 3, 7),
          step('transcodeSegment', 4, 8),
          step('subtitles', 3, 9),
          { msg: 'segment done', encodeMs: 3000, totalMs: 4000, time: '' },
          { msg: 'segment done', encodeMs: 3500, totalMs: 4000, time: '' },
          step('publish', 9.5, 10),
        ],
        11,
      ),
    );
    assert.deepEqual(Object.keys(b.functions).sort(), ['plan', 'probe', 'publish', 'subtitles', 'transcodeSegment']);
    assert.deepEqual(b.functions.transcodeSegment, { calls: 2, sumSec: 8, firstStartSec: 3, lastEndSec: 8 });
    assert.equal(b.uploadIngestSec, 1);
    assert.equal(b.segments.count, 2);
    assert.equal(b.segments.mapSpanSec, 5);
    assert.deepEqual(b.segments.overheadSec, [1, 0.5]);
    // Busy: 1-2, 2.5-3, 3-9, 9.5-10 = 1 + 0.5 + 6 + 0.5 = 8 of 11 s.
    assert.ok(Math.abs(b.idleSec - 3) < 1e-9, String(b.idleSec));
  });

  it("refuses a log with no function timings (the wrapper's info log is the source)", () => {
    assert.throws(() => breakdown(run([{ msg: 'other', time: '' }], 5)), /no "step succeeded" record/);
  });
});

describe('bench: where a CPU profile went', () => {
  it("names packages, scoped packages, project files and Node's own code", () => {
    assert.equal(where('file:///w/node_modules/s3rver/lib/app.js', 'f'), 's3rver');
    assert.equal(where('file:///w/node_modules/a/node_modules/@smithy/core/dist/x.js', 'f'), '@smithy/core');
    assert.equal(where('file:///w/src/pipeline/steps/segment.ts', 'f'), 'src/pipeline/steps/segment.ts');
    assert.equal(where('node:internal/fs/promises', 'f'), 'node (builtins)');
    assert.equal(where('', '(garbage collector)'), '(garbage collector)');
  });

  it('gives native work to its nearest caller that is not Node itself, and leaves idle out', () => {
    const frame = (id: number, url: string, functionName: string, children: number[] = []) => ({
      id,
      callFrame: { url, functionName, lineNumber: 0 },
      children,
    });
    const profile = {
      nodes: [
        frame(1, '', '(root)', [2, 5, 6]),
        frame(2, 'file:///w/node_modules/s3rver/lib/a.js', 'serve', [3]),
        frame(3, 'node:net', 'write', [4]),
        frame(4, '', 'writev'),
        frame(5, 'file:///w/src/media/ffmpeg/runner.ts', 'runProcess'),
        frame(6, '', '(idle)'),
      ],
      // 30 ms in writev under s3rver, 10 ms in runProcess, 100 ms idle.
      samples: [4, 4, 4, 5, 6],
      timeDeltas: [10_000, 10_000, 10_000, 10_000, 100_000],
    };
    const s = summarize(profile);
    assert.equal(s.totalMs, 40);
    assert.deepEqual(s.byOwner, [
      ['s3rver', 30],
      ['src/media/ffmpeg/runner.ts', 10],
    ]);
    assert.deepEqual(s.byWhere, [
      ['(native)', 30],
      ['src/media/ffmpeg/runner.ts', 10],
    ]);
  });
});
