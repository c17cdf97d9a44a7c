/**
 * The cloud critical path of the NEW path of issue 11 ("segments are the product"), modelled
 * for a source of any length from figures measured on this machine (newPath.ts) and named AWS
 * assumptions. The path:
 *
 *   Probe (stream probe + the moov by range) -> Plan
 *   -> Distributed Map start -> slowest segment worker (reads its own range of the source,
 *      encodes every rendition, its audio chunk and its stills (sprite tiles, maybe the poster)
 *      in one ffmpeg, writes CMAF fragments); beside it the subtitles (not modelled: small)
 *   -> Assemble (manifests; sprite sheet composed; each MP4 laid out, its upload started)
 *   -> AssembleParts Distributed Map (each part: GET its fragments, UploadPart)
 *   -> AssembleComplete -> Publish + final event.
 * (As built: src/pipeline/steps/*.ts, statemachines/transcode.asl.json.)
 *
 * No split, no whole-file audio, no concat. Every number is in NewPathInputs (measured) or
 * NewPathAssumptions (stated), and the report prints both.
 */

/** What the model assumes about AWS, each with its source in ASSUMPTION_SOURCES. */
export interface NewPathAssumptions {
  /** Cold start of a function with the ffmpeg layer, paid once by each function on the path (s). */
  coldStartSec: number;
  /** S3 GET/PUT throughput of one connection (MB/s). */
  s3PerConnectionMBps: number;
  /** S3 throughput of one function using many connections (ranged GETs, multipart parts) (MB/s). */
  s3MultiConnectionMBps: number;
  /** First-byte latency of one S3 request (s). */
  s3RequestSec: number;
  /** Segment function memory and Lambda's MB per vCPU (its encode scales linearly to that). */
  transcodeMemoryMb: number;
  lambdaMbPerVcpu: number;
  /** One Lambda vCPU relative to one core of this machine. */
  vcpuSpeedVsLocalCore: number;
  /** Distributed Map: fixed start, then child executions launched at this rate (per s). */
  mapStartSec: number;
  mapLaunchPerSec: number;
  /** Map concurrency (MaxConcurrency; the default Lambda account limit is 1,000). */
  mapConcurrency: number;
  /** State transitions on the critical path and the cost of one (s). */
  transitionsOnPath: number;
  transitionSec: number;
  /** Segment length (s) of the plan. */
  segmentSeconds: number;
  /** Smallest S3 multipart part (bytes): fragments are grouped into parts at least this big. */
  minPartBytes: number;
  /** CompleteMultipartUpload of one rendition (s). */
  completeMultipartSec: number;
  /** Manifest step's own work: list the segment results, write HLS and DASH (s, besides S3). */
  manifestWorkSec: number;
  /** Sprite sheet from the per-segment thumbnails: fixed and per tile (s). */
  spriteFixedSec: number;
  spritePerTileSec: number;
  thumbnailIntervalSec: number;
  /** Handler overhead of a segment worker besides ffmpeg and S3 (manifest read, checks) (s). */
  segmentHandlerSec: number;
}

export const NEW_PATH_ASSUMPTIONS: NewPathAssumptions = {
  coldStartSec: 1.0,
  s3PerConnectionMBps: 75,
  s3MultiConnectionMBps: 400,
  s3RequestSec: 0.03,
  transcodeMemoryMb: 3008,
  lambdaMbPerVcpu: 1769,
  vcpuSpeedVsLocalCore: 1.0,
  mapStartSec: 1.0,
  mapLaunchPerSec: 300,
  mapConcurrency: 1000,
  transitionsOnPath: 12,
  transitionSec: 0.05,
  segmentSeconds: 4,
  minPartBytes: 8 * 1024 * 1024,
  completeMultipartSec: 0.5,
  manifestWorkSec: 0.3,
  spriteFixedSec: 0.3,
  spritePerTileSec: 0.002,
  thumbnailIntervalSec: 10,
  segmentHandlerSec: 0.2,
};

/** Where each assumption comes from (printed with the model). */
export const ASSUMPTION_SOURCES: Record<keyof NewPathAssumptions, string> = {
  coldStartSec: 'same as the old model: 1 s per function with the ffmpeg layer (not measured here)',
  s3PerConnectionMBps: 'same as the old model: 75 MB/s for one S3 connection from Lambda (not measured here)',
  s3MultiConnectionMBps: 'assumed: about 5 parallel ranged GETs or part uploads at the per-connection rate, below a Lambda NIC; not measured here',
  s3RequestSec: 'assumed: S3 first-byte latency ~30 ms per request',
  transcodeMemoryMb: 'serverless.yml transcodeMemoryMb (deployed value)',
  lambdaMbPerVcpu: 'AWS Lambda: one vCPU per 1,769 MB',
  vcpuSpeedVsLocalCore: 'assumed equal (as the old model)',
  mapStartSec: 'same as the old model: 1 s for the Distributed Map to start its first children',
  mapLaunchPerSec: 'assumed: child executions launched at 300/s (no published rate; Lambda scales 1,000 concurrent per 10 s per function, so this is the tighter of the two)',
  mapConcurrency: 'issue 11: Map concurrency 1,000 (the default Lambda account limit)',
  transitionsOnPath: 'assumed: about 12 states on the critical path, as today',
  transitionSec: 'same as the old model: 50 ms per state transition',
  segmentSeconds: 'default SEGMENT_SECONDS',
  minPartBytes: 'MP4_PART_BYTES default, 8 MiB (S3: every multipart part but the last is at least 5 MiB)',
  completeMultipartSec: 'assumed: 0.5 s for CompleteMultipartUpload of up to 10,000 parts',
  manifestWorkSec: 'assumed: reading the Map results and writing playlists/MPD, besides the S3 requests',
  spriteFixedSec: 'assumed (sharp start and encode of the sheet)',
  spritePerTileSec: 'assumed: 2 ms per tile composited',
  thumbnailIntervalSec: 'THUMBNAIL_INTERVAL_SECONDS default',
  segmentHandlerSec: 'the old bench measured a segment handler overhead median of 0.19-0.20 s (docs/BENCHMARKS.md)',
};

/** What newPath.ts measured on this machine. */
export interface NewPathInputs {
  /** Frame rate of the 1080p source and the source's video+audio bytes per second. */
  fps: number;
  sourceBytesPerSec: number;
  /** Plain ffmpeg, one process, every rendition, on this machine's cores: wall seconds per frame. */
  plainSecPerFrame: number;
  /** The stream probe (ffprobe over HTTP, with the first packets): wall s and bytes read. */
  streamProbeSec: number;
  streamProbeBytes: number;
  /** moov bytes per second of source (measured on a 60-minute file) and parse time per second. */
  moovBytesPerSec: number;
  moovParseSecPerSourceSec: number;
  /** planSegments on a 60-minute packet index, per second of source. */
  planSecPerSourceSec: number;
  /** The probe document (packet index with byte ranges, JSON) per second of source. */
  probeDocBytesPerSec: number;
  /** One segment of `segmentFrames` frames, every rendition, read by range, one core: wall s. */
  segmentFrames: number;
  segmentOneCoreSec: number;
  /** Bytes that segment's ffmpeg read besides the moov (stream analysis + its range + read-ahead). */
  segmentReadBytesBesidesMoov: number;
  /** Encoded video bytes per second of source, all renditions, and of the largest rendition. */
  outputBytesPerSec: number;
  largestRenditionBytesPerSec: number;
  renditions: number;
  /** Audio chunk of one segment (AAC) on one core: wall s. */
  audioChunkOneCoreSec: number;
  /** ffmpeg start-up on this machine (s). */
  ffmpegStartSec: number;
}

/** One term of the critical path. */
export interface Term {
  name: string;
  sec: number;
  /** How it was computed, with the numbers. */
  how: string;
}

/** The modelled path for one source length. */
export interface NewPathResult {
  durationSec: number;
  frames: number;
  segments: number;
  waves: number;
  terms: Term[];
  criticalPathSec: number;
  plainSec: number;
  speedup: number;

}

const fx = (x: number, d = 2) => x.toFixed(d);

/** The new path's critical path for a source of `durationSec` like the measured one. */
export function modelNewPath(m: NewPathInputs, durationSec: number, a: NewPathAssumptions = NEW_PATH_ASSUMPTIONS): NewPathResult {
  const frames = Math.round(durationSec * m.fps);
  const segments = Math.ceil(durationSec / a.segmentSeconds);
  const waves = Math.ceil(segments / a.mapConcurrency);
  const MB = 1e6;
  const one = (bytes: number) => a.s3RequestSec + bytes / MB / a.s3PerConnectionMBps;
  const many = (bytes: number) => a.s3RequestSec + bytes / MB / a.s3MultiConnectionMBps;
  const moovBytes = m.moovBytesPerSec * durationSec;
  const docBytes = m.probeDocBytesPerSec * durationSec;
  const vcpu = a.transcodeMemoryMb / a.lambdaMbPerVcpu;
  const terms: Term[] = [];
  const add = (name: string, sec: number, how: string) => terms.push({ name, sec, how });

  add('state transitions', a.transitionsOnPath * a.transitionSec, `${a.transitionsOnPath} x ${a.transitionSec} s`);
  add(
    'probe',
    a.coldStartSec + m.streamProbeSec + one(m.streamProbeBytes) + 3 * a.s3RequestSec + moovBytes / MB / a.s3PerConnectionMBps + m.moovParseSecPerSourceSec * durationSec + one(docBytes),
    `cold start + stream probe ${fx(m.streamProbeSec)} s (${fx(m.streamProbeBytes / MB)} MB over S3) + moov ${fx(moovBytes / MB)} MB in ~3 range requests + parse ${fx(m.moovParseSecPerSourceSec * durationSec)} s + probe document ${fx(docBytes / MB)} MB to S3`,
  );
  add('plan', a.coldStartSec + m.planSecPerSourceSec * durationSec + one(docBytes), `cold start + probe document from S3 + planSegments ${fx(m.planSecPerSourceSec * durationSec)} s`);
  const launch = Math.min(segments, a.mapConcurrency) / a.mapLaunchPerSec;
  const mapStart = a.mapStartSec + launch;
  const segSec = a.segmentSeconds;
  const compute = (m.segmentOneCoreSec * (segSec * m.fps) / m.segmentFrames + m.audioChunkOneCoreSec) / (vcpu * a.vcpuSpeedVsLocalCore);
  // ffmpeg reads the moov itself (one connection), then its range (and stream analysis) while
  // decoding; the fragments are uploaded after the encode.
  const reads = one(moovBytes) + one(m.segmentReadBytesBesidesMoov * (segSec * m.fps) / m.segmentFrames);
  const writes = m.renditions * a.s3RequestSec + (m.outputBytesPerSec * segSec) / MB / a.s3PerConnectionMBps;
  const segment = a.coldStartSec + m.ffmpegStartSec + a.segmentHandlerSec + reads + compute + writes;
  add(
    `Distributed Map start + slowest segment x ${waves} wave(s)`,
    mapStart + segment * waves,
    `Map start ${fx(mapStart)} s (${a.mapStartSec} s + ${Math.min(segments, a.mapConcurrency)} children at ${a.mapLaunchPerSec}/s) + segment ${fx(segment)} s (cold start + handler ${a.segmentHandlerSec} s + ffmpeg start ${fx(m.ffmpegStartSec)} s + reads ${fx(reads)} s + encode ${fx(compute)} s (${fx(m.segmentOneCoreSec * (segSec * m.fps) / m.segmentFrames, 2)} s video + ${fx(m.audioChunkOneCoreSec)} s audio on one core / ${fx(vcpu)} vCPU; its stills are a frame or two more outputs of the same decode) + fragments out ${fx(writes)} s)`,
  );
  // Assemble: segment results read (32 at a time), manifests and MP4 layouts written, uploads
  // started, and the sprite composed from the segments' tiles (in parallel with the rest).
  const tiles = Math.ceil(durationSec / a.thumbnailIntervalSec);
  const sprite = a.spriteFixedSec + tiles * a.spritePerTileSec + many(tiles * 8000);
  const assemble = a.coldStartSec + Math.max(a.manifestWorkSec + Math.ceil(segments / 32) * a.s3RequestSec + m.renditions * 4 * a.s3RequestSec, sprite);
  add('assemble (manifests, MP4 layouts, sprite)', assemble, `cold start + max(${segments} segment results (32 at a time) + manifests and ${m.renditions} layouts, init segments and CreateMultipartUpload; sprite of ${tiles} tiles ${fx(sprite)} s)`);
  const renditionBytes = m.largestRenditionBytesPerSec * durationSec;
  const fragmentBytes = m.largestRenditionBytesPerSec * segSec;
  const perPart = Math.max(1, Math.ceil(a.minPartBytes / fragmentBytes));
  const parts = Math.ceil(segments / perPart);
  // Each part worker joins `perPart` fragments (GET each, PUT the part); one Map of part workers
  // for all renditions, then CompleteMultipartUpload per rendition in parallel.
  const partBytes = fragmentBytes * perPart;
  const partsMap = a.mapStartSec + Math.min(parts * m.renditions, a.mapConcurrency) / a.mapLaunchPerSec + a.coldStartSec + many(partBytes) + one(partBytes);
  add(
    'MP4 parts (AssembleParts Map)',
    partsMap,
    `${parts} parts of ${perPart} fragment(s), ${fx(partBytes / MB)} MB each, per rendition (largest rendition ${fx(renditionBytes / MB)} MB); ${parts * m.renditions} part workers launched; each GETs its fragments and PUTs its part`,
  );
  const complete = a.coldStartSec + Math.ceil(parts / 32) * a.s3RequestSec + a.completeMultipartSec;
  add('AssembleComplete', complete, `cold start + ${parts} part receipts per rendition (32 at a time) + CompleteMultipartUpload (renditions in parallel)`);
  add('publish + final event', a.coldStartSec + 2 * a.s3RequestSec + 0.1, 'cold start + manifests made visible (the MP4s are completed in place) + PutEvents');
  const criticalPathSec = terms.reduce((s, t) => s + t.sec, 0);
  const plainSec = m.plainSecPerFrame * frames;
  return { durationSec, frames, segments, waves, terms, criticalPathSec, plainSec, speedup: plainSec / criticalPathSec };
}

/** The issue's targets, checked on the two modelled lengths. */
export function newPathTargets(ten: NewPathResult, sixty: NewPathResult): { name: string; target: string; measured: string; met: boolean }[] {
  const ratio = sixty.criticalPathSec / ten.criticalPathSec;
  return [
    { name: 'modelled speed-up, 10-minute 1080p', target: '>= 20x', measured: `${fx(ten.speedup, 1)}x (${fx(ten.criticalPathSec, 1)} s vs ${fx(ten.plainSec, 0)} s plain)`, met: ten.speedup >= 20 },
    { name: 'modelled speed-up, 60-minute 1080p', target: '>= 80x', measured: `${fx(sixty.speedup, 1)}x (${fx(sixty.criticalPathSec, 1)} s vs ${fx(sixty.plainSec, 0)} s plain)`, met: sixty.speedup >= 80 },
    { name: 'critical path 60 min / 10 min', target: '<= 1.5', measured: fx(ratio), met: ratio <= 1.5 },
  ];
}

/**
 * The inputs with every CPU figure measured here multiplied by `k` (plain ffmpeg's and the
 * segment's alike): how the result moves if this shared machine's contention inflated them.
 */
export function scaleCpu(m: NewPathInputs, k: number): NewPathInputs {
  return {
    ...m,
    plainSecPerFrame: m.plainSecPerFrame * k,
    streamProbeSec: m.streamProbeSec * k,
    moovParseSecPerSourceSec: m.moovParseSecPerSourceSec * k,
    planSecPerSourceSec: m.planSecPerSourceSec * k,
    segmentOneCoreSec: m.segmentOneCoreSec * k,
    audioChunkOneCoreSec: m.audioChunkOneCoreSec * k,
    ffmpegStartSec: m.ffmpegStartSec * k,
  };
}
