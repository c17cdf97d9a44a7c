import path from 'node:path';
import { readdir, writeFile } from 'node:fs/promises';
import type { Runtime } from '../../runtime.js';
import type { Logger } from '../../log.js';
import { presignGet, uploadFile } from '../../aws/s3.js';
import { runProcess, classifyEncodeFailure } from '../../media/runner.js';
import { buildPosterArgs, buildThumbnailArgs } from '../../media/args.js';
import { posterFramePts, posterSeekSec } from '../../media/poster.js';
import { EncoderError } from '../../errors.js';
import { stillColourFilters } from '../../media/colour.js';
import { existsSync } from 'node:fs';
import { buildSpriteVtt, composeSprite, makePoster, makeTile } from '../../media/sprite.js';
import { keys } from '../job.js';
import { readManifest } from '../manifest.js';
import { withWorkDir } from '../workdir.js';

const LAYOUT = { tileWidth: 160, tileHeight: 90, columns: 10 };

/** Poster image, sprite sheet and its WebVTT index, staged for publishing. */
export async function thumbnailsStep(rt: Runtime, job: { jobId: string }, log: Logger): Promise<{ tiles: number }> {
  const m = await readManifest(rt, job.jobId);
  const tick = m.plan.timeBase.num / m.plan.timeBase.den;
  const startSec = m.plan.startPts * tick;
  const interval = m.thumbnailIntervalSec;
  const url = await presignGet(rt.s3, m.source);
  const timeoutMs = rt.config.FFMPEG_TIMEOUT_SECONDS * 1000;
  const ffmpeg = rt.binaries.ffmpeg;
  return withWorkDir(rt.config.WORK_DIR, `${job.jobId}-thumbs`, async (dir) => {
    const started = Date.now();
    // An HDR source's stills are tone-mapped to SDR BT.709, whatever the preset keeps for the
    // video, ending in 8-bit YUV as the renditions do (swscale's float RGB to rgb24 path comes
    // out brighter than the same frame of a tone-mapped rendition: 28 dB apart, 45 dB via YUV).
    const colour = stillColourFilters(m.video.colour, 'yuv420p');
    await runProcess(ffmpeg, buildThumbnailArgs({ input: url, videoStream: m.video.index, intervalSec: interval, width: LAYOUT.tileWidth, height: LAYOUT.tileHeight, pattern: path.join(dir, 'tile_%05d.jpg'), colour }), {
      timeoutMs,
    }).catch((e) => classifyEncodeFailure(e, 'thumbnails'));
    const frame = path.join(dir, 'poster.png');
    await runProcess(ffmpeg, buildPosterArgs({ input: url, videoStream: m.video.index, atSec: posterSeekSec(posterFramePts(m.plan), m.plan.timeBase), output: frame, colour }), { timeoutMs }).catch((e) =>
      classifyEncodeFailure(e, 'poster'),
    );
    // ffmpeg exits 0 when a seek finds no frame: say so instead of failing later as INTERNAL.
    if (!existsSync(frame)) throw new EncoderError('ENCODER_FAILED', 'poster: no frame decoded at the poster time');
    // A clip's sprite covers the clip only; a video shorter than one interval gets one tile.
    const all = (await readdir(dir)).filter((f) => f.startsWith('tile_')).sort();
    const first = Math.floor(startSec / interval);
    const count = Math.max(1, Math.ceil(m.plan.durationSec / interval));
    const tiles = all.slice(first, first + count).map((f) => path.join(dir, f));
    if (tiles.length === 0) {
      const only = path.join(dir, 'tile_only.jpg');
      await makeTile(frame, only, LAYOUT);
      tiles.push(only);
    }
    const sprite = path.join(dir, 'sprite.jpg');
    await composeSprite(tiles, LAYOUT, sprite);
    await writeFile(path.join(dir, 'thumbnails.vtt'), buildSpriteVtt(tiles.length, interval, m.plan.durationSec, LAYOUT, 'sprite.jpg'));
    await makePoster(frame, path.join(dir, 'poster.jpg'));
    const bucket = rt.config.WORK_BUCKET;
    await uploadFile(rt.s3, { bucket, key: keys.staged(job.jobId, 'poster.jpg') }, path.join(dir, 'poster.jpg'), 'image/jpeg');
    await uploadFile(rt.s3, { bucket, key: keys.staged(job.jobId, 'sprite.jpg') }, sprite, 'image/jpeg');
    await uploadFile(rt.s3, { bucket, key: keys.staged(job.jobId, 'thumbnails.vtt') }, path.join(dir, 'thumbnails.vtt'), 'text/vtt');
    log.info('thumbnails done', { tiles: tiles.length, thumbnailsMs: Date.now() - started });
    return { tiles: tiles.length };
  });
}
