/**
 * The cloud critical path of one job, state by state, in three cases (optimistic / likely /
 * pessimistic: awsConstants.ts), and the job's cost. It models the built path: outputs written
 * in place (no Publish copies; Publish writes the manifests, last), MaxConcurrency 1,000,
 * progress without a hot key (charged as one DynamoDB write per segment: pessimistic, the built
 * path LISTs the results and writes only on 10 % steps), and a segment
 * worker that reads only its own samples (a few ranged GETs, a small fMP4 built from the index,
 * no moov read per segment). Each term names the ASL state (statemachines/transcode.asl.json)
 * and the code (src/pipeline/steps/*.ts) it stands for, so it can be checked against them.
 *
 * Measured here (ModelInputs): the segment worker's ffmpeg under its function's CPU quota on
 * real-content 1080p (workerQuota.ts), a cold Plan's capability checks, the ffmpeg start from a
 * cold page cache, plain ffmpeg on the same source, the probe/plan figures (newPath.ts).
 */
import { AWS, CASES, LAMBDA_MEMORY_MB, PRICES, lambdaVcpus, type Bounds, type Case } from './awsConstants.js';

/** What was measured on this machine (inputs of the model). */
export interface ModelInputs {
  fps: number;
  /** Segment length of the plan (SEGMENT_SECONDS), s. */
  segmentSec: number;
  /** Segment ffmpeg wall under the quota, binary cold, real content: median and slowest full segment (s). */
  segmentMedianSec: number;
  segmentMaxSec: number;
  /** The segment handler's time besides ffmpeg (manifest read, fragment checks, local uploads), median (s). */
  segmentHandlerSec: number;
  /** A cold Plan's capability checks under the Plan function's vCPUs (s). */
  planChecksSec: number;
  /** Plain ffmpeg, every rendition, one process, this machine's cores: CPU s per frame over the cores. */
  plainSecPerFrame: number;
  /** The source's bytes per second (video + audio). */
  sourceBytesPerSec: number;
  /** Stream probe CPU (s) and bytes read; moov bytes, its parse and planSegments per source second; probe document bytes per source second. */
  streamProbeSec: number;
  streamProbeBytes: number;
  moovBytesPerSec: number;
  moovParseSecPerSourceSec: number;
  planSecPerSourceSec: number;
  probeDocBytesPerSec: number;
  /** Encoded bytes per source second, all renditions, and of the largest one. */
  outputBytesPerSec: number;
  largestRenditionBytesPerSec: number;
  renditions: number;
}

/** Settings of the deployment the model follows (config defaults). */
export const DEPLOYMENT = {
  /** THUMBNAIL_INTERVAL_SECONDS: a sprite tile every 10 s, taken by the segment that holds it. */
  thumbnailIntervalSec: 10,
  /** MP4_PART_BYTES: fragments grouped into multipart parts of at least 8 MiB. */
  partBytes: 8 * 1024 * 1024,
  /** Audio tracks of the default ladder. */
  audioTracks: 1,
  /** Parallel S3 requests of one handler (the steps' mapLimit of 32 for listings, reads). */
  requestParallelism: 32,
  /** STATUS_UPDATE events: one per 10 % step. */
  progressEvents: 10,
} as const;

/** Seconds of CompleteMultipartUpload (AWS publishes none; up to ~230 parts per rendition here). */
export const COMPLETE_MULTIPART: Bounds = {
  optimistic: 0.2,
  likely: 0.5,
  pessimistic: 2,
  unit: 's',
  published: false,
  source: 'CompleteMultipartUpload latency is not published; 0.5 s likely, 2 s pessimistic',
};
/** Sprite sheet composition in Assemble (sharp): not measured here. */
export const SPRITE: Bounds = {
  optimistic: 0.2,
  likely: 0.5,
  pessimistic: 1.5,
  unit: 's + 2 ms per tile',
  published: false,
  source: 'sharp composition of the sprite sheet: not measured by this bench (fixed part), 2 ms per tile',
};

/** One term of the path. */
export interface Term {
  name: string;
  /** The ASL state(s) and the code the term stands for. */
  state: string;
  sec: number;
  how: string;
}

/** The modelled job for one length and case. */
export interface PathResult {
  case: Case;
  durationSec: number;
  segments: number;
  concurrency: number;
  waves: number;
  terms: Term[];
  /** To the COMPLETE event (EmitComplete): what a user waits for. */
  criticalPathSec: number;
  /** Cleanup, after the COMPLETE event: in the execution, not in the speed-up. */
  afterCompleteSec: number;
  plainSec: number;
  speedup: number;
  cost: JobCost;
}

/** The job's cost, by service (USD). */
export interface JobCost {
  lines: { item: string; quantity: number; unit: string; usd: number }[];
  totalUsd: number;
  perOutputMinuteUsd: number;
  /** MediaConvert on-demand for the same ladder and minutes (Basic and Professional tiers). */
  mediaConvert: { basicPerMinuteUsd: number; professionalPerMinuteUsd: number };
}

const fx = (x: number, d = 2) => x.toFixed(d);

/** The value of `k` in case `c`. */
const v = (bnd: Bounds, c: Case) => bnd[c];

/** The path of a `durationSec` source like the measured one, in case `c`. */
export function modelPath(
  m: ModelInputs,
  durationSec: number,
  c: Case,
  renditionHeights: number[] = [1080, 720, 480],
): PathResult {
  const A = (k: keyof typeof AWS) => v(AWS[k], c);
  const MB = 1e6;
  const req = A('s3FirstByteSec');
  const conn = A('s3ConnectionMBps');
  const get = (bytes: number) => req + bytes / MB / conn;
  const rounds = (n: number) => Math.ceil(n / DEPLOYMENT.requestParallelism) * req;
  const coldLayer = A('coldStartLayerSec');
  const coldSmall = A('coldStartSmallSec');
  const speed = A('vcpuSpeedVsLocalCore');
  const segments = Math.ceil(durationSec / m.segmentSec);
  const concurrency = Math.min(A('mapMaxConcurrency'), A('concurrencyAvailable'));
  const waves = Math.ceil(segments / concurrency);
  const probeVcpu = lambdaVcpus(LAMBDA_MEMORY_MB.probe);
  const planVcpu = lambdaVcpus(LAMBDA_MEMORY_MB.plan);
  const terms: Term[] = [];
  const add = (name: string, state: string, sec: number, how: string) => terms.push({ name, state, sec, how });
  const moovBytes = m.moovBytesPerSec * durationSec;
  const docBytes = m.probeDocBytesPerSec * durationSec;

  add(
    'trigger',
    'S3 Object Created -> EventBridge rule -> StartExecution (serverless.yml)',
    A('eventBridgeSec'),
    `EventBridge delivery and StartExecution ${fx(A('eventBridgeSec'))} s`,
  );
  const probeCpu = (m.streamProbeSec + m.moovParseSecPerSourceSec * durationSec) / probeVcpu / speed;
  add(
    'Probe',
    'Probe Task / src/pipeline/steps/probe.ts',
    coldLayer + probeCpu + get(m.streamProbeBytes) + 3 * req + moovBytes / MB / conn + get(docBytes),
    `cold start ${fx(coldLayer)} s + stream probe and moov parse ${fx(probeCpu)} s on ${fx(probeVcpu)} vCPU + head ${fx(m.streamProbeBytes / MB)} MB and moov ${fx(moovBytes / MB)} MB in ~4 GETs + probe document ${fx(docBytes / MB)} MB PUT`,
  );
  const planCpu = (m.planSecPerSourceSec * durationSec) / planVcpu / speed;
  const planChecks = m.planChecksSec / speed;
  add(
    'Plan',
    'Plan Task / src/pipeline/steps/plan.ts (+ runtime ffmpegCapabilities, cmafSupport)',
    coldLayer + planChecks + get(docBytes) + planCpu + get(docBytes),
    `cold start ${fx(coldLayer)} s + a cold Plan's capability checks ${fx(planChecks)} s (measured under ${fx(planVcpu)} vCPU) + probe document GET + planSegments ${fx(planCpu)} s + manifest PUT`,
  );
  const emit = coldSmall + A('dynamoWriteSec') + req;
  add(
    'EmitProgressing',
    'EmitProgressing Task / emitEvent / src/pipeline/steps/emit.ts',
    emit,
    `cold start ${fx(coldSmall)} s + job record write + PutEvents (PROGRESSING)`,
  );

  // TranscodeSegments (Distributed Map): the Map Run starts, children start at the launch rate
  // and Lambda adds environments (a burst of up to 1,000 at once, then 100/s).
  const inFlight = Math.min(segments, concurrency);
  const refillPerSec = AWS.lambdaScalePer10s.likely / 10;
  const launch = Math.max(
    inFlight / A('mapChildLaunchPerSec'),
    Math.max(0, inFlight - A('lambdaBurstAvailable')) / refillPerSec,
  );
  add(
    'TranscodeSegments launch',
    'TranscodeSegments Map (DISTRIBUTED): Map Run start + child executions + Lambda scaling',
    A('mapStartSec') + launch,
    `Map Run start ${fx(A('mapStartSec'))} s + ${inFlight} children at ${A('mapChildLaunchPerSec')}/s, Lambda environments ${A('lambdaBurstAvailable')} at once then ${refillPerSec}/s: the last child starts after ${fx(launch)} s`,
  );
  const segBytes = m.sourceBytesPerSec * m.segmentSec;
  const outBytes = m.outputBytesPerSec * m.segmentSec;
  const tilesPerSegment = m.segmentSec / DEPLOYMENT.thumbnailIntervalSec;
  const putsPerSegment = m.renditions + DEPLOYMENT.audioTracks + tilesPerSegment + 1;
  const encode = (m.segmentMaxSec * v(AWS.slowestSegmentTail, c)) / speed;
  const reads = 3 * req + segBytes / MB / conn;
  const writes = Math.ceil(putsPerSegment / 2) * req + outBytes / MB / conn + A('dynamoWriteSec');
  const segment = coldLayer + m.segmentHandlerSec + reads + encode + writes;
  add(
    `slowest segment worker x ${waves} wave(s)`,
    'TranscodeSegment Task (child) / src/pipeline/steps/segment.ts transcodeSegmentStep',
    segment * waves,
    `cold start ${fx(coldLayer)} s + handler ${fx(m.segmentHandlerSec)} s + own bytes ${fx(segBytes / MB)} MB in 3 ranged GETs ${fx(reads)} s + ffmpeg (cold binary, ${fx(lambdaVcpus(LAMBDA_MEMORY_MB.transcodeSegment))}-vCPU quota) slowest ${fx(m.segmentMaxSec)} s x tail ${v(AWS.slowestSegmentTail, c)} / speed ${speed} = ${fx(encode)} s + ${fx(putsPerSegment, 1)} PUTs (${fx(outBytes / MB)} MB) and its progress item ${fx(writes)} s`,
  );
  const fanOutPuts = segments * putsPerSegment;
  const spread = launch + (m.segmentMaxSec - m.segmentMedianSec);
  const prefix = Math.max(0, fanOutPuts / A('s3PutPerSecPerPrefix') - spread);
  add(
    'S3 PUT rate of the fan-out',
    'the job prefix in the output bucket (in place)',
    prefix,
    `${Math.round(fanOutPuts)} PUTs at ${A('s3PutPerSecPerPrefix')}/s per partitioned prefix, spread over ${fx(spread)} s of launches and segment-time differences`,
  );
  add(
    'TranscodeSegments close',
    'TranscodeSegments ResultWriter + Map Run end',
    A('mapCloseSec'),
    `${segments} results written to S3, Map Run finished (not published: ${A('mapCloseSec')} s)`,
  );

  const tiles = Math.ceil(durationSec / DEPLOYMENT.thumbnailIntervalSec);
  const sprite = v(SPRITE, c) + tiles * 0.002 + rounds(tiles);
  const assemble = coldLayer + rounds(segments) + Math.max(sprite, m.renditions * 2 * req);
  add(
    'Assemble',
    'Assemble Task (phase layout) / src/pipeline/steps/assemble.ts',
    assemble,
    `cold start + ${segments} segment results read (${DEPLOYMENT.requestParallelism} at a time) + max(sprite of ${tiles} tiles ${fx(sprite)} s, ${m.renditions} MP4 layouts: init + CreateMultipartUpload)`,
  );

  const fragmentBytes = m.largestRenditionBytesPerSec * m.segmentSec;
  const perPart = Math.max(1, Math.ceil(DEPLOYMENT.partBytes / fragmentBytes));
  const parts = Math.ceil(segments / perPart) * m.renditions;
  const partsInFlight = Math.min(parts, concurrency);
  const partLaunch = Math.max(
    partsInFlight / A('mapChildLaunchPerSec'),
    Math.max(0, partsInFlight - A('lambdaBurstAvailable')) / refillPerSec,
  );
  const partBytes = fragmentBytes * perPart;
  const part = coldSmall + req + partBytes / MB / (conn * Math.min(perPart, 4)) + get(partBytes);
  const partWaves = Math.ceil(parts / concurrency);
  add(
    'AssembleParts (launch, slowest part, close)',
    'AssembleParts Map (DISTRIBUTED) / AssemblePart Task / assemble.ts phase part',
    A('mapStartSec') + partLaunch + part * partWaves + A('mapCloseSec'),
    `${parts} parts (${perPart} fragment(s), ${fx(partBytes / MB)} MB each): Map start + launch ${fx(partLaunch)} s + part (cold start, GET fragments in parallel, UploadPart) ${fx(part)} s x ${partWaves} + close`,
  );
  const warmOrCold = c === 'pessimistic' ? coldSmall : 0;
  const complete = warmOrCold + rounds(parts / m.renditions) + v(COMPLETE_MULTIPART, c);
  add(
    'AssembleComplete',
    'AssembleComplete Task / assemble.ts phase complete',
    complete,
    `${c === 'pessimistic' ? 'cold' : 'warm (the assemble function just ran)'} start + part receipts + CompleteMultipartUpload per rendition in parallel (${v(COMPLETE_MULTIPART, c)} s)`,
  );
  const manifests = 2 * m.renditions + 2;
  const publish = coldSmall + rounds(manifests) + A('dynamoWriteSec');
  add(
    'Publish (manifests only)',
    'Publish Task / src/pipeline/steps/publish.ts',
    publish,
    `cold start + ${manifests} playlists/MPD written last, in place (no copies) + job record`,
  );
  add(
    'EmitComplete',
    'EmitComplete Task / emitEvent / emit.ts',
    warmOrCold + A('dynamoWriteSec') + req,
    `${c === 'pessimistic' ? 'cold' : 'warm'} start + job record + PutEvents (COMPLETE)`,
  );
  const onPath = 14;
  add(
    'state transitions',
    'Probe, Plan, EmitProgressing, EncoderDecider, ReadMode, Encode, TranscodeSegments, TranscodeSegment, Assemble, AssembleParts, AssemblePart, AssembleComplete, Publish, EmitComplete',
    onPath * A('transitionSec'),
    `${onPath} x ${A('transitionSec')} s`,
  );
  const transitions = jobTransitions(segments, parts);
  const throttle = Math.max(0, (transitions - A('transitionBucket')) / A('transitionRefillPerSec'));
  add(
    'StateTransition throttling',
    'account StateTransition quota (Standard, children included)',
    throttle,
    `${transitions} transitions in the job vs a bucket of ${A('transitionBucket')} refilled at ${A('transitionRefillPerSec')}/s`,
  );

  const criticalPathSec = terms.reduce((s, t) => s + t.sec, 0);
  const workObjects = segments * putsPerSegment + 4;
  const afterCompleteSec = coldSmall + Math.ceil(workObjects / 1000) * req * 2;
  const frames = Math.round(durationSec * m.fps);
  const plainSec = m.plainSecPerFrame * frames;
  const segmentBilled =
    coldLayer +
    m.segmentHandlerSec +
    reads +
    (m.segmentMedianSec * (c === 'pessimistic' ? v(AWS.slowestSegmentTail, c) : 1)) / speed +
    writes;
  const cost = jobCost({
    durationSec,
    segments,
    parts,
    putsPerSegment,
    manifests,
    transitions,
    billedSec: {
      probe: terms[1].sec,
      plan: terms[2].sec,
      emitEvent: emit * 2,
      transcodeSegment: segmentBilled * segments,
      assemble: assemble + part * parts + complete,
      publish,
      cleanup: afterCompleteSec,
    },
    renditionHeights,
  });
  return {
    case: c,
    durationSec,
    segments,
    concurrency,
    waves,
    terms,
    criticalPathSec,
    afterCompleteSec,
    plainSec,
    speedup: plainSec / criticalPathSec,
    cost,
  };
}

/**
 * State transitions a job is billed for: the parent's ~17 states (Probe ... Cleanup, Done,
 * both Maps) and, per child execution of either Map, its start and its one Task (2).
 */
export function jobTransitions(segments: number, parts: number): number {
  return 17 + 2 * segments + 2 * parts;
}

/** Inputs of the cost: counts and each function's billed seconds (summed over invocations). */
export interface CostInputs {
  durationSec: number;
  segments: number;
  parts: number;
  putsPerSegment: number;
  manifests: number;
  transitions: number;
  billedSec: Record<keyof typeof LAMBDA_MEMORY_MB, number>;
  renditionHeights: number[];
}

/** The job's cost by service, and MediaConvert's for the same ladder and minutes. */
export function jobCost(i: CostInputs): JobCost {
  const lines: JobCost['lines'] = [];
  const line = (item: string, quantity: number, unit: string, usd: number) => lines.push({ item, quantity, unit, usd });
  const gbSec = (Object.keys(i.billedSec) as (keyof typeof LAMBDA_MEMORY_MB)[]).reduce(
    (s, f) => s + i.billedSec[f] * (LAMBDA_MEMORY_MB[f] / 1024),
    0,
  );
  line('Lambda compute', gbSec, 'GB-s', gbSec * PRICES.lambdaGbSecond.usd);
  const invocations = 1 + 1 + 2 + i.segments + 1 + i.parts + 1 + 1 + 1;
  line('Lambda requests', invocations, 'invocations', invocations * PRICES.lambdaRequest.usd);
  line('Step Functions (Standard) transitions', i.transitions, 'transitions', i.transitions * PRICES.sfnTransition.usd);
  const puts = i.segments * i.putsPerSegment + i.parts + i.manifests + 2 * 3 + i.segments + 10;
  line('S3 PUT/LIST', puts, 'requests', puts * PRICES.s3Put.usd);
  const gets = i.segments * 4 + i.segments + i.parts * 3 + 10;
  line('S3 GET', gets, 'requests', gets * PRICES.s3Get.usd);
  const events = 2 + DEPLOYMENT.progressEvents;
  line('EventBridge events', events, 'events', events * PRICES.eventBridgeEvent.usd);
  const writes = i.segments + 2 + DEPLOYMENT.progressEvents;
  line('DynamoDB writes', writes, 'WRU', writes * PRICES.dynamoWrite.usd);
  const totalUsd = lines.reduce((s, l) => s + l.usd, 0);
  const minutes = i.durationSec / 60;
  const hd = i.renditionHeights.filter((h) => h >= 720).length;
  const sd = i.renditionHeights.length - hd;
  return {
    lines,
    totalUsd,
    perOutputMinuteUsd: totalUsd / minutes,
    mediaConvert: {
      basicPerMinuteUsd: hd * PRICES.mediaConvertBasicHd.usd + sd * PRICES.mediaConvertBasicSd.usd,
      professionalPerMinuteUsd: hd * PRICES.mediaConvertProHd.usd + sd * PRICES.mediaConvertProSd.usd,
    },
  };
}

/** A verdict of the issue's targets. */
export interface Verdict {
  met: boolean;
  line: string;
}

/** The issue's targets: likely >= 20x / 80x, pessimistic >= 10x / 40x, likely 60/10 ratio <= 1.5. */
export function verdicts(ten: Record<Case, PathResult>, sixty: Record<Case, PathResult>): Verdict[] {
  const out: Verdict[] = [];
  const sp = (r: PathResult, c: Case, label: string, target: number) => {
    const met = r.speedup >= target;
    out.push({
      met,
      line: `${met ? 'met' : 'MISSED'}  modelled speed-up (${c}), ${label}: ${fx(r.speedup, 1)}x (${fx(r.criticalPathSec, 1)} s path vs ${fx(r.plainSec, 0)} s plain; target >= ${target}x)`,
    });
  };
  sp(ten.likely, 'likely', '10-minute 1080p', 20);
  sp(ten.pessimistic, 'pessimistic', '10-minute 1080p', 10);
  sp(sixty.likely, 'likely', '60-minute 1080p', 80);
  sp(sixty.pessimistic, 'pessimistic', '60-minute 1080p', 40);
  const ratio = sixty.likely.criticalPathSec / ten.likely.criticalPathSec;
  out.push({
    met: ratio <= 1.5,
    line: `${ratio <= 1.5 ? 'met' : 'MISSED'}  modelled 60/10-minute path ratio (likely): ${fx(ratio)} (target <= 1.5)`,
  });
  for (const r of [ten, sixty]) {
    const label = r.likely.durationSec === 600 ? '10-minute' : `${r.likely.durationSec / 60}-minute`;
    const k = r.likely.cost;
    out.push({
      met: true,
      line: `cost per output minute (likely), ${label}: $${fx(k.perOutputMinuteUsd, 4)} (job $${fx(k.totalUsd, 4)}); MediaConvert on-demand, same ladder: Basic $${fx(k.mediaConvert.basicPerMinuteUsd, 4)}, Professional $${fx(k.mediaConvert.professionalPerMinuteUsd, 4)} per minute`,
    });
  }
  return out;
}

/** Both lengths in every case. */
export function modelAll(
  m: ModelInputs,
  heights?: number[],
): { ten: Record<Case, PathResult>; sixty: Record<Case, PathResult> } {
  const at = (d: number) =>
    Object.fromEntries(CASES.map((c) => [c, modelPath(m, d, c, heights)])) as Record<Case, PathResult>;
  return { ten: at(600), sixty: at(3600) };
}
