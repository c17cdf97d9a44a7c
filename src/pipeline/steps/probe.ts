import type { Runtime } from '../../runtime.js';
import type { Logger } from '../../log.js';
import { headObject, presignGet, putJson } from '../../aws/s3.js';
import { encoderInfo, resolveBinaries, type EncoderInfo } from '../../media/binaries.js';
import { runProcess, ProcessError, lastLines } from '../../media/runner.js';
import { buildPacketProbeArgs, buildStreamProbeArgs, checkPacketIndex, parsePacketCsv, parseStreamProbe } from '../../media/probe.js';
import { InputError, TransientError } from '../../errors.js';
import { FORMAT_REFUSED_RE } from '../../media/formats.js';
import { checkMediaLimits, checkSize, checkTimeline } from '../../media/limits.js';
import { limitsOf } from '../../config.js';
import { keys, type JobInput } from '../job.js';
import type { ProbeDocument } from '../manifest.js';

/** The small summary kept in the state (the decider and the events read it). */
export interface ProbeSummary {
  formatName: string;
  sizeBytes: number;
  durationSec: number;
  width: number;
  height: number;
  rotation: number;
  videoCodec: string;
  pixFmt: string;
  hasAudio: boolean;
  frameCount: number;
  keyframeCount: number;
  maxKeyframeGapSec: number;
  /** The ffmpeg build of this deployment: an ERROR event after the probe names it. */
  encoder: EncoderInfo;
}

async function ffprobe(args: string[], timeoutMs: number, what: string) {
  try {
    return await runProcess(resolveBinaries().ffprobe, args, { timeoutMs, captureStdout: true });
  } catch (err) {
    if (err instanceof ProcessError && err.timedOut) throw new TransientError('TIMEOUT', `ffprobe timed out reading the ${what}`, { cause: err });
    if (err instanceof ProcessError && FORMAT_REFUSED_RE.test(err.stderrTail)) {
      throw new InputError('INPUT_UNSUPPORTED', 'the container format is not accepted (playlists, concat lists, image sequences and other formats that reference other files are refused)', { cause: err });
    }
    if (err instanceof ProcessError) {
      throw new InputError('INPUT_UNREADABLE', `not a readable media file: ${lastLines(err.stderrTail, 2) || err.message}`, { cause: err });
    }
    throw err;
  }
}

/**
 * Probes the source over a presigned URL (no download): streams, then every video packet's
 * timestamps and keyframe flag. Stores the full probe in S3, returns a summary.
 */
export async function probeStep(rt: Runtime, job: JobInput, log: Logger): Promise<ProbeSummary> {
  const head = await headObject(rt.s3, job.source);
  if (head.size === 0) throw new InputError('INPUT_EMPTY', 'the source object is empty (0 bytes)');
  const limits = limitsOf(rt.config);
  checkSize(head.size, limits);
  const url = await presignGet(rt.s3, job.source);
  const timeoutMs = rt.config.FFPROBE_TIMEOUT_SECONDS * 1000;
  const streams = await ffprobe(buildStreamProbeArgs({ url }), timeoutMs, 'streams');
  const info = parseStreamProbe(streams.stdout);
  info.sizeBytes = head.size;
  checkMediaLimits(info, limits);
  // Reading every packet takes longer than the header: twice the budget (both stay inside the
  // Probe task's 300 s with the default of 90 s).
  const pk = await ffprobe(buildPacketProbeArgs({ url }, info.video.index), timeoutMs * 2, 'packets');
  const packets = parsePacketCsv(pk.stdout);
  checkPacketIndex(info, packets, pk.stderrTail);
  const span = packets.pts.reduce((a, b) => Math.max(a, b), -Infinity) - packets.pts.reduce((a, b) => Math.min(a, b), Infinity);
  checkTimeline((span * info.video.timeBase.num) / info.video.timeBase.den, packets.pts.length, limits);
  const doc: ProbeDocument = { info, packets };
  await putJson(rt.s3, { bucket: rt.config.WORK_BUCKET, key: keys.probe(job.jobId) }, doc);

  const tick = info.video.timeBase.num / info.video.timeBase.den;
  const kpts = packets.keyframes.map((k) => packets.pts[k]).sort((a, b) => a - b);
  const maxPts = packets.pts.reduce((a, b) => Math.max(a, b), -Infinity);
  let maxGap = 0;
  for (let i = 0; i < kpts.length; i++) maxGap = Math.max(maxGap, ((i + 1 < kpts.length ? kpts[i + 1] : maxPts) - kpts[i]) * tick);
  const swap = info.video.rotation === 90 || info.video.rotation === 270;
  const summary: ProbeSummary = {
    formatName: info.formatName,
    sizeBytes: head.size,
    durationSec: info.durationSec,
    width: swap ? info.video.height : info.video.width,
    height: swap ? info.video.width : info.video.height,
    rotation: info.video.rotation,
    videoCodec: info.video.codec,
    pixFmt: info.video.pixFmt,
    hasAudio: info.audio !== null,
    frameCount: packets.pts.length,
    keyframeCount: packets.keyframes.length,
    maxKeyframeGapSec: Number(maxGap.toFixed(3)),
    encoder: await encoderInfo(),
  };
  log.info('probed', { summary, probeMs: streams.durationMs + pk.durationMs });
  return summary;
}
