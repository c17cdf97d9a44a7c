import type { Runtime } from '../../runtime.js';
import type { Logger } from '../../log.js';
import { getJson, putJson } from '../../aws/s3.js';
import { planSegments } from '../../media/plan/plan.js';
import { getPreset, rungVideo, selectRenditions } from '../../media/plan/presets.js';
import { templateToPreset } from '../../templates/convert.js';
import { InputError } from '../../errors.js';
import { planColour } from '../../media/encode/colour.js';
import { checkCapabilities } from '../../media/plan/encoders.js';
import { estimateSegmentEncodeSec } from '../../media/plan/cost.js';
import { keys, type JobInput } from '../job.js';
import { chooseReadMode, rangeFrameSelect, rangeSeekSeconds } from '../../media/input/rangeInput.js';
import { planAudioChunks } from '../../media/encode/cmaf.js';
import { planAudioOutputs, planTextOutputs } from '../../media/plan/tracks.js';
import { planStills } from '../../media/stills/stills.js';
import type { JobDocument, ProbeDocument } from '../jobDocument.js';
import type { IndexedPackets } from '../../media/probe/mp4index.js';
import { planSegmentInput } from './segmentInputPlan.js';

/** What the state keeps of the plan: counts and the Map's indices. */
export interface PlanSummary {
  segmentCount: number;
  indices: number[];
  renditions: string[];
  frameCount: number;
  durationSec: number;
  hasAudio: boolean;
  /** Video codec of the outputs (h264, hevc, av1). */
  outputCodec: string;
  /** `range`: segments read the source through its index; `split`: the Split task runs first. */
  readMode: 'range' | 'split';
  /**
   * Estimated encode seconds of the longest segment into every rendition on one worker
   * (cost.ts): the encoder decider weighs the encoder's cost with it.
   */
  segmentEncodeSec: number;
}

/** Cuts the source into segments at clean keyframes and writes the manifest. */
export async function planStep(rt: Runtime, job: JobInput, log: Logger): Promise<PlanSummary> {
  // The job's own template when it carries one (resolved at submission), else a shipped preset.
  const preset = job.settings.template ? templateToPreset(job.settings.template) : getPreset(job.settings.preset);
  const thumbnailIntervalSec = preset.thumbnailIntervalSeconds ?? rt.config.THUMBNAIL_INTERVAL_SECONDS;
  const probe = await getJson<ProbeDocument>(rt.s3, { bucket: rt.config.WORK_BUCKET, key: keys.probe(job.jobId) });
  const { info, packets } = probe;
  if (job.settings.clip && info.durationSec > 0 && job.settings.clip.start >= info.durationSec) {
    throw new InputError(
      'INVALID_CLIP',
      `clip start ${job.settings.clip.start}s is beyond the end of the source (${info.durationSec}s)`,
    );
  }
  // Fail here, before anything is encoded, when this ffmpeg cannot serve the preset.
  const colour = planColour(preset.video, info.video.colour);
  const ffmpeg = rt.binaries;
  checkCapabilities(
    preset,
    await rt.ffmpegCapabilities(),
    colour,
    `the ${ffmpeg.source.ffmpeg} ffmpeg (${ffmpeg.ffmpeg})`,
  );
  // Every output is made from CMAF pieces: an ffmpeg that cannot write them right is refused
  // now, before anything is encoded.
  const cmaf = await rt.cmafSupport();
  if (!cmaf.ok)
    throw new InputError(
      'ENCODER_UNAVAILABLE',
      `the ${ffmpeg.source.ffmpeg} ffmpeg (${ffmpeg.ffmpeg}) cannot write CMAF fragments with source timing; use ffmpeg 5.1 or newer (Debian's, or the production layer): ${cmaf.reason.replace(/^[A-Z_]+: /, '')}`,
    );
  const plan = planSegments(packets, info.video.timeBase, {
    segmentSeconds: job.settings.segmentSeconds,
    clip: job.settings.clip,
  });
  // Range reads where the container's index was read exactly; the split pass otherwise.
  const read = chooseReadMode({
    formatName: info.formatName,
    index: probe.index.from === 'moov' ? { ok: true } : { ok: false, reason: probe.index.reason },
    timeBase: plan.timeBase,
  });
  plan.read = read;
  const assignChunks = (pl: typeof plan) => {
    const tb = pl.timeBase.num / pl.timeBase.den;
    const starts = pl.segments.map((x) => (x.startPts - pl.startPts) * tb);
    return planAudioChunks(starts, pl.durationSec, preset.audio.sampleRate).map((c) => {
      // The worker of the segment that starts nearest the chunk encodes it.
      const at = c.from / preset.audio.sampleRate;
      let segment = 0;
      for (let i = 0; i < starts.length; i++)
        if (Math.abs(starts[i] - at) < Math.abs(starts[segment] - at)) segment = i;
      return { ...c, segment };
    });
  };
  const swap = info.video.rotation === 90 || info.video.rotation === 270;
  const renditions = selectRenditions(
    preset,
    swap ? info.video.height : info.video.width,
    swap ? info.video.width : info.video.height,
  );
  const manifest: JobDocument = {
    jobId: job.jobId,
    source: job.source,
    sourceBytes: info.sizeBytes,
    preset,
    renditions,
    plan,
    video: info.video,
    audio: info.audio,
    thumbnailIntervalSec,
    stills: planStills(packets, plan, thumbnailIntervalSec),
    colour,
    outputs: job.settings.outputs ?? preset.outputs,
    ...(read.mode === 'range'
      ? {
          segmentReads: plan.segments.map((seg) => ({
            seek: rangeSeekSeconds(packets, seg.startPacket, plan.timeBase, probe.videoDelay),
            select: rangeFrameSelect(packets, seg).filter,
          })),
        }
      : {}),
    audioChunks: info.audio ? assignChunks(plan) : [],
    // Every audio track (the probe's first audio stream first); a probe without a track list
    // (never from this probe, kept for hand-made inputs) still gets its one audio stream.
    audioOutputs: info.audio
      ? planAudioOutputs(
          info.tracks?.audio.length ? info.tracks.audio : [{ ...info.audio, language: 'und', default: true }],
          preset.audio,
        )
      : [],
    textOutputs: planTextOutputs(info.tracks?.subtitles ?? []),
    tracks: info.tracks,
    ffmpegVersion: (await rt.ffmpegCapabilities()).version,
  };
  // Range reads: each segment reads only its own bytes into a small container (segmentInput.ts).
  if (manifest.segmentReads) {
    const own = await planSegmentInput(rt, {
      jobId: job.jobId,
      source: job.source,
      sizeBytes: info.sizeBytes,
      videoStream: info.video.index,
      packets: packets as IndexedPackets,
      plan,
      audioChunks: manifest.audioChunks,
      audioOutputs: manifest.audioOutputs,
      sampleRate: preset.audio.sampleRate,
    });
    if (own.ok) {
      manifest.segmentInput = { init: own.init, records: own.records };
      own.refs.forEach((r, i) => (manifest.segmentReads![i].input = r));
    } else manifest.segmentInput = { reason: own.reason };
    log.info('segment input', own.ok ? { records: own.records, bytes: own.bytes } : { reason: own.reason });
  }
  await putJson(rt.s3, { bucket: rt.config.WORK_BUCKET, key: keys.jobDocument(job.jobId) }, manifest);
  log.info('planned', {
    segments: plan.segments.length,
    frames: plan.frameCount,
    durationSec: plan.durationSec,
    renditions: renditions.map((r) => r.name),
    uncleanKeyframes: plan.uncleanKeyframes,
    colour: colour.mode,
    read,
    outputs: manifest.outputs,
  });
  return {
    segmentCount: plan.segments.length,
    indices: plan.segments.map((s) => s.index),
    renditions: renditions.map((r) => r.name),
    frameCount: plan.frameCount,
    durationSec: Number(plan.durationSec.toFixed(6)),
    hasAudio: info.audio !== null,
    // Every rendition's codec, once each (a ladder may mix them: presets.ts rungVideo).
    outputCodec: [...new Set(renditions.map((r) => rungVideo(preset, r).codec))].join(','),
    readMode: read.mode,
    segmentEncodeSec: estimateSegmentEncodeSec(plan, renditions, preset),
  };
}
