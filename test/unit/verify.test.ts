/**
 * The job's verification (src/pipeline/verify.ts) over made-up segment results: a job that keeps
 * every figure passes with its figures reported; each kind of damage fails with
 * VERIFICATION_FAILED naming the rendition and the figure.
 */
import { ffInput, type FfOutput } from '../../src/media/ffmpeg/command.js';
import assert from 'node:assert/strict';
import { sourceFrames, verifyJob, type SegmentVerify } from '../../src/pipeline/verify.js';
import type { JobDocument, SegmentResult } from '../../src/pipeline/jobDocument.js';
import type { PieceFacts } from '../../src/media/package/package.js';
import { EncoderError } from '../../src/errors.js';
import { parseStats, qualityFrames, qualityReferenceOutputs, QUALITY_FRAMES } from '../../src/media/encode/quality.js';

// 25 fps, one tick a frame; two segments of 3 frames; 48 kHz AAC in two chunks.
const tb = { num: 1, den: 25 };
const segments = [
  { index: 0, splitFile: 0, startPacket: 0, endPacket: 3, skip: 0, count: 3, startPts: 0, endPts: 3 },
  { index: 1, splitFile: 0, startPacket: 3, endPacket: 6, skip: 0, count: 3, startPts: 3, endPts: 6 },
];
const m = {
  plan: { timeBase: tb, segments, startPts: 0, frameCount: 6, durationSec: 0.24 },
  renditions: [{ name: 'r1' }, { name: 'r2' }],
  audioOutputs: [{ id: 'audio' }],
  preset: { audio: { sampleRate: 48000 } },
} as unknown as Pick<JobDocument, 'plan' | 'renditions' | 'audioOutputs' | 'preset'>;
const idx = { pts: [0, 2, 1, 3, 5, 4], dts: [], duration: [], keyframes: [0, 3] };
const source = sourceFrames(idx, m.plan);

const facts = (start: number, duration: number, bytes: number, chunk?: number): PieceFacts => ({
  start,
  duration,
  bytes,
  samples: 3,
  initSha256: 'x',
  ...(chunk !== undefined ? { chunk } : {}),
});
const rendition = (pts: number[]) => ({ pts, keyframeFirst: true, quality: { frames: 1, ssim: [0.98], psnr: [41.5] } });

/** Two good segment results: frames at their source ticks, joined, audio chunk 0 with its priming packet. */
function results(): SegmentResult[] {
  return [0, 1].map((k) => ({
    index: k,
    frames: 3,
    durationSec: 0.12,
    encodeMs: 1,
    totalMs: 1,
    pieces: {
      r1: [facts(3 * k, 3, 100 + k)],
      r2: [facts(3 * k, 3, 50 + k)],
      audio: [k === 0 ? facts(0, 7168, 30, 0) : facts(7168, 6144, 31, 1)],
    },
    verify: {
      qualityFrames: 1,
      renditions: { r1: rendition([3 * k, 3 * k + 1, 3 * k + 2]), r2: rendition([3 * k, 3 * k + 1, 3 * k + 2]) },
    } satisfies SegmentVerify,
  }));
}

const keyOf = (track: string, k: number) => `${track}/${k}`;
const sizesOf = (rs: SegmentResult[]) =>
  new Map(
    rs.flatMap((r) =>
      Object.entries(r.pieces).map(([t, [f]]) => [keyOf(t, f.chunk ?? r.index), f.bytes] as [string, number]),
    ),
  );
const verify = (rs: SegmentResult[], sizes = sizesOf(rs)) => verifyJob(m, rs, source, { key: keyOf, sizes });

function fails(change: (rs: SegmentResult[], sizes: Map<string, number>) => void, message: RegExp) {
  const rs = results();
  const sizes = sizesOf(rs);
  change(rs, sizes);
  assert.throws(
    () => verify(rs, sizes),
    (e: EncoderError) => e instanceof EncoderError && e.code === 'VERIFICATION_FAILED' && message.test(e.message),
  );
}

describe('job verification (verify.ts)', () => {
  it('the source frames of each segment in presentation order', () => {
    assert.deepEqual(source, [
      [0, 1, 2],
      [3, 4, 5],
    ]);
  });

  it('a job that keeps every figure passes, with its figures per rendition', () => {
    const v = verify(results());
    assert.equal(v.status, 'PASSED');
    assert.deepEqual(v.renditions[0], {
      name: 'r1',
      framesIn: 6,
      framesOut: 6,
      maxTimestampErrorMs: 0,
      avStartOffsetMs: 0,
      avEndOffsetMs: 16, // audio ends at 12288 samples (256 ms), the video at 240 ms
      joinsChecked: 2,
      keyframesAligned: true,
      piecesChecked: 2,
      quality: { framesMeasured: 2, ssimMin: 0.98, ssimMean: 0.98, psnrMinDb: 41.5, psnrMeanDb: 41.5 },
    });
    assert.deepEqual(v.limits, {
      maxTimestampErrorFrames: 0.5,
      maxAvStartOffsetMs: 21.333,
      maxAvEndOffsetMs: 40,
      minSsim: 0.8,
      minPsnrDb: 25,
    });
  });

  it('a frame dropped: frames', () =>
    fails(
      (rs) => rs[1].verify!.renditions.r2.pts.pop(),
      /^VERIFICATION_FAILED: rendition r2: frames: segment 1 wrote 2 frames, the source has 3/,
    ));
  it("a frame shown at another frame's time: timestamps", () =>
    fails(
      (rs) => (rs[1].verify!.renditions.r1.pts = [3, 5, 5]),
      /rendition r1: timestamps: a frame is 40 ms from its source time/,
    ));
  it('a gap at a join: join', () =>
    fails(
      (rs) => (rs[0].pieces.r1[0].duration = 2),
      /rendition r1: join: segment 0 ends at 2 ticks, segment 1 starts at 3/,
    ));
  it('an audio gap at a join: join', () =>
    fails((rs) => (rs[0].pieces.audio[0].duration = 6144), /rendition audio: join: audio chunk 0 ends at 6144/));
  it('a piece not starting on a keyframe: keyframes', () =>
    fails(
      (rs) => (rs[1].verify!.renditions.r1.keyframeFirst = false),
      /rendition r1: keyframes: segment 1 does not start on a keyframe/,
    ));
  it('pieces cut at other times in another rendition: keyframes', () =>
    fails((rs) => {
      rs[0].pieces.r2[0].duration = 4;
      rs[1].pieces.r2[0].start = 4;
      rs[1].pieces.r2[0].duration = 2;
    }, /rendition r2: keyframes: its pieces start at other times/));
  it('a stored piece of another size than its worker wrote: bytes', () =>
    fails(
      (_, sizes) => sizes.set('r1/1', 99),
      /rendition r1: bytes: segment 1's piece is 99 bytes in the bucket, its worker wrote 101/,
    ));
  it('a stored piece missing: bytes', () =>
    fails((_, sizes) => sizes.delete('audio/1'), /rendition audio: bytes: audio piece 1 is missing/));
  it('a garbled frame: ssim', () =>
    fails(
      (rs) => (rs[1].verify!.renditions.r2.quality!.ssim = [0.4]),
      /rendition r2: ssim: a measured frame has SSIM 0.4 \(floor 0.8\)/,
    ));
  it('a noisy frame: psnr', () =>
    fails(
      (rs) => (rs[0].verify!.renditions.r1.quality!.psnr = [12]),
      /rendition r1: psnr: a measured frame has PSNR 12 dB/,
    ));
  it('a frame not measured: quality', () =>
    fails((rs) => delete rs[0].verify!.renditions.r1.quality, /rendition r1: quality: 1 frames measured of 2/));
  it('audio ending two frames early: A/V end offset', () =>
    fails(
      (rs) => (rs[1].pieces.audio[0].duration = 2048),
      /rendition r1: A\/V end offset: -69\.333 ms \(limit 40 ms\)/,
    ));
  it('a worker that reported no facts', () =>
    fails((rs) => delete rs[1].verify, /rendition r1: facts: segment 1 reported no verification facts/));
});

describe('quality frames (quality.ts)', () => {
  it('the first QUALITY_FRAMES frames of a segment, fewer in a shorter one', () => {
    assert.equal(qualityFrames({ count: 100 }), QUALITY_FRAMES);
    assert.equal(qualityFrames({ count: 1 }), 1);
  });
  it("the reference picks a range read's frames from its first pts on, a split piece's after its skip", () => {
    const base = { frames: 3, video: { input: ffInput('in'), stream: '1' }, rotation: 90, colour: [], file: 'r.nut' };
    const vf = ([o]: FfOutput[]) => o.options[o.options.indexOf('-vf') + 1];
    assert.equal(
      vf(qualityReferenceOutputs({ ...base, startPts: 1234, by: { pts: true } })),
      'select=gte(pts\\,1234),select=lt(n\\,3)',
    );
    assert.equal(
      vf(qualityReferenceOutputs({ ...base, startPts: 1234, by: { n: true, skip: 5 } })),
      'select=between(n\\,5\\,7),transpose=clock',
    );
  });
  it('reads per-frame values of psnr and ssim stats files; identical frames (inf) as 100 dB', () => {
    assert.deepEqual(
      parseStats(
        'n:1 mse_avg:0.00 mse_y:0.00 psnr_avg:inf psnr_y:inf\nn:2 mse_avg:3.1 psnr_avg:43.21 psnr_y:44.0\n',
        'psnr',
      ),
      [100, 43.21],
    );
    assert.deepEqual(parseStats('n:1 Y:0.990 U:0.98 V:0.97 All:0.985 (18.2)\n', 'ssim'), [0.985]);
  });
});
