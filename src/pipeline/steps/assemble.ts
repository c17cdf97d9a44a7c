import type { Runtime } from '../../runtime.js';
import type { Logger } from '../../log.js';
import { getBytes, getJson, listKeys, putBytes, putJson, uploadParts } from '../../aws/s3.js';
import { audioTrackModel, progressiveStream, videoTrackModel, type StreamedTrack } from '../../media/package.js';
import { readFragments, splitInit, trexDefaults } from '../../media/isobmff.js';
import type { SubtitleResult } from './subtitles.js';
import { averageBitrate, dashManifest, hlsPlaylists, packageLayout, peakBitrate, type PackageModel } from '../../media/manifests.js';
import { EncoderError } from '../../errors.js';
import { mapLimit } from '../../util/mapLimit.js';
import { keys } from '../job.js';
import { readManifest, type Manifest, type RenditionResult, type SegmentResult } from '../manifest.js';

const staged = (m: Manifest, rel: string) => ({ key: keys.staged(m.jobId, rel) });

/** Reads every segment's result (the facts of its pieces), in segment order; all must be there. */
async function segmentResults(rt: Runtime, m: Manifest): Promise<SegmentResult[]> {
  const found = await listKeys(rt.s3, rt.config.WORK_BUCKET, keys.segmentResultsPrefix(m.jobId));
  const results = await mapLimit(found, 32, (k) => getJson<SegmentResult>(rt.s3, { bucket: rt.config.WORK_BUCKET, key: k.key }));
  results.sort((a, b) => a.index - b.index);
  if (results.length !== m.plan.segments.length || results.some((r, i) => r.index !== i)) {
    throw new EncoderError('SEGMENT_MISMATCH', `${results.length} segment results for ${m.plan.segments.length} planned segments`);
  }
  return results;
}

/**
 * The package of a job from its pieces: HLS and DASH manifests written from the pieces' facts
 * (no fragment read), and each progressive MP4 rendition joined from the same fragments behind
 * one composed init (bytes joined, moof headers rewritten; no packet remux), renditions in
 * parallel, each streamed from the work bucket into a multipart upload (memory bounded by the
 * prefetch window, not by the rendition's size). Everything is staged under the job's out/ prefix; Publish copies what the job asked for.
 */
export async function assembleStep(rt: Runtime, job: { jobId: string }, log: Logger): Promise<{ renditions: RenditionResult[] }> {
  const started = Date.now();
  const m = await readManifest(rt, job.jobId);
  const bucket = rt.config.WORK_BUCKET;
  const results = await segmentResults(rt, m);
  const initOf = (id: string) => getBytes(rt.s3, { bucket, ...staged(m, packageLayout.init(id)) });
  const model: PackageModel = { video: [], audio: [] };
  const videoInits = await Promise.all(m.renditions.map((r) => initOf(r.name)));
  m.renditions.forEach((r, i) => model.video.push(videoTrackModel(r.name, videoInits[i], results.map((s) => s.pieces[r.name][0]))));
  // Every audio track, the default (`audio`) first; each has one piece per chunk.
  const audio = await Promise.all(
    (m.audioOutputs ?? []).map(async (a) => {
      const facts = results.flatMap((r) => r.pieces[a.id] ?? []).sort((x, y) => x.chunk! - y.chunk!);
      if (facts.length !== m.audioChunks.length) throw new EncoderError('SEGMENT_MISMATCH', `${a.id}: ${facts.length} audio pieces for ${m.audioChunks.length} planned chunks`);
      return { output: a, facts, init: await initOf(a.id) };
    }),
  );
  for (const a of audio) model.audio.push(audioTrackModel(a.output.id, a.init, a.facts, { language: a.output.language, name: a.output.title ?? a.output.language ?? 'Audio' }));
  const subtitles = await getJson<SubtitleResult[]>(rt.s3, { bucket, key: keys.subtitles(m.jobId) });
  model.text = subtitles.map((t) => ({ id: t.id, language: t.language, name: t.title ?? t.language, default: t.default, forced: t.forced }));

  const want = new Set(m.outputs);
  const writes: Promise<unknown>[] = [];
  if (want.has('hls')) for (const [rel, text] of Object.entries(hlsPlaylists(model))) writes.push(putBytes(rt.s3, { bucket, ...staged(m, rel) }, text, 'application/vnd.apple.mpegurl'));
  if (want.has('dash')) writes.push(putBytes(rt.s3, { bucket, ...staged(m, packageLayout.dash) }, dashManifest(model), 'application/dash+xml'));
  await Promise.all(writes);
  const manifestsMs = Date.now() - started;

  // Subtitles in the MP4s: each text track with cues as mov_text (one init + one small fragment, held).
  const textTracks: StreamedTrack[] = want.has('mp4')
    ? await Promise.all(
        subtitles
          .filter((t) => t.movText)
          .map(async (t) => {
            const { init, media } = splitInit(await getBytes(rt.s3, { bucket, key: t.movText! }));
            return { init, bases: [readFragments(media, trexDefaults(init))[0].baseDecodeTime], fetch: async () => media };
          }),
      )
    : [];
  const fragment = (id: string) => (k: number) => getBytes(rt.s3, { bucket, ...staged(m, packageLayout.segment(id, k)) });
  // Audio fragments' decode times are their facts' starts (audio has no composition offsets).
  const audioTracks: StreamedTrack[] = audio.map((a) => ({ init: a.init, bases: a.facts.map((f) => f.start), fetch: fragment(a.output.id) }));
  const frames = m.plan.frameCount;
  const durationMs = Math.round(m.plan.durationSec * 1000);
  const renditions = await mapLimit(m.renditions, m.renditions.length, async (r, i): Promise<RenditionResult> => {
    const track = model.video[i];
    const base = { name: r.name, width: track.width, height: track.height, durationMs, frames, codec: track.codec, peakBitrate: peakBitrate(track, m.preset.gopSeconds), averageBitrate: averageBitrate(track) };
    if (!want.has('mp4')) return base;
    const t0 = Date.now();
    const file = packageLayout.progressive(r.name);
    // Streamed: fragments fetched a few at a time, headers rewritten, bytes uploaded as parts.
    const facts = results.map((x) => x.pieces[r.name][0]);
    const parts = progressiveStream({ videoInit: videoInits[i], video: facts, fetchVideo: fragment(r.name), tracks: [...audioTracks, ...textTracks], prefetch: 16 });
    const sizeBytes = await uploadParts(rt.s3, { bucket, ...staged(m, file) }, parts, 'video/mp4');
    log.info('rendition assembled', { rendition: r.name, fragments: facts.length + audioTracks.reduce((n, t) => n + t.bases.length, 0) + textTracks.length, sizeBytes, assembleMs: Date.now() - t0 });
    return { ...base, file, sizeBytes };
  });
  await putJson(rt.s3, { bucket, key: keys.renditions(m.jobId) }, renditions);
  log.info('package assembled', { outputs: m.outputs, renditions: renditions.length, segments: results.length, audioTracks: audio.length, subtitleTracks: subtitles.length, audioChunks: m.audioChunks.length, manifestsMs, totalMs: Date.now() - started });
  return { renditions };
}
