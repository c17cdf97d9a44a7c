import assert from 'node:assert/strict';
import { modelNewPath, newPathTargets, NEW_PATH_ASSUMPTIONS, ASSUMPTION_SOURCES, type NewPathInputs } from '../../scripts/bench/newPathModel.js';

const inputs: NewPathInputs = {
  fps: 30,
  sourceBytesPerSec: 1e6,
  plainSecPerFrame: 0.05,
  streamProbeSec: 0.2,
  streamProbeBytes: 2e6,
  moovBytesPerSec: 600,
  moovParseSecPerSourceSec: 0.0001,
  planSecPerSourceSec: 0.0001,
  probeDocBytesPerSec: 1500,
  segmentFrames: 120,
  segmentOneCoreSec: 3,
  segmentReadBytesBesidesMoov: 4e6,
  outputBytesPerSec: 1.5e6,
  largestRenditionBytesPerSec: 0.8e6,
  renditions: 3,
  audioChunkOneCoreSec: 0.1,
  ffmpegStartSec: 0.05,
};

describe('bench: the new path model', () => {
  it('a line per term; the path is their sum and the speed-up plain over path', () => {
    const m = modelNewPath(inputs, 600);
    assert.equal(m.segments, 150);
    assert.equal(m.waves, 1);
    assert.ok(Math.abs(m.terms.reduce((s, t) => s + t.sec, 0) - m.criticalPathSec) < 1e-9);
    assert.equal(m.plainSec, 0.05 * 18000);
    assert.equal(m.speedup, m.plainSec / m.criticalPathSec);
    for (const t of m.terms) assert.ok(t.sec > 0 && t.how.length > 0, t.name);
  });

  it('the segment term is one wave up to the Map concurrency, then repeats', () => {
    const one = modelNewPath(inputs, 3600);
    assert.equal(one.segments, 900);
    assert.equal(one.waves, 1);
    const small = modelNewPath(inputs, 3600, { ...NEW_PATH_ASSUMPTIONS, mapConcurrency: 100 });
    assert.equal(small.waves, 9);
    const seg = (r: typeof one) => r.terms.find((t) => t.name.startsWith('slowest segment'))!.sec;
    assert.ok(Math.abs(seg(small) - 9 * seg(one)) < 1e-9);
  });

  it('targets are checked, and can be missed', () => {
    const ok = newPathTargets(modelNewPath(inputs, 600), modelNewPath(inputs, 3600));
    assert.equal(ok.length, 3);
    const slow = { ...inputs, segmentOneCoreSec: 60 };
    const missed = newPathTargets(modelNewPath(slow, 600), modelNewPath(slow, 3600));
    assert.equal(missed[0].met, false);
  });

  it('every assumption names where it comes from', () => {
    for (const k of Object.keys(NEW_PATH_ASSUMPTIONS)) assert.ok(ASSUMPTION_SOURCES[k as keyof typeof ASSUMPTION_SOURCES]?.length > 10, k);
  });
});
