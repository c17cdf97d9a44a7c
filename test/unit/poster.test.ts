import assert from 'node:assert/strict';
import { posterFramePts } from '../../src/media/stills/poster.js';

const seg = (startPts: number) => ({
  index: 0,
  splitFile: 0,
  startPacket: 0,
  endPacket: 1,
  skip: 0,
  count: 1,
  startPts,
  endPts: 0,
});

describe('poster frame', () => {
  it('a one-frame video: the poster is that frame, not 10% of 40 ms past it', () => {
    const plan = { timeBase: { num: 1, den: 12800 }, segments: [seg(0)], startPts: 0, durationSec: 0.04 };
    assert.equal(posterFramePts(plan), 0);
  });

  it('the latest segment start at or before min(10% in, 10 s in), in source time', () => {
    const tb = { num: 1, den: 1000 };
    // A 60 s source starting at 10 s with 4 s segments: target 16 s -> the segment at 14 s.
    const plan = { timeBase: tb, segments: [10000, 14000, 18000, 22000].map(seg), startPts: 10000, durationSec: 60 };
    assert.equal(posterFramePts(plan), 14000);
    // A 10 min source: capped at 10 s in.
    const long = {
      timeBase: tb,
      segments: Array.from({ length: 150 }, (_, i) => seg(i * 4000)),
      startPts: 0,
      durationSec: 600,
    };
    assert.equal(posterFramePts(long), 8000);
  });
});
