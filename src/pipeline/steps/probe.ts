import type { Runtime } from '../../runtime.js';
import type { Logger } from '../../log.js';
import { headObject, presignGet, putJson } from '../../aws/s3.js';
import { runProcess, ProcessError, lastLines } from '../../media/ffmpeg/runner.js';
import {
  buildFirstFrameSideDataArgs,
  hdrTransfer,
  parseFrameSideData,
  parseSourceColour,
  pickHdrMetadata,
} from '../../media/encode/colour.js';
import {
  protocolWhitelist,
  buildPacketProbeArgs,
  checkPacketIndex,
  parsePacketCsv,
  parseStreamProbe,
} from '../../media/probe/probe.js';
import { InputError, TransientError } from '../../errors.js';
import { FORMAT_REFUSED_RE, SOURCE_FORMATS } from '../../media/ffmpeg/whitelists.js';
import { checkMediaLimits, checkSize, checkTimeline } from '../../media/probe/limits.js';
import { limitsOf } from '../../config.js';
import { keys, type JobInput } from '../job.js';
import type { ProbeDocument } from '../jobDocument.js';
import type { PacketIndex } from '../../media/probe/probe.js';
import {
  buildStreamProbeWithHeadArgs,
  httpRangeSource,
  locateMoov,
  probeIndex,
  type IndexProbeResult,
} from '../../media/probe/indexProbe.js';

/** Whether the video stream has a decoding delay (B-frames: ffprobe's has_b_frames), which moves ffmpeg's seeks. */
function hasVideoDelay(streamJson: string, index: number): boolean {
  const j = JSON.parse(streamJson) as { streams?: { index?: number; has_b_frames?: number }[] };
  return (j.streams?.find((x) => x.index === index)?.has_b_frames ?? 0) > 0;
}

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
}

async function ffprobe(bin: string, args: string[], timeoutMs: number, what: string) {
  try {
    return await runProcess(bin, args, { timeoutMs, captureStdout: true });
  } catch (err) {
    if (err instanceof ProcessError && err.timedOut)
      throw new TransientError('TIMEOUT', `ffprobe timed out reading the ${what}`, { cause: err });
    if (err instanceof ProcessError && FORMAT_REFUSED_RE.test(err.stderrTail)) {
      throw new InputError(
        'INPUT_UNSUPPORTED',
        'the container format is not one the pipeline reads video from (it reads MP4/MOV, Matroska/WebM, AVI, MPEG-TS/PS, FLV, MXF and the like; playlists, concat lists, image sequences and raw audio formats such as MP3, AAC, FLAC and WAV are refused)',
        { cause: err },
      );
    }
    // An MP4/MOV whose index (moov, written last unless faststart) is missing: a cut download
    // or an upload that stopped, not an unreadable format.
    if (err instanceof ProcessError && /moov atom not found/i.test(err.stderrTail)) {
      throw new InputError(
        'INPUT_TRUNCATED',
        'the file is truncated: its MP4 index (moov atom), which is written at the end, is missing',
        { cause: err },
      );
    }
    // The demuxer ran out of bytes while still reading the container's header (a moov cut
    // inside one of its boxes): bytes are missing.
    if (
      err instanceof ProcessError &&
      /error reading header/i.test(err.stderrTail) &&
      /End of file/i.test(err.stderrTail)
    ) {
      throw new InputError(
        'INPUT_TRUNCATED',
        `the file is truncated: it ends inside the container's header (${lastLines(err.stderrTail, 2)})`,
        { cause: err },
      );
    }
    if (err instanceof ProcessError) {
      throw new InputError(
        'INPUT_UNREADABLE',
        `not a readable media file: ${lastLines(err.stderrTail, 2) || err.message}`,
        { cause: err },
      );
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
  // The stream probe also shows the first packets: the check the index probe compares against.
  const streams = await ffprobe(rt.binaries.ffprobe, buildStreamProbeWithHeadArgs({ url }), timeoutMs, 'streams').catch(
    async (err: unknown) => {
      // A header cut short: when it is an MP4's moov, name the box that is cut (locateMoov's verdict).
      if (err instanceof InputError && err.code === 'INPUT_TRUNCATED')
        await locateMoov(httpRangeSource(url, head.size)).catch((e: unknown) => {
          if (e instanceof InputError) throw e;
        });
      throw err;
    },
  );
  const info = parseStreamProbe(streams.stdout);
  info.sizeBytes = head.size;
  checkMediaLimits(info, limits);
  // A header that lists frames whose data the decoder cannot get a picture format from: the
  // bytes are there (a cut file fails on its index instead) but undecodable, e.g. a first GOP
  // overwritten with zeros. ffprobe then lists no packet at all, which alone would read as
  // "no frames".
  if (info.video.pixFmt === 'unknown' && (info.video.headerFrames ?? 0) > 0) {
    throw new InputError(
      'INPUT_CORRUPT',
      `video stream ${info.video.index} (${info.video.codec}): the header lists ${info.video.headerFrames} frames and their data is present, but no picture can be decoded from the first ones (no picture format found)`,
    );
  }
  // PQ (HDR10) sources: mastering display and content light usually ride in the bitstream
  // (HEVC SEI), which only a decoded frame reports; one frame is decoded for them.
  if (info.video.colour && hdrTransfer(info.video.colour) === 'pq' && !info.video.colour.masteringDisplay) {
    const sd = await ffprobe(
      rt.binaries.ffprobe,
      buildFirstFrameSideDataArgs({
        url,
        videoStream: info.video.index,
        protocols: protocolWhitelist(url),
        formats: SOURCE_FORMATS,
      }),
      timeoutMs,
      'HDR metadata',
    );
    info.video.colour = {
      ...info.video.colour,
      ...pickHdrMetadata(parseSourceColour({}, parseFrameSideData(sd.stdout))),
    };
  }
  // MP4/MOV: the packet index from the moov's sample tables, by range requests (about the
  // moov's bytes). Anything else, or an index this code cannot reproduce exactly, falls back
  // to ffprobe reading every packet (twice the budget; both stay inside the Probe task's 300 s).
  const started = Date.now();
  const source = httpRangeSource(url, head.size);
  const indexed = await probeIndex(source, {
    formatName: info.formatName,
    streamIndex: info.video.index,
    streamJson: streams.stdout,
  }).catch((err: unknown): IndexProbeResult => {
    // A verdict on the file (its index lies, bytes are missing) stands; a failed read falls back.
    if (err instanceof InputError) throw err;
    return { ok: false, reason: `index read failed: ${(err as Error).message}` };
  });
  let packets: PacketIndex;
  let index: ProbeDocument['index'];
  let stderrTail = '';
  if (indexed.ok) {
    packets = indexed.packets;
    index = { from: 'moov', bytesRead: source.bytesRead, moovBytes: indexed.moov.size, ms: Date.now() - started };
  } else {
    const pk = await ffprobe(
      rt.binaries.ffprobe,
      buildPacketProbeArgs({ url }, info.video.index),
      timeoutMs * 2,
      'packets',
    );
    packets = parsePacketCsv(pk.stdout);
    stderrTail = pk.stderrTail;
    index = { from: 'packets', reason: indexed.reason, ms: Date.now() - started };
  }
  const check = checkPacketIndex(info, packets, stderrTail);
  if (check.note) log.warn('header frame count disagrees with the packets', { note: check.note });
  const span =
    packets.pts.reduce((a, b) => Math.max(a, b), -Infinity) - packets.pts.reduce((a, b) => Math.min(a, b), Infinity);
  checkTimeline((span * info.video.timeBase.num) / info.video.timeBase.den, packets.pts.length, limits);
  const videoDelay = hasVideoDelay(streams.stdout, info.video.index);
  const doc: ProbeDocument = { info, packets, index, videoDelay };
  await putJson(rt.s3, { bucket: rt.config.WORK_BUCKET, key: keys.probe(job.jobId) }, doc);

  const tick = info.video.timeBase.num / info.video.timeBase.den;
  const kpts = packets.keyframes.map((k) => packets.pts[k]).sort((a, b) => a - b);
  const maxPts = packets.pts.reduce((a, b) => Math.max(a, b), -Infinity);
  let maxGap = 0;
  for (let i = 0; i < kpts.length; i++)
    maxGap = Math.max(maxGap, ((i + 1 < kpts.length ? kpts[i + 1] : maxPts) - kpts[i]) * tick);
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
  };
  log.info('probed', { summary, index, probeMs: streams.durationMs + index.ms });
  return summary;
}
