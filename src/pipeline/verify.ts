/**
 * What a job proves about what it made, for the COMPLETE event. Each segment worker reports the
 * presentation times of the frames it wrote per rendition, whether its piece starts on a
 * keyframe, and the quality of a few frames against the source (src/media/encode/quality.ts); Publish,
 * before it commits, compares those facts with the source's index and with the pieces as they
 * are stored, aggregates them per rendition, and refuses the job (VERIFICATION_FAILED, naming the
 * rendition and the figure) when a figure breaks its limit in VERIFY_LIMITS.
 */
import type { Runtime } from '../runtime.js';
import type { JobDocument, ProbeDocument, SegmentResult } from './jobDocument.js';
import type { Piece } from '../media/package/package.js';
import { sampleTimes } from '../media/package/isobmff.js';
import { AAC_FRAME, AAC_PRIMING } from '../media/encode/cmaf.js';
import { measureQuality, type QualityFigures, type QualityReference } from '../media/encode/quality.js';
import { packageLayout } from '../media/package/manifests.js';
import { EncoderError } from '../errors.js';
import { getJson, listKeys } from '../aws/s3.js';
import { mapLimit } from '../util/mapLimit.js';
import { placeOf } from './placement.js';
import { keys } from './job.js';
import type { RenditionVerification, VerificationReport } from './verificationSchema.js';

/**
 * The limits a job's outputs must meet, each with its reason. Frames, joins, keyframes and bytes
 * are exact (the correctness contract: the source's frames, at its times, no gap at a join).
 */
export const VERIFY_LIMITS = {
  /** A frame's time may be off by less than half the shortest source frame: it is then still shown in its own slot (the contract keeps source ticks, so the measured error is 0). */
  maxTimestampErrorFrames: 0.5,
  /** Audio starts within one AAC frame (1024 samples) of the video (the contract: "audio within one audio frame of video"). */
  maxAvStartOffsetAacFrames: 1,
  /** Audio ends within one video frame, or one AAC frame when that is longer (the audio is cut at AAC frame boundaries, at most one frame past the video). */
  maxAvEndOffset: 'max(one AAC frame, the longest source frame)',
  /**
   * Per measured frame, against the source scaled back to its size. Floors for gross damage
   * (a wrong, garbled or blank frame, broken colour), not a quality target. Measured on test
   * patterns (testsrc2, this session): the e2e ladders' 360p SSIM 0.99 / 42-45 dB, a 3-rung
   * 720p ladder's 360p rung 0.96 / 32.7 dB, a frame 12 frames off 0.85 / 21 dB, a blank one far
   * lower (test/integration/quality.test.ts).
   */
  minSsim: 0.8,
  minPsnrDb: 25,
} as const;

/** What a segment worker verified of one rendition's piece (kept in its result in S3, not the state). */
export interface SegmentRenditionFacts {
  /** Presentation times of the frames written, ascending, in the track's ticks from the plan's first frame. */
  pts: number[];
  /** The piece's first sample (decode order) is a keyframe. */
  keyframeFirst: boolean;
  quality?: QualityFigures;
}

/** A segment result's verification facts: per rendition, and how many frames it meant to measure. */
export interface SegmentVerify {
  qualityFrames: number;
  renditions: Record<string, SegmentRenditionFacts>;
}

/**
 * The segment worker's part: the frame times and keyframe flag of each piece it made, and the
 * quality of the reference frames (taken by its encode) in every rendition's piece.
 */
export async function segmentVerify(p: {
  run: (args: string[]) => Promise<unknown>;
  dir: string;
  reference: QualityReference;
  outputs: { rendition: { name: string }; file: string }[];
  pieces: Record<string, Piece>;
}): Promise<SegmentVerify> {
  const quality = await measureQuality(p.run, {
    dir: p.dir,
    reference: p.reference,
    renditions: p.outputs.map((o) => ({ name: o.rendition.name, file: o.file })),
  });
  const renditions: Record<string, SegmentRenditionFacts> = {};
  for (const o of p.outputs) {
    const piece = p.pieces[o.rendition.name];
    renditions[o.rendition.name] = {
      pts: [...sampleTimes(piece.info).pts].sort((a, b) => a - b),
      keyframeFirst: !!piece.info.samples[0]?.sync,
      ...(quality[o.rendition.name] ? { quality: quality[o.rendition.name] } : {}),
    };
  }
  return { qualityFrames: p.reference.frames, renditions };
}

export type { RenditionVerification, VerificationReport } from './verificationSchema.js';

const ms = (sec: number) => Number((sec * 1000).toFixed(3));
const fail = (rendition: string, figure: string, why: string): never => {
  throw new EncoderError('VERIFICATION_FAILED', `rendition ${rendition}: ${figure}: ${why}`);
};

/** The source's planned frames per segment, presentation order (as planStills numbers them). */
export function sourceFrames(idx: ProbeDocument['packets'], plan: JobDocument['plan']): number[][] {
  const discard = new Set(idx.discard ?? []);
  return plan.segments.map((seg) => {
    const pts: number[] = [];
    for (let i = seg.startPacket; i < seg.endPacket; i++) if (!discard.has(i)) pts.push(idx.pts[i]);
    pts.sort((a, b) => a - b);
    const from = pts.indexOf(seg.startPts);
    return from < 0 ? [] : pts.slice(from, from + seg.count);
  });
}

/**
 * The verification of a job from its segment results, the source's planned frames and the
 * stored size of every piece (key to bytes; missing keys count as changed). Throws
 * VERIFICATION_FAILED on the first figure past its limit, naming the rendition and the figure.
 */
export function verifyJob(
  m: Pick<JobDocument, 'plan' | 'renditions' | 'audioOutputs' | 'preset'>,
  results: SegmentResult[],
  source: number[][],
  stored: { key: (track: string, k: number) => string; sizes: Map<string, number> },
): VerificationReport {
  const tb = m.plan.timeBase;
  const tick = tb.num / tb.den;
  const flat = source.flat();
  const gaps = flat.slice(1).map((t, i) => (t - flat[i]) * tick);
  const shortest = gaps.length ? Math.min(...gaps) : m.plan.durationSec;
  const longest = gaps.length ? Math.max(...gaps) : m.plan.durationSec;
  const framesIn = m.plan.segments.reduce((a, s) => a + s.count, 0);

  // Audio (shared by every rendition's MP4 and variant): start, end and joins from its pieces.
  const rate = m.preset.audio.sampleRate;
  const audio = (m.audioOutputs ?? []).map((a) => ({
    id: a.id,
    facts: results.flatMap((r) => r.pieces[a.id] ?? []).sort((x, y) => x.chunk! - y.chunk!),
  }));
  let audioJoins = 0;
  for (const a of audio) {
    a.facts.forEach((f, k) => {
      const next = a.facts[k + 1];
      if (next && f.start + f.duration !== next.start)
        fail(
          'audio',
          'join',
          `${a.id} chunk ${k} ends at ${f.start + f.duration}, chunk ${k + 1} starts at ${next.start} (samples)`,
        );
      const size = stored.sizes.get(stored.key(a.id, f.chunk ?? k));
      if (size !== f.bytes)
        fail(
          a.id,
          'bytes',
          `audio piece ${f.chunk ?? k} is ${size ?? 'missing'} bytes in the bucket, its worker wrote ${f.bytes} (changed after its checks)`,
        );
    });
    audioJoins += Math.max(0, a.facts.length - 1);
  }
  const main = audio[0]?.facts;
  // The priming packet kept in chunk 0 is hidden by the init's edit list: presentation = media time - priming.
  const audioStart = main?.length ? Math.max(0, main[0].start - AAC_PRIMING) / rate : undefined;
  const audioEnd = main?.length
    ? (main[main.length - 1].start + main[main.length - 1].duration - AAC_PRIMING) / rate
    : undefined;
  const maxAvStart = AAC_FRAME / rate;
  const maxAvEnd = Math.max(AAC_FRAME / rate, longest);

  let keyStarts: number[] | undefined;
  const renditions = m.renditions.map((r): RenditionVerification => {
    let framesOut = 0;
    let worstTicks = 0;
    let joins = audioJoins;
    let pieces = 0;
    const ssim: number[] = [];
    const psnr: number[] = [];
    let planned = 0;
    const starts: number[] = [];
    results.forEach((res, k) => {
      const v = res.verify?.renditions[r.name] ?? fail(r.name, 'facts', `segment ${k} reported no verification facts`);
      const f = res.pieces[r.name]?.[0] ?? fail(r.name, 'facts', `segment ${k} reported no piece`);
      framesOut += v.pts.length;
      const src = source[k];
      if (v.pts.length !== src.length)
        fail(r.name, 'frames', `segment ${k} wrote ${v.pts.length} frames, the source has ${src.length} there`);
      v.pts.forEach((t, i) => (worstTicks = Math.max(worstTicks, Math.abs(t / tb.num - (src[i] - m.plan.startPts)))));
      if (!v.keyframeFirst) fail(r.name, 'keyframes', `segment ${k} does not start on a keyframe`);
      starts.push(f.start);
      const next = results[k + 1]?.pieces[r.name]?.[0];
      if (next) {
        if (f.start + f.duration !== next.start)
          fail(
            r.name,
            'join',
            `segment ${k} ends at ${f.start + f.duration} ticks, segment ${k + 1} starts at ${next.start}`,
          );
        joins++;
      }
      const size = stored.sizes.get(stored.key(r.name, k));
      if (size !== f.bytes)
        fail(
          r.name,
          'bytes',
          `segment ${k}'s piece is ${size ?? 'missing'} bytes in the bucket, its worker wrote ${f.bytes} (changed after its checks)`,
        );
      pieces++;
      planned += res.verify!.qualityFrames;
      ssim.push(...(v.quality?.ssim ?? []));
      psnr.push(...(v.quality?.psnr ?? []));
    });
    if (framesOut !== framesIn) fail(r.name, 'frames', `${framesOut} frames out, ${framesIn} in`);
    const worst = worstTicks * tick;
    if (worst >= VERIFY_LIMITS.maxTimestampErrorFrames * shortest)
      fail(
        r.name,
        'timestamps',
        `a frame is ${ms(worst)} ms from its source time (limit: half the shortest frame, ${ms(shortest / 2)} ms)`,
      );
    if (keyStarts && starts.some((s, i) => s !== keyStarts![i]))
      fail(r.name, 'keyframes', "its pieces start at other times than the first rendition's");
    keyStarts ??= starts;
    if (ssim.length !== planned || psnr.length !== planned)
      fail(r.name, 'quality', `${Math.min(ssim.length, psnr.length)} frames measured of ${planned}`);
    const ssimMin = Math.min(...ssim);
    const psnrMin = Math.min(...psnr);
    if (ssimMin < VERIFY_LIMITS.minSsim)
      fail(r.name, 'ssim', `a measured frame has SSIM ${ssimMin} (floor ${VERIFY_LIMITS.minSsim})`);
    if (psnrMin < VERIFY_LIMITS.minPsnrDb)
      fail(r.name, 'psnr', `a measured frame has PSNR ${psnrMin} dB (floor ${VERIFY_LIMITS.minPsnrDb} dB)`);
    const videoEnd = (() => {
      const last = results[results.length - 1].pieces[r.name][0];
      return (last.start + last.duration) / tb.den;
    })();
    const videoStart = starts[0] / tb.den;
    const av =
      audioStart !== undefined && audioEnd !== undefined
        ? { avStartOffsetMs: ms(audioStart - videoStart), avEndOffsetMs: ms(audioEnd - videoEnd) }
        : {};
    if (av.avStartOffsetMs !== undefined && Math.abs(av.avStartOffsetMs) > ms(maxAvStart))
      fail(r.name, 'A/V start offset', `${av.avStartOffsetMs} ms (limit ${ms(maxAvStart)} ms)`);
    if (av.avEndOffsetMs !== undefined && Math.abs(av.avEndOffsetMs) > ms(maxAvEnd))
      fail(r.name, 'A/V end offset', `${av.avEndOffsetMs} ms (limit ${ms(maxAvEnd)} ms)`);
    const mean = (xs: number[]) => xs.reduce((a, x) => a + x, 0) / xs.length;
    return {
      name: r.name,
      framesIn,
      framesOut,
      maxTimestampErrorMs: ms(worst),
      ...av,
      joinsChecked: joins,
      keyframesAligned: true,
      piecesChecked: pieces,
      quality: {
        framesMeasured: ssim.length,
        ssimMin,
        ssimMean: Number(mean(ssim).toFixed(5)),
        psnrMinDb: psnrMin,
        psnrMeanDb: Number(mean(psnr).toFixed(3)),
      },
    };
  });
  return {
    status: 'PASSED',
    limits: {
      maxTimestampErrorFrames: VERIFY_LIMITS.maxTimestampErrorFrames,
      ...(main?.length ? { maxAvStartOffsetMs: ms(maxAvStart), maxAvEndOffsetMs: ms(maxAvEnd) } : {}),
      minSsim: VERIFY_LIMITS.minSsim,
      minPsnrDb: VERIFY_LIMITS.minPsnrDb,
    },
    renditions,
  };
}

/**
 * Publish's check before it commits: reads every segment result and the source's index, lists
 * where the pieces are stored (their sizes: one LIST per 1,000 pieces), and verifies the job.
 */
export async function verifyStoredJob(rt: Runtime, m: JobDocument): Promise<VerificationReport> {
  const work = rt.config.WORK_BUCKET;
  const found = await listKeys(rt.s3, work, keys.segmentResultsPrefix(m.jobId));
  const results = await mapLimit(found, 32, (k) => getJson<SegmentResult>(rt.s3, { bucket: work, key: k.key }));
  results.sort((a, b) => a.index - b.index);
  if (results.length !== m.plan.segments.length)
    throw new EncoderError(
      'VERIFICATION_FAILED',
      `${results.length} segment results for ${m.plan.segments.length} planned segments`,
    );
  const probe = await getJson<ProbeDocument>(rt.s3, { bucket: work, key: keys.probe(m.jobId) });
  const where = placeOf(rt.config, m, 'cmaf/');
  const sizes = new Map((await listKeys(rt.s3, where.bucket, where.key)).map((o) => [o.key, o.size]));
  return verifyJob(m, results, sourceFrames(probe.packets, m.plan), {
    key: (track, k) => placeOf(rt.config, m, packageLayout.segment(track, k)).key,
    sizes,
  });
}
