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
  thumbnailsSecPerSourceSec: 0.001,
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
    assert.equal(modelNewPath(inputs, 3600, { ...NEW_PATH_ASSUMPTIONS, mapConcurrency: 100 }).waves, 9);
    // 10 minutes (the thumbnails branch beside the Map is short): 15 waves of one segment each.
    const enc = (r: typeof one) => r.terms.find((t) => t.name.startsWith('encode'))!;
    const light = { ...inputs, sourceBytesPerSec: 1e5 };
    const ten = modelNewPath(light, 600);
    const waves = modelNewPath(light, 600, { ...NEW_PATH_ASSUMPTIONS, mapConcurrency: 10 });
    assert.match(enc(waves).name, /x 15 wave/);
    const segment = enc(ten).sec - (NEW_PATH_ASSUMPTIONS.mapStartSec + 150 / NEW_PATH_ASSUMPTIONS.mapLaunchPerSec);
    assert.ok(Math.abs(enc(waves).sec - (NEW_PATH_ASSUMPTIONS.mapStartSec + 10 / NEW_PATH_ASSUMPTIONS.mapLaunchPerSec + 15 * segment)) < 1e-9);
  });

  it('the thumbnails branch beside the Map reads the whole source: for a long source it is the critical one', () => {
    const slowRead = { ...inputs, sourceBytesPerSec: 5e6 };
    const m = modelNewPath(slowRead, 3600);
    const enc = m.terms.find((t) => t.name.startsWith('encode'))!;
    assert.match(enc.how, /THE THUMBNAILS BRANCH IS THE LONGER ONE/);
    // 18 GB over one 75 MB/s connection.
    assert.ok(enc.sec > (5e6 * 3600) / (1024 * 1024) / NEW_PATH_ASSUMPTIONS.s3PerConnectionMBps);
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
