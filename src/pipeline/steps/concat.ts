import path from 'node:path';
import { writeFile } from 'node:fs/promises';
import type { Runtime } from '../../runtime.js';
import type { Logger } from '../../log.js';
import { downloadFile, putJson, uploadFile } from '../../aws/s3.js';
import { encoderInfo, resolveBinaries, type EncoderInfo } from '../../media/binaries.js';
import { runProcess, classifyEncodeFailure } from '../../media/runner.js';
import { buildConcatArgs, buildConcatList, pieceDurations } from '../../media/args.js';
import { countVideoPackets, describeOutput } from '../../media/inspect.js';
import { EncoderError } from '../../errors.js';
import { mapLimit } from '../../util/mapLimit.js';
import { keys } from '../job.js';
import { readManifest, type RenditionResult } from '../manifest.js';
import { ensureSpace, withWorkDir } from '../workdir.js';
import { listKeys } from '../../aws/s3.js';

/**
 * Joins each rendition's pieces by stream copy, muxes the audio in, checks the frame count
 * and stages the MP4 under the job's work prefix (published only when everything succeeded).
 */
export async function concatStep(rt: Runtime, job: { jobId: string }, log: Logger): Promise<{ renditions: RenditionResult[]; encoder: EncoderInfo }> {
  const m = await readManifest(rt, job.jobId);
  const bucket = rt.config.WORK_BUCKET;
  const segs = m.plan.segments;
  const tick = m.plan.timeBase.num / m.plan.timeBase.den;
  const durations = pieceDurations(segs.map((s) => s.startPts), tick);
  return withWorkDir(rt.config.WORK_DIR, `${job.jobId}-concat`, async (dir) => {
    let audio: string | undefined;
    if (m.audio) {
      audio = path.join(dir, 'audio.m4a');
      await downloadFile(rt.s3, { bucket, key: keys.audio(job.jobId) }, audio);
    }
    const pieceBytes = (await listKeys(rt.s3, bucket, `${keys.prefix(job.jobId)}pieces/`)).reduce((a, k) => a + k.size, 0);
    // Pieces and the joined file of the largest rendition are on disk at once.
    await ensureSpace(dir, pieceBytes * 2, 'the concat');
    const results: RenditionResult[] = [];
    for (const r of m.renditions) {
      const started = Date.now();
      const pieces = segs.map((s) => path.join(dir, `${r.name}_${String(s.index).padStart(5, '0')}.nut`));
      await mapLimit(segs, 16, (s, i) => downloadFile(rt.s3, { bucket, key: keys.piece(job.jobId, r.name, s.index) }, pieces[i]));
      const list = path.join(dir, `${r.name}.ffconcat`);
      await writeFile(list, buildConcatList(pieces.map((file, i) => ({ file, durationSec: durations[i] }))));
      const out = path.join(dir, `${r.name}.mp4`);
      await runProcess(resolveBinaries().ffmpeg, buildConcatArgs({ list, audio, output: out }), { timeoutMs: rt.config.FFMPEG_TIMEOUT_SECONDS * 1000 }).catch((e) =>
        classifyEncodeFailure(e, `concat ${r.name}`),
      );
      const frames = await countVideoPackets(out);
      if (frames !== m.plan.frameCount) {
        // Old muxers (the 2018 static build) can size the MP4 edit list short of the last
        // frames when timestamps are off the 1/fps grid; refuse rather than hide frames.
        throw new EncoderError('SEGMENT_MISMATCH', `${r.name}: ${frames} frames would be shown after concat, ${m.plan.frameCount} planned`);
      }
      const d = await describeOutput(out);
      const file = `${r.name}.mp4`;
      const sizeBytes = await uploadFile(rt.s3, { bucket, key: keys.staged(job.jobId, file) }, out, 'video/mp4');
      results.push({ name: r.name, file, width: d.width, height: d.height, durationMs: Math.round(d.durationSec * 1000), frames, sizeBytes, videoBitrate: d.bitRate });
      log.info('rendition joined', { rendition: r.name, pieces: pieces.length, sizeBytes, concatMs: Date.now() - started });
    }
    await putJson(rt.s3, { bucket, key: `${keys.prefix(job.jobId)}renditions.json` }, results);
    // The job's COMPLETE event names the ffmpeg that produced its outputs.
    return { renditions: results, encoder: await encoderInfo() };
  });
}
