import assert from 'node:assert/strict';
import { cleanKeyframes, planSegments } from '../../src/media/plan/plan.js';
import type { PacketIndex } from '../../src/media/probe/probe.js';
import { InputError } from '../../src/errors.js';

const TB = { num: 1, den: 30 }; // one tick per frame at 30 fps

/** Closed-GOP stream with B-frames: decode order I P B B P B B ..., keyframes at `keys` (frame numbers). */
function closedGop(frames: number, keys: number[]): PacketIndex {
  const idx: PacketIndex = { pts: [], dts: [], duration: [], keyframes: [] };
  const starts = [...keys, frames];
  for (let g = 0; g < keys.length; g++) {
    const a = starts[g];
    const b = starts[g + 1];
    // I first, then the rest in mini-GOPs of P followed by its two B-frames.
    const order: number[] = [a];
    for (let p = a + 3; ; p += 3) {
      const P = Math.min(p, b - 1);
      if (P <= order[order.length - 1] && P !== a) break;
      if (P > a) order.push(P);
      for (let x = P - 2; x < P; x++) if (x > a && !order.includes(x)) order.push(x);
      if (P === b - 1) break;
    }
    for (let x = a + 1; x < b; x++) if (!order.includes(x)) order.push(x);
    idx.keyframes.push(idx.pts.length);
    for (const f of order) {
      idx.pts.push(f);
      idx.dts.push(idx.dts.length - 2);
      idx.duration.push(1);
    }
  }
  return idx;
}

describe('planner', () => {
  it('cuts only at keyframes, near the target length, covering every frame once', () => {
    const keys = [0, 30, 45, 100, 130, 160, 250, 275];
    const idx = closedGop(300, keys);
    const plan = planSegments(idx, TB, { segmentSeconds: 2 });
    assert.equal(plan.frameCount, 300);
    assert.equal(
      plan.segments.reduce((a, s) => a + s.count, 0),
      300,
    );
    for (const s of plan.segments) {
      assert.ok(idx.keyframes.includes(s.startPacket), `segment ${s.index} starts on a keyframe`);
      assert.equal(s.skip, 0);
    }
    // Starts are keyframe times, and each is the start of the previous one's end.
    assert.deepEqual(
      plan.segments.map((s) => s.startPts),
      [0, 45, 100, 160, 250],
    );
    plan.segments.slice(1).forEach((s, i) => assert.equal(plan.segments[i].endPts, s.startPts));
    assert.equal(plan.endPts, 300);
    assert.equal(plan.durationSec, 10);
  });

  it('a length that is not a whole number of segments keeps the tail in the last segment', () => {
    const idx = closedGop(95, [0, 30, 60, 90]);
    const plan = planSegments(idx, TB, { segmentSeconds: 1 });
    assert.deepEqual(
      plan.segments.map((s) => [s.startPts, s.endPts]),
      [
        [0, 30],
        [30, 60],
        [60, 95],
      ],
    );
  });

  it('never cuts at an open-GOP keyframe whose leading B-frames are shown before it', () => {
    const idx = closedGop(90, [0, 30, 60]);
    // Make the keyframe at 30 "open": a B-frame after it in decode order is shown before it.
    const k = idx.keyframes[1];
    idx.pts.splice(k + 1, 0, 29.5);
    idx.dts.splice(k + 1, 0, 0);
    idx.duration.splice(k + 1, 0, 1);
    idx.keyframes[2] += 1;
    assert.deepEqual(cleanKeyframes(idx), [idx.keyframes[0], idx.keyframes[2]]);
    const plan = planSegments(idx, TB, { segmentSeconds: 1 });
    assert.deepEqual(
      plan.segments.map((s) => s.startPts),
      [0, 60],
    );
    assert.equal(plan.uncleanKeyframes, 1);
  });

  it('a clip off the keyframes keeps exactly the frames in [start, end)', () => {
    const idx = closedGop(300, [0, 60, 120, 180, 240]);
    const plan = planSegments(idx, TB, { segmentSeconds: 2, clip: { start: 2.5, end: 7.2 } });
    // Frames 75..215 (2.5 s = frame 75; 7.2 s = frame 216, exclusive).
    assert.equal(plan.frameCount, 216 - 75);
    assert.equal(plan.startPts, 75);
    const first = plan.segments[0];
    assert.equal(first.startPacket, idx.keyframes[1]);
    assert.equal(first.skip, 15);
    assert.equal(
      plan.segments.reduce((a, s) => a + s.count, 0),
      141,
    );
    assert.ok(Math.abs(plan.durationSec - 4.7) < 1 / 30 + 1e-9);
    // The split's first file is the part before the clip, which no segment uses.
    assert.equal(first.splitFile, 1);
  });

  it('a clip with no frame in range is INVALID_CLIP', () => {
    const idx = closedGop(60, [0, 30]);
    assert.throws(
      () => planSegments(idx, TB, { segmentSeconds: 2, clip: { start: 5 } }),
      (e: unknown) => e instanceof InputError && e.code === 'INVALID_CLIP',
    );
  });
});

describe('planner and edit lists', () => {
  it('frames the container discards (outside its edit list) are decoded but never kept', () => {
    const idx = closedGop(90, [0, 30, 60]);
    // The last frame in display order lies outside the edit list.
    const last = idx.pts.indexOf(89);
    idx.discard = [last];
    const plan = planSegments(idx, TB, { segmentSeconds: 1 });
    assert.equal(plan.frameCount, 89);
    const tail = plan.segments[plan.segments.length - 1];
    assert.deepEqual([tail.skip, tail.count], [0, 29]);
    assert.equal(plan.endPts, 89);
  });
});
