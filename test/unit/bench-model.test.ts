import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { AWS, CASES, LAMBDA_MEMORY_MB, PRICES, lambdaVcpus } from '../../scripts/bench/awsConstants.js';
import { fullSegments, quotaStats, type QuotaSegment } from '../../scripts/bench/workerQuota.js';
import {
  jobCost,
  jobTransitions,
  modelAll,
  modelPath,
  verdicts,
  type ModelInputs,
} from '../../scripts/bench/cloudModel.js';

const inputs: ModelInputs = {
  fps: 30,
  segmentSec: 4,
  segmentMedianSec: 6,
  segmentMaxSec: 8,
  segmentHandlerSec: 0.3,
  planChecksSec: 0.5,
  plainSecPerFrame: 0.05,
  sourceBytesPerSec: 1e6,
  streamProbeSec: 0.2,
  streamProbeBytes: 2e6,
  moovBytesPerSec: 600,
  moovParseSecPerSourceSec: 0.0001,
  planSecPerSourceSec: 0.0001,
  probeDocBytesPerSec: 1500,
  outputBytesPerSec: 1.5e6,
  largestRenditionBytesPerSec: 0.8e6,
  renditions: 3,
};

// Every state of the path the issue names, each a term of its own.
const STATES = [
  'trigger',
  'Probe',
  'Plan',
  'EmitProgressing',
  'TranscodeSegments launch',
  'slowest segment worker',
  'S3 PUT rate',
  'TranscodeSegments close',
  'Assemble',
  'AssembleParts',
  'AssembleComplete',
  'Publish',
  'EmitComplete',
  'state transitions',
  'StateTransition throttling',
];

describe('bench: the cloud model', () => {
  it('has a term for every state on the path, each naming its ASL state or code; the path is their sum', () => {
    for (const c of CASES) {
      const m = modelPath(inputs, 600, c);
      for (const s of STATES)
        assert.ok(
          m.terms.some((t) => t.name.startsWith(s)),
          `${c}: no term ${s}`,
        );
      for (const t of m.terms) assert.ok(t.sec >= 0 && t.state.length > 5 && t.how.length > 5, t.name);
      assert.ok(Math.abs(m.terms.reduce((a, t) => a + t.sec, 0) - m.criticalPathSec) < 1e-9);
      assert.ok(m.afterCompleteSec > 0, 'Cleanup is modelled (after COMPLETE)');
      assert.equal(m.speedup, m.plainSec / m.criticalPathSec);
    }
  });

  it('the arithmetic of a small case: segments, waves, plain, the segment term', () => {
    const m = modelPath(inputs, 600, 'likely');
    assert.equal(m.segments, 150);
    assert.equal(m.concurrency, 1000);
    assert.equal(m.waves, 1);
    assert.equal(m.plainSec, 0.05 * 18000);
    const seg = m.terms.find((t) => t.name.startsWith('slowest segment worker'))!;
    const req = AWS.s3FirstByteSec.likely;
    const conn = AWS.s3ConnectionMBps.likely;
    // cold start + handler + 3 ranged GETs of its 4 MB + slowest encode + ceil(5.4/2) PUT rounds, 6 MB out, a progress item
    const expected =
      AWS.coldStartLayerSec.likely + 0.3 + (3 * req + 4 / conn) + 8 + (3 * req + 6 / conn + AWS.dynamoWriteSec.likely);
    assert.ok(Math.abs(seg.sec - expected) < 1e-9, `${seg.sec} vs ${expected}`);
  });

  it('cases are ordered: optimistic <= likely <= pessimistic path', () => {
    for (const d of [600, 3600]) {
      const [o, l, p] = CASES.map((c) => modelPath(inputs, d, c).criticalPathSec);
      assert.ok(o <= l && l <= p, `${d}: ${o} ${l} ${p}`);
    }
  });

  it('the pessimistic case halves the concurrency: 900 segments run in two waves', () => {
    const p = modelPath(inputs, 3600, 'pessimistic');
    assert.equal(p.concurrency, 500);
    assert.equal(p.waves, 2);
    assert.match(p.terms.find((t) => t.name.startsWith('slowest segment worker'))!.name, /x 2 wave/);
  });

  it("verdict lines have the issue's form and can be missed", () => {
    const { ten, sixty } = modelAll(inputs);
    const v = verdicts(ten, sixty);
    assert.match(v[0].line, /^(met|MISSED) {2}modelled speed-up \(likely\), 10-minute 1080p: \d+\.\dx \(/);
    assert.match(v[1].line, /^(met|MISSED) {2}modelled speed-up \(pessimistic\), 10-minute 1080p: /);
    assert.match(v[2].line, /^(met|MISSED) {2}modelled speed-up \(likely\), 60-minute 1080p: /);
    assert.match(v[3].line, /^(met|MISSED) {2}modelled speed-up \(pessimistic\), 60-minute 1080p: /);
    assert.match(v[4].line, /60\/10-minute path ratio \(likely\)/);
    assert.ok(
      v.some((x) =>
        /cost per output minute .*MediaConvert on-demand, same ladder: Basic \$0\.0375, Professional \$0\.0600/.test(
          x.line,
        ),
      ),
    );
    const slow = modelAll({ ...inputs, segmentMaxSec: 200, segmentMedianSec: 150 });
    assert.equal(verdicts(slow.ten, slow.sixty)[0].met, false);
  });

  it('every constant has three values and a source; unpublished ones say so', () => {
    for (const [k, c] of Object.entries(AWS)) {
      assert.ok(c.source.length > 20, k);
      for (const x of [c.optimistic, c.likely, c.pessimistic]) assert.ok(Number.isFinite(x), k);
      assert.ok(typeof c.published === 'boolean', k);
      if (!c.published)
        assert.ok(
          /not published|no .*published|publishes no|does not publish|nothing|not measured|stands for/i.test(c.source),
          `${k}: an unpublished figure must say so`,
        );
    }
    for (const [k, p] of Object.entries(PRICES))
      assert.ok(p.usd > 0 && p.source.startsWith('https://aws.amazon.com/'), k);
  });

  it("vCPUs follow AWS's 1,769 MB per vCPU: 3,008 MB is 1.70, never above 6", () => {
    assert.equal(lambdaVcpus(1769), 1);
    assert.equal(lambdaVcpus(3008).toFixed(2), '1.70');
    assert.ok(lambdaVcpus(10240) <= 6 && lambdaVcpus(10240) > 5.7);
  });

  it('the memory the cost bills is what serverless.yml deploys', () => {
    const yml = readFileSync(new URL('../../serverless.yml', import.meta.url), 'utf8');
    const block = (fn: string) =>
      yml.slice(yml.indexOf(`\n  ${fn}:\n`), yml.indexOf('\n  ', yml.indexOf(`\n  ${fn}:\n`) + fn.length + 4) + 400);
    assert.match(yml, /transcodeMemoryMb: 3008/);
    for (const fn of ['probe', 'plan'] as const)
      assert.match(block(fn), new RegExp(`memorySize: ${LAMBDA_MEMORY_MB[fn]}\\b`), fn);
  });

  it("the cost adds its lines; transitions count both Maps' children", () => {
    assert.equal(jobTransitions(150, 30), 17 + 300 + 60);
    const c = jobCost({
      durationSec: 600,
      segments: 150,
      parts: 30,
      putsPerSegment: 5.4,
      manifests: 8,
      transitions: 377,
      billedSec: { probe: 2, plan: 2, emitEvent: 1, transcodeSegment: 1500, assemble: 10, publish: 1, cleanup: 1 },
      renditionHeights: [1080, 720, 480],
    });
    assert.ok(Math.abs(c.lines.reduce((a, l) => a + l.usd, 0) - c.totalUsd) < 1e-12);
    assert.ok(Math.abs(c.perOutputMinuteUsd - c.totalUsd / 10) < 1e-12);
    const lambda = c.lines.find((l) => l.item === 'Lambda compute')!;
    assert.ok(
      Math.abs(lambda.quantity - (2 + 2 + 0.25 + 1500 * (3008 / 1024) + 10 * (3008 / 1024) + 0.5 + 0.5)) < 1e-9,
    );
  });

  it('the quota stats count every full segment (keyframe-cut lengths vary) and leave out a short last one', () => {
    const seg = (index: number, frames: number, cpuSec: number): QuotaSegment => ({
      index,
      frames,
      wallSec: cpuSec / 1.7,
      cpuSec,
      throttledSec: 0,
      handlerEncodeSec: 0,
      handlerTotalSec: 0,
      threads: 2,
      load1: 0,
    });
    const segs = [seg(0, 120, 12), seg(1, 131, 13), seg(2, 139, 16), seg(3, 120, 8), seg(4, 120, 8), seg(5, 65, 4)];
    assert.deepEqual(
      fullSegments(segs).map((s) => s.index),
      [0, 1, 2, 3, 4],
    );
    const st = quotaStats(segs, 30);
    assert.equal(st.medianCpuSec, 12);
    assert.equal(st.maxCpuSec, 16);
    assert.equal(st.segmentSec, 4);
  });
});
