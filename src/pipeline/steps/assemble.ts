import path from 'node:path';
import { readFile, writeFile } from 'node:fs/promises';
import type { Runtime } from '../../runtime.js';
import type { Logger } from '../../log.js';
import { getBytes, getJson, listKeys, putBytes, putJson } from '../../aws/s3.js';
import { randomUUID } from 'node:crypto';
import { completeMultipart, createMultipart, uploadPart, type OpenUpload, type UploadedPart } from '../../aws/multipart.js';
import { audioTrackModel, partRanges, placedParts, progressiveLayout, videoTrackModel, type LaidTrack, type PieceFacts, type Placement } from '../../media/package.js';
import { concatBytes } from '../../media/isobmff.js';
import type { SubtitleResult } from './subtitles.js';
import { averageBitrate, dashManifest, hlsPlaylists, packageLayout, peakBitrate, type PackageModel } from '../../media/manifests.js';
import { EncoderError } from '../../errors.js';
import { checkSegmentFallbacks } from './fallback.js';
import { mapLimit } from '../../util/mapLimit.js';
import { buildSpriteVtt, composeSprite, makePoster } from '../../media/sprite.js';
import { STILL_TILE, tileCount } from '../../media/stills.js';
import { withWorkDir } from '../workdir.js';
import { placeOf } from '../placement.js';
import { keys } from '../job.js';
import { readManifest, type Manifest, type RenditionResult, type SegmentResult } from '../manifest.js';

/** Where a package file was written (output bucket when published, else work; src/pipeline/placement.ts). */
const place = (rt: Runtime, m: Manifest, rel: string) => placeOf(rt.config, m, rel);

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
 * (no fragment read), and each progressive MP4 download laid out from the same facts: one
 * composed init, the fragments' order and new moof headers (bytes joined, no packet remux), a
 * multipart upload started, and its parts (at least MP4_PART_BYTES each) returned for the
 * AssemblePart workers, which join them in parallel; AssembleComplete completes the uploads.
 * The pictures and the MP4s are written in place (output bucket); the manifests go to the work
 * bucket, for Publish to write last (the commit point).
 */
export async function assembleStep(rt: Runtime, job: { jobId: string }, log: Logger): Promise<{ renditions: string[]; parts: Mp4Part[] }> {
  const started = Date.now();
  // A segment the Map sent to ECS (its function timed out): the whole job goes there.
  await checkSegmentFallbacks(rt, job.jobId);
  const m = await readManifest(rt, job.jobId);
  const bucket = rt.config.WORK_BUCKET;
  const results = await segmentResults(rt, m);
  const initOf = (id: string) => getBytes(rt.s3, place(rt, m, packageLayout.init(id)));
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

  const pictures = composeStills(rt, m, log);
  const want = new Set(m.outputs);
  const writes: Promise<unknown>[] = [];
  // The manifests are not published here: Publish writes them last, once every piece is in place.
  const manifest = (rel: string) => ({ bucket, key: keys.packageManifest(m.jobId, rel) });
  if (want.has('hls')) for (const [rel, text] of Object.entries(hlsPlaylists(model))) writes.push(putBytes(rt.s3, manifest(rel), text, 'application/vnd.apple.mpegurl'));
  if (want.has('dash')) writes.push(putBytes(rt.s3, manifest(packageLayout.dash), dashManifest(model), 'application/dash+xml'));
  await Promise.all([...writes, pictures]);
  const manifestsMs = Date.now() - started;

  // The MP4 downloads: laid out here from the pieces' facts (composed init, fragment order, new
  // headers), one multipart upload each; the parts are joined by AssemblePart workers in
  // parallel and the uploads completed by AssembleComplete.
  const textTracks = want.has('mp4')
    ? await Promise.all(
        subtitles
          .filter((t) => t.movText)
          .map(async ({ movText: x }) => ({ init: await getBytes(rt.s3, { bucket, key: x!.init }), bases: [x!.baseDecodeTime], keys: [{ bucket, key: x!.fragment }], sizes: [x!.bytes] })),
      )
    : [];
  const audioTracks = audio.map((a) => ({ init: a.init, bases: a.facts.map((f) => f.start), keys: a.facts.map((_, k) => place(rt, m, packageLayout.segment(a.output.id, k))), sizes: a.facts.map((f) => f.bytes) }));
  const frames = m.plan.frameCount;
  const durationMs = Math.round(m.plan.durationSec * 1000);
  const parts: Mp4Part[] = [];
  const renditions = await mapLimit(m.renditions, m.renditions.length, async (r, i): Promise<RenditionResult> => {
    const track = model.video[i];
    const base = { name: r.name, width: track.width, height: track.height, durationMs, frames, codec: track.codec, peakBitrate: peakBitrate(track, m.preset.gopSeconds), averageBitrate: averageBitrate(track) };
    if (!want.has('mp4')) return base;
    const file = packageLayout.progressive(r.name);
    const facts = results.map((x) => x.pieces[r.name][0]);
    const doc = await prepareProgressive(rt, m, { rendition: r.name, file, videoInit: videoInits[i], facts, others: [...audioTracks, ...textTracks] });
    doc.parts.forEach((_, k) => parts.push({ rendition: r.name, part: k + 1 }));
    return { ...base, file };
  });
  await putJson(rt.s3, { bucket, key: keys.renditions(m.jobId) }, renditions);
  log.info('package laid out', { outputs: m.outputs, renditions: renditions.length, segments: results.length, audioTracks: audio.length, subtitleTracks: subtitles.length, audioChunks: m.audioChunks.length, mp4Parts: parts.length, manifestsMs, totalMs: Date.now() - started });
  return { renditions: renditions.map((r) => r.name), parts };
}

/** One part of one MP4 download: what an AssemblePart worker gets. */
export interface Mp4Part {
  rendition: string;
  /** 1-based part number (part 1 carries the init). */
  part: number;
}

/** Where one MP4 download's fragments go, written by Assemble for its part workers (work bucket). */
export interface ProgressiveDoc {
  rendition: string;
  /** Where the download is written (in place: output bucket) and its multipart upload. */
  bucket: string;
  key: string;
  uploadId: string;
  /** Work key of the composed init (moov first, every track). */
  initKey: string;
  /** The video's composition delay (its edit list; offsets made unsigned by it). */
  delay: number;
  /** Every fragment in file order: where it is and its new header. */
  fragments: (Placement & { bucket: string; key: string })[];
  /** Each part's [from, to) range of fragments. */
  parts: { from: number; to: number }[];
}

/** Lays out one MP4 download, stores its init and layout, starts its multipart upload. */
async function prepareProgressive(
  rt: Runtime,
  m: Manifest,
  p: { rendition: string; file: string; videoInit: Uint8Array; facts: PieceFacts[]; others: (LaidTrack & { keys: { bucket: string; key: string }[]; sizes: number[] })[] },
): Promise<ProgressiveDoc> {
  const bucket = rt.config.WORK_BUCKET;
  if (p.facts.some((f) => f.ctsDelay === undefined)) throw new EncoderError('SEGMENT_MISMATCH', `${p.rendition}: a video piece has no composition delay in its facts (written by an older worker)`);
  const delay = Math.max(0, ...p.facts.map((f) => f.ctsDelay!));
  const last = p.facts[p.facts.length - 1];
  const layout = progressiveLayout({ init: p.videoInit, bases: p.facts.map((f) => f.start), end: last.start + last.duration, delay }, p.others);
  const videoAt = (k: number) => place(rt, m, packageLayout.segment(p.rendition, k));
  const fragments = layout.order.map((x) => ({ ...x, ...(x.track === 0 ? videoAt(x.k) : p.others[x.track - 1].keys[x.k]) }));
  const sizes = layout.order.map((x) => (x.track === 0 ? p.facts[x.k].bytes : p.others[x.track - 1].sizes[x.k]));
  const initKey = keys.progressiveInit(m.jobId, p.rendition);
  await putBytes(rt.s3, { bucket, key: initKey }, layout.init, 'video/mp4');
  const target = place(rt, m, p.file);
  const uploadId = await createMultipart(rt.s3, target, 'video/mp4');
  // Recorded before anything else can fail: Cleanup aborts every upload a failed job started
  // (ListMultipartUploads is not served by every S3 implementation; s3rver answers NotImplemented).
  await putJson(rt.s3, { bucket, key: keys.multipartUpload(m.jobId, randomUUID()) }, { ...target, uploadId } satisfies OpenUpload);
  const doc: ProgressiveDoc = { rendition: p.rendition, ...target, uploadId, initKey, delay, fragments, parts: partRanges(sizes, layout.init.length, rt.config.MP4_PART_BYTES) };
  await putJson(rt.s3, { bucket, key: keys.progressiveDoc(m.jobId, p.rendition) }, doc);
  return doc;
}

/**
 * One part of one MP4 download: its fragments fetched (a few at a time), their headers rewritten
 * to the layout, joined (part 1 behind the init) and uploaded as that part. Idempotent: a retry
 * uploads the same bytes as the same part number.
 */
export async function assemblePartStep(rt: Runtime, task: { jobId: string; part: Mp4Part }, log: Logger): Promise<{ bytes: number }> {
  const started = Date.now();
  const bucket = rt.config.WORK_BUCKET;
  const doc = await getJson<ProgressiveDoc>(rt.s3, { bucket, key: keys.progressiveDoc(task.jobId, task.part.rendition) });
  const range = doc.parts[task.part.part - 1];
  if (!range) throw new EncoderError('SEGMENT_MISMATCH', `${task.part.rendition}: part ${task.part.part} of ${doc.parts.length}`);
  const items = doc.fragments.slice(range.from, range.to);
  const placed = await mapLimit(items, 8, async (x) => placedParts(await getBytes(rt.s3, { bucket: x.bucket, key: x.key }), x, doc.delay));
  const body = concatBytes([...(task.part.part === 1 ? [await getBytes(rt.s3, { bucket, key: doc.initKey })] : []), ...placed.flat()]);
  const etag = await uploadPart(rt.s3, { bucket: doc.bucket, key: doc.key }, doc.uploadId, task.part.part, body);
  // The receipt AssembleComplete completes the upload from (a retry overwrites it with the same part).
  const receipt: UploadedPart = { partNumber: task.part.part, etag, size: body.length };
  await putJson(rt.s3, { bucket, key: keys.progressivePart(task.jobId, task.part.rendition, task.part.part) }, receipt);
  log.info('mp4 part uploaded', { rendition: task.part.rendition, part: task.part.part, of: doc.parts.length, fragments: items.length, bytes: body.length, partMs: Date.now() - started });
  return { bytes: body.length };
}

/**
 * Completes every MP4 download's multipart upload (all its parts must be there) and records
 * the renditions with their sizes for Publish and the COMPLETE event.
 */
export async function assembleCompleteStep(rt: Runtime, job: { jobId: string }, log: Logger): Promise<{ renditions: string[] }> {
  const bucket = rt.config.WORK_BUCKET;
  const pending = await getJson<RenditionResult[]>(rt.s3, { bucket, key: keys.renditions(job.jobId) });
  const renditions = await mapLimit(pending, pending.length, async (r) => {
    if (!r.file) return r;
    const doc = await getJson<ProgressiveDoc>(rt.s3, { bucket, key: keys.progressiveDoc(job.jobId, r.name) });
    const receipts = await listKeys(rt.s3, bucket, keys.progressivePartsPrefix(job.jobId, r.name));
    const uploaded = await mapLimit(receipts, 32, (k) => getJson<UploadedPart>(rt.s3, { bucket, key: k.key }));
    const sizeBytes = await completeMultipart(rt.s3, { bucket: doc.bucket, key: doc.key }, doc.uploadId, uploaded, doc.parts.length);
    log.info('rendition assembled', { rendition: r.name, parts: doc.parts.length, fragments: doc.fragments.length, sizeBytes });
    return { ...r, sizeBytes };
  });
  await putJson(rt.s3, { bucket, key: keys.renditions(job.jobId) }, renditions);
  return { renditions: renditions.map((r) => r.name) };
}

/** Sprite tiles per row. */
const SPRITE_COLUMNS = 10;

/**
 * The sprite sheet, its WebVTT index and the poster, from the stills the segment workers wrote
 * (tile k of the sprite covers [k, k+1) intervals of the job's timeline), written in place.
 */
async function composeStills(rt: Runtime, m: Manifest, log: Logger): Promise<void> {
  const bucket = rt.config.WORK_BUCKET;
  const count = tileCount(m.plan.durationSec, m.thumbnailIntervalSec);
  await withWorkDir(rt.config.WORK_DIR, `${m.jobId}-stills`, async (dir) => {
    const tiles = await mapLimit(Array.from({ length: count }, (_, k) => k), 16, async (k) => {
      const f = path.join(dir, `tile-${k}.jpg`);
      await writeFile(f, await getBytes(rt.s3, { bucket, key: keys.stillTile(m.jobId, k) }));
      return f;
    });
    const layout = { tileWidth: STILL_TILE.width, tileHeight: STILL_TILE.height, columns: SPRITE_COLUMNS };
    const sprite = path.join(dir, 'sprite.jpg');
    await composeSprite(tiles, layout, sprite);
    const frame = path.join(dir, 'poster.png');
    await writeFile(frame, await getBytes(rt.s3, { bucket, key: keys.posterFrame(m.jobId) }));
    const poster = path.join(dir, 'poster.jpg');
    await makePoster(frame, poster);
    await Promise.all([
      putBytes(rt.s3, place(rt, m, packageLayout.sprite), await readFile(sprite), 'image/jpeg'),
      putBytes(rt.s3, place(rt, m, packageLayout.poster), await readFile(poster), 'image/jpeg'),
      putBytes(rt.s3, place(rt, m, packageLayout.thumbnails), buildSpriteVtt(count, m.thumbnailIntervalSec, m.plan.durationSec, layout, packageLayout.sprite), 'text/vtt'),
    ]);
  });
  log.info('stills composed', { tiles: count });
}
