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
    const seg = (r: typeof one) => r.terms.find((t) => t.name.startsWith('Distributed Map start'))!;
    assert.match(seg(small).name, /x 9 wave/);
    const segment = seg(one).sec - (NEW_PATH_ASSUMPTIONS.mapStartSec + 900 / NEW_PATH_ASSUMPTIONS.mapLaunchPerSec);
    assert.ok(Math.abs(seg(small).sec - (NEW_PATH_ASSUMPTIONS.mapStartSec + 100 / NEW_PATH_ASSUMPTIONS.mapLaunchPerSec + 9 * segment)) < 1e-9);
  });

  it('nothing on the path reads the whole source: 60 minutes cost about the same as 10 (the terms that grow are S3 requests and launches)', () => {
    const ten = modelNewPath(inputs, 600);
    const sixty = modelNewPath(inputs, 3600);
    assert.ok(sixty.criticalPathSec / ten.criticalPathSec < 1.5, `${sixty.criticalPathSec} / ${ten.criticalPathSec}`);
    // A 10x larger source changes only the byte-bound terms (the moov, the MP4 parts), not the path's shape.
    const heavy = modelNewPath({ ...inputs, sourceBytesPerSec: 10e6 }, 3600);
    assert.ok(Math.abs(heavy.criticalPathSec - sixty.criticalPathSec) < 1, 'the source\'s size is not read on the path');
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
