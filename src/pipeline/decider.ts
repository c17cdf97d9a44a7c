import { z } from 'zod';

/**
 * The encoder decider (the Frame.io pattern): Lambda fan-out, or the whole job's encode as one
 * ECS Fargate task. The state machine's `EncoderDecider` Choice makes this decision; this is
 * the same decision as a pure function, rule for rule, so tests can compute the expected branch
 * and check the Choice against it (test/unit/decider*.test.ts).
 *
 * Rules, in order (the first that matches wins):
 *  1. `settings.engine` = `lambda` -> Lambda;  `ecs` -> ECS (a forced engine beats every threshold).
 *  2. no thresholds in `config.decider` (an execution input built by an older starter) -> Lambda.
 *  3. source size, duration or longest keyframe gap above its threshold -> ECS.
 *  4. the longer side above `maxLambdaLongSide`, or both sides above `maxLambdaShortSide` -> ECS
 *     (a pixel count cannot be computed in a Choice state: it has no arithmetic).
 *  5. a high-bit-depth (10/12/14/16-bit) or 4:4:4 pixel format -> ECS.
 *  6. a video codec in ECS_VIDEO_CODECS -> ECS.
 *  7. the encoder's cost: the plan's estimate of the slowest segment's encode time
 *     (`$.plan.segmentEncodeSec`, src/media/plan/cost.ts: frames x the sum over renditions of output
 *     pixels x that rendition's encoder's relative cost, so an AV1 ladder, or one AV1 rung,
 *     weighs more than H.264 of the same source) above
 *     `maxLambdaSegmentEncodeSec` -> ECS (when that threshold is in the input: an execution
 *     input from an older starter has none). The Choice sits after the Plan for this rule: it
 *     reads the plan's estimate.
 *  8. otherwise Lambda.
 * Every comparison is "strictly greater than": a source exactly at a threshold stays on Lambda.
 */

/** Engines a job may ask for (`settings.engine`, S3 metadata `engine`, `npm start -- --engine`). */
export const ENGINE_REQUESTS = ['auto', 'lambda', 'ecs'] as const;
export type EngineRequest = (typeof ENGINE_REQUESTS)[number];
export type Engine = 'lambda' | 'ecs';

/** Thresholds of the decider: deploy parameters, put into the execution input by the starter. */
export const DeciderThresholdsSchema = z.object({
  maxLambdaSizeBytes: z.number().positive(),
  maxLambdaDurationSec: z.number().positive(),
  maxLambdaKeyframeGapSec: z.number().positive(),
  maxLambdaLongSide: z.number().int().positive(),
  maxLambdaShortSide: z.number().int().positive(),
  /** Estimated encode seconds of one segment above which the job goes to ECS (rule 7; absent in inputs of older starters). */
  maxLambdaSegmentEncodeSec: z.number().positive().optional(),
});
export type DeciderThresholds = z.infer<typeof DeciderThresholdsSchema>;

/** Defaults of the thresholds (also the defaults of the MAX_LAMBDA_* variables in src/config.ts). */
export const DEFAULT_THRESHOLDS: DeciderThresholds = {
  // Split stream-copies the whole source into the Lambda's 10 GiB /tmp.
  maxLambdaSizeBytes: 5 * 1024 * 1024 * 1024,
  // Audio and thumbnails each run once over the whole range, in one Lambda (15 min).
  maxLambdaDurationSec: 7200,
  // A segment cannot be shorter than the keyframe gap; one segment is one Lambda.
  maxLambdaKeyframeGapSec: 10,
  // DCI 4K (4096x2160) and UHD still fan out; larger frames go to one big task.
  maxLambdaLongSide: 4096,
  maxLambdaShortSide: 2160,
  // The segment Lambda's timeout is 890 s: an encode estimated above 600 s leaves too little
  // for the reads, the upload and an estimate that is off (cost.ts, measured on 2 shared cores).
  maxLambdaSegmentEncodeSec: 600,
};

/**
 * Pixel formats (ffprobe `pix_fmt`) that go to ECS, as StringMatches patterns (`*` only):
 * 10/12/14/16-bit formats and 4:4:4 / RGB formats. The ASL Choice lists the same patterns.
 */
export const ECS_PIX_FMT_PATTERNS = [
  '*10le',
  '*10be',
  '*12le',
  '*12be',
  '*14le',
  '*14be',
  '*16le',
  '*16be',
  'yuv444*',
  'yuvj444*',
  'yuva444*',
  'gbr*',
] as const;

/**
 * Video codecs (ffprobe `codec_name`) that go to ECS: the Lambda layer's static ffmpeg only has
 * the slow libaom AV1 decoder; the worker image's Debian ffmpeg has dav1d.
 */
export const ECS_VIDEO_CODECS = ['av1'] as const;

/** The probe summary fields the decider reads ($.probe). */
export interface DeciderProbe {
  sizeBytes: number;
  durationSec: number;
  maxKeyframeGapSec: number;
  width: number;
  height: number;
  pixFmt: string;
  videoCodec: string;
}

/** The state the decider reads: $.probe, $.plan.segmentEncodeSec, $.settings.engine, $.config.decider. */
export interface DeciderInput {
  probe: DeciderProbe;
  plan?: { segmentEncodeSec?: number };
  settings: { engine?: string };
  config: { decider?: DeciderThresholds };
}

export interface Decision {
  engine: Engine;
  /** Which rule decided, for logs and tests. */
  rule:
    | 'forced'
    | 'no-thresholds'
    | 'size'
    | 'duration'
    | 'keyframe-gap'
    | 'long-side'
    | 'short-side'
    | 'pix-fmt'
    | 'codec'
    | 'encoder-cost'
    | 'default';
}

/** StringMatches semantics: `*` matches any run of characters, everything else literally. */
export function globMatches(pattern: string, value: string): boolean {
  const re = new RegExp(
    '^' +
      pattern
        .split('*')
        .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
        .join('.*') +
      '$',
  );
  return re.test(value);
}

/** The decision of the `EncoderDecider` Choice state, as a pure function. */
export function decideEngine(input: DeciderInput): Decision {
  const requested = input.settings.engine;
  if (requested === 'lambda') return { engine: 'lambda', rule: 'forced' };
  if (requested === 'ecs') return { engine: 'ecs', rule: 'forced' };
  const t = input.config.decider;
  if (!t) return { engine: 'lambda', rule: 'no-thresholds' };
  const p = input.probe;
  if (p.sizeBytes > t.maxLambdaSizeBytes) return { engine: 'ecs', rule: 'size' };
  if (p.durationSec > t.maxLambdaDurationSec) return { engine: 'ecs', rule: 'duration' };
  if (p.maxKeyframeGapSec > t.maxLambdaKeyframeGapSec) return { engine: 'ecs', rule: 'keyframe-gap' };
  if (p.width > t.maxLambdaLongSide || p.height > t.maxLambdaLongSide) return { engine: 'ecs', rule: 'long-side' };
  if (p.width > t.maxLambdaShortSide && p.height > t.maxLambdaShortSide) return { engine: 'ecs', rule: 'short-side' };
  if (ECS_PIX_FMT_PATTERNS.some((g) => globMatches(g, p.pixFmt))) return { engine: 'ecs', rule: 'pix-fmt' };
  if ((ECS_VIDEO_CODECS as readonly string[]).includes(p.videoCodec)) return { engine: 'ecs', rule: 'codec' };
  const cost = input.plan?.segmentEncodeSec;
  if (t.maxLambdaSegmentEncodeSec !== undefined && cost !== undefined && cost > t.maxLambdaSegmentEncodeSec)
    return { engine: 'ecs', rule: 'encoder-cost' };
  return { engine: 'lambda', rule: 'default' };
}

/** The thresholds from a validated config (MAX_LAMBDA_* variables). */
export function thresholdsFromConfig(c: {
  MAX_LAMBDA_SIZE_BYTES: number;
  MAX_LAMBDA_DURATION_SECONDS: number;
  MAX_LAMBDA_KEYFRAME_GAP_SECONDS: number;
  MAX_LAMBDA_LONG_SIDE: number;
  MAX_LAMBDA_SHORT_SIDE: number;
  MAX_LAMBDA_SEGMENT_ENCODE_SECONDS: number;
}): DeciderThresholds {
  return {
    maxLambdaSizeBytes: c.MAX_LAMBDA_SIZE_BYTES,
    maxLambdaDurationSec: c.MAX_LAMBDA_DURATION_SECONDS,
    maxLambdaKeyframeGapSec: c.MAX_LAMBDA_KEYFRAME_GAP_SECONDS,
    maxLambdaLongSide: c.MAX_LAMBDA_LONG_SIDE,
    maxLambdaShortSide: c.MAX_LAMBDA_SHORT_SIDE,
    maxLambdaSegmentEncodeSec: c.MAX_LAMBDA_SEGMENT_ENCODE_SECONDS,
  };
}
