import path from 'node:path';
import { readFile, writeFile } from 'node:fs/promises';
import type { Runtime } from '../../runtime.js';
import type { Logger } from '../../log.js';
import { getBytes, getJson, listKeys, putBytes, putJson } from '../../aws/s3.js';
import { audioTrackModel, videoTrackModel } from '../../media/package/package.js';
import type { SubtitleResult } from './subtitles.js';
import { averageBitrate, peakBitrate, type PackageModel } from '../../media/package/manifests.js';
import { EncoderError } from '../../errors.js';
import { checkSegmentFallbacks } from './fallback.js';
import { mapLimit } from '../../util/mapLimit.js';
import { once } from '../../util/once.js';
import { buildSpriteVtt, composeSprite, makePoster } from '../../media/stills/sprite.js';
import { STILL_TILE, tileCount } from '../../media/stills/stills.js';
import { withWorkDir } from '../workdir.js';
import { placeOf } from '../placement.js';
import { keys, packageLayout } from '../layout.js';
import { FORMATS } from '../../formats/registry.js';
import type { AssembleContext, TrackPieces } from '../../formats/format.js';
import { completeJoin, joinPart, prepareJoin, type JoinPart, type JoinRecord } from '../../formats/join.js';
import { readJobDocument, type JobDocument, type RenditionResult, type SegmentResult } from '../jobDocument.js';

/** Where a package file was written (output bucket when published, else work; src/pipeline/placement.ts). */
const place = (rt: Runtime, m: JobDocument, rel: string) => placeOf(rt.config, m, rel);

/** Reads every segment's result (the facts of its pieces), in segment order; all must be there. */
async function segmentResults(rt: Runtime, m: JobDocument): Promise<SegmentResult[]> {
  const found = await listKeys(rt.s3, rt.config.WORK_BUCKET, keys.segmentResultsPrefix(m.jobId));
  const results = await mapLimit(found, 32, (k) =>
    getJson<SegmentResult>(rt.s3, { bucket: rt.config.WORK_BUCKET, key: k.key }),
  );
  results.sort((a, b) => a.index - b.index);
  if (results.length !== m.plan.segments.length || results.some((r, i) => r.index !== i)) {
    throw new EncoderError(
      'SEGMENT_MISMATCH',
      `${results.length} segment results for ${m.plan.segments.length} planned segments`,
    );
  }
  return results;
}

/**
 * The package of a job from its pieces, by every format the job publishes (src/formats): each
 * builds from the pieces' facts (no fragment read) its entry points, which go to the work
 * bucket for Publish to write last (the commit point), and the files it joins from the pieces
 * (the progressive MP4s, ...), each laid out here with its multipart upload started; their
 * parts (at least MP4_PART_BYTES each) are returned for the AssemblePart workers, which join
 * them in parallel; AssembleComplete completes the uploads. The pictures are written in place.
 */
export async function assembleStep(
  rt: Runtime,
  job: { jobId: string },
  log: Logger,
): Promise<{ renditions: string[]; parts: JoinPart[] }> {
  const started = Date.now();
  // A segment the Map sent to ECS (its function timed out): the whole job goes there.
  await checkSegmentFallbacks(rt, job.jobId);
  const m = await readJobDocument(rt, job.jobId);
  const bucket = rt.config.WORK_BUCKET;
  const results = await segmentResults(rt, m);
  const initOf = (id: string) => getBytes(rt.s3, place(rt, m, packageLayout.init(id)));
  const at = (id: string) => (k: number) => place(rt, m, packageLayout.segment(id, k));
  const model: PackageModel = { video: [], audio: [] };
  const video: TrackPieces[] = await Promise.all(
    m.renditions.map(async (r) => ({
      id: r.name,
      init: await initOf(r.name),
      facts: results.map((s) => s.pieces[r.name][0]),
      at: at(r.name),
    })),
  );
  for (const v of video) model.video.push(videoTrackModel(v.id, v.init, v.facts));
  // Every audio track, the default (`audio`) first; each has one piece per chunk.
  const audio: TrackPieces[] = await Promise.all(
    (m.audioOutputs ?? []).map(async (a) => {
      const facts = results.flatMap((r) => r.pieces[a.id] ?? []).sort((x, y) => x.chunk! - y.chunk!);
      if (facts.length !== m.audioChunks.length)
        throw new EncoderError(
          'SEGMENT_MISMATCH',
          `${a.id}: ${facts.length} audio pieces for ${m.audioChunks.length} planned chunks`,
        );
      return { id: a.id, init: await initOf(a.id), facts, at: at(a.id) };
    }),
  );
  (m.audioOutputs ?? []).forEach((a, i) =>
    model.audio.push(
      audioTrackModel(a.id, audio[i].init, audio[i].facts, {
        language: a.language,
        name: a.title ?? a.language ?? 'Audio',
      }),
    ),
  );
  const subtitles = await getJson<SubtitleResult[]>(rt.s3, { bucket, key: keys.subtitles(m.jobId) });
  model.text = subtitles.map((t) => ({
    id: t.id,
    language: t.language,
    name: t.title ?? t.language,
    default: t.default,
    forced: t.forced,
  }));
  const movText = once(() =>
    Promise.all(
      subtitles
        .filter((t) => t.movText)
        .map(async ({ movText: x }) => ({
          init: await getBytes(rt.s3, { bucket, key: x!.init }),
          baseDecodeTime: x!.baseDecodeTime,
          fragment: { bucket, key: x!.fragment },
          bytes: x!.bytes,
        })),
    ),
  );
  const ctx: AssembleContext = { jobId: m.jobId, model, video, audio, movText, targetSegmentSec: m.preset.gopSeconds };

  const pictures = composeStills(rt, m, log);
  const builds = await Promise.all(FORMATS.filter((f) => m.outputs.includes(f.name)).map((f) => f.assemble(ctx)));
  // The manifests are not published here: Publish writes them last, once every piece is in place.
  await Promise.all([
    ...builds
      .flatMap((b) => b.manifests)
      .map((x) => putBytes(rt.s3, { bucket, key: keys.packageManifest(m.jobId, x.name) }, x.body, x.contentType)),
    pictures,
  ]);
  const manifestsMs = Date.now() - started;

  // The joined files: laid out from the pieces' facts, one multipart upload each; the parts are
  // joined by AssemblePart workers in parallel and the uploads completed by AssembleComplete.
  const plans = builds.flatMap((b) => b.joins);
  const parts = (await mapLimit(plans, 8, (p) => prepareJoin(rt, m.jobId, p, place(rt, m, p.file)))).flat();
  await putJson(
    rt.s3,
    { bucket, key: keys.joins(m.jobId) },
    plans.map(
      (p): JoinRecord => ({
        format: p.format,
        id: p.id,
        file: p.file,
        ...(p.rendition ? { rendition: p.rendition } : {}),
      }),
    ),
  );
  const frames = m.plan.frameCount;
  const durationMs = Math.round(m.plan.durationSec * 1000);
  const renditions = model.video.map(
    (track): RenditionResult => ({
      name: track.id,
      width: track.width,
      height: track.height,
      durationMs,
      frames,
      codec: track.codec,
      peakBitrate: peakBitrate(track, m.preset.gopSeconds),
      averageBitrate: averageBitrate(track),
    }),
  );
  await putJson(rt.s3, { bucket, key: keys.renditions(m.jobId) }, renditions);
  log.info('package laid out', {
    outputs: m.outputs,
    renditions: renditions.length,
    segments: results.length,
    audioTracks: audio.length,
    subtitleTracks: subtitles.length,
    audioChunks: m.audioChunks.length,
    joinedFiles: plans.length,
    parts: parts.length,
    manifestsMs,
    totalMs: Date.now() - started,
  });
  return { renditions: renditions.map((r) => r.name), parts };
}

/** One part of one joined file (an MP4 download, ...): what an AssemblePart worker does (src/formats/join.ts). */
export function assemblePartStep(
  rt: Runtime,
  task: { jobId: string; part: JoinPart },
  log: Logger,
): Promise<{ bytes: number }> {
  return joinPart(rt, task.jobId, task.part, log);
}

/** Completes every joined file's multipart upload (all its parts must be there) and records their sizes for Publish. */
export async function assembleCompleteStep(
  rt: Runtime,
  job: { jobId: string },
  log: Logger,
): Promise<{ renditions: string[] }> {
  const bucket = rt.config.WORK_BUCKET;
  const joins = await getJson<JoinRecord[]>(rt.s3, { bucket, key: keys.joins(job.jobId) });
  const done = await mapLimit(joins, 8, async (r) => ({ ...r, sizeBytes: await completeJoin(rt, job.jobId, r, log) }));
  await putJson(rt.s3, { bucket, key: keys.joins(job.jobId) }, done);
  const renditions = await getJson<RenditionResult[]>(rt.s3, { bucket, key: keys.renditions(job.jobId) });
  return { renditions: renditions.map((r) => r.name) };
}

/** Sprite tiles per row. */
const SPRITE_COLUMNS = 10;

/**
 * The sprite sheet, its WebVTT index and the poster, from the stills the segment workers wrote
 * (tile k of the sprite covers [k, k+1) intervals of the job's timeline), written in place.
 */
async function composeStills(rt: Runtime, m: JobDocument, log: Logger): Promise<void> {
  const bucket = rt.config.WORK_BUCKET;
  const count = tileCount(m.plan.durationSec, m.thumbnailIntervalSec);
  await withWorkDir(rt.config.WORK_DIR, `${m.jobId}-stills`, async (dir) => {
    const tiles = await mapLimit(
      Array.from({ length: count }, (_, k) => k),
      16,
      async (k) => {
        const f = path.join(dir, `tile-${k}.jpg`);
        await writeFile(f, await getBytes(rt.s3, { bucket, key: keys.stillTile(m.jobId, k) }));
        return f;
      },
    );
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
      putBytes(
        rt.s3,
        place(rt, m, packageLayout.thumbnails),
        buildSpriteVtt(count, m.thumbnailIntervalSec, m.plan.durationSec, layout, packageLayout.sprite),
        'text/vtt',
      ),
    ]);
  });
  log.info('stills composed', { tiles: count });
}
