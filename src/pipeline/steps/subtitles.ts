import path from 'node:path';
import { readFile, writeFile } from 'node:fs/promises';
import type { Runtime } from '../../runtime.js';
import type { Logger } from '../../log.js';
import { presignGet, putBytes, putJson } from '../../aws/s3.js';
import { runProcess, classifyEncodeFailure } from '../../media/ffmpeg/runner.js';
import { buildMovTextArgs, buildSubtitleVttArgs, shiftVtt, vttCues, type TextOutput } from '../../media/plan/tracks.js';
import { placeFragment, splitInit } from '../../media/package/isobmff.js';
import { readInit } from '../../media/package/init.js';
import { packageLayout } from '../../media/package/manifests.js';
import { mapLimit } from '../../util/mapLimit.js';
import { keys } from '../job.js';
import { readJobDocument } from '../jobDocument.js';
import { withWorkDir } from '../workdir.js';
import { placeOf } from '../placement.js';

/** One subtitle track as the package step finds it. */
export interface SubtitleResult extends TextOutput {
  /** Cues on screen within the job's range. */
  cues: number;
  /** The WebVTT sidecar under the output prefix. */
  sidecar: string;
  /**
   * The track as mov_text for the MP4s (absent without cues): work keys of its init and its one
   * fragment, the fragment's decode time (track ticks) and size.
   */
  movText?: { init: string; fragment: string; baseDecodeTime: number; bytes: number };
}

/**
 * Every text subtitle track as a WebVTT sidecar on the job's timeline (cues of the job's range,
 * time zero = the first video frame), and as a mov_text track for the MP4 downloads. Runs beside
 * the segments (with the thumbnails), off the critical path; an MP4 source's subtitle samples are
 * read by themselves (ffmpeg's MP4 reader seeks to each), other containers are read through.
 */
export async function subtitlesStep(rt: Runtime, job: { jobId: string }, log: Logger): Promise<{ tracks: number }> {
  const m = await readJobDocument(rt, job.jobId);
  const bucket = rt.config.WORK_BUCKET;
  const texts = m.textOutputs ?? [];
  if (!texts.length) {
    await putJson(rt.s3, { bucket, key: keys.subtitles(job.jobId) }, []);
    return { tracks: 0 };
  }
  const started = Date.now();
  const tick = m.plan.timeBase.num / m.plan.timeBase.den;
  const startSec = m.plan.startPts * tick;
  const endSec = startSec + m.plan.durationSec;
  const url = await presignGet(rt.s3, m.source);
  const timeoutMs = rt.config.FFMPEG_TIMEOUT_SECONDS * 1000;
  const ffmpeg = rt.binaries.ffmpeg;
  const results = await withWorkDir(rt.config.WORK_DIR, `${job.jobId}-subs`, (dir) =>
    mapLimit(texts, 2, async (t): Promise<SubtitleResult> => {
      const raw = path.join(dir, `${t.id}.source.vtt`);
      await runProcess(ffmpeg, buildSubtitleVttArgs({ input: url, track: t, output: raw }), { timeoutMs }).catch((e) =>
        classifyEncodeFailure(e, `subtitles ${t.id}`),
      );
      const vtt = shiftVtt(await readFile(raw, 'utf8'), startSec, endSec);
      const sidecar = packageLayout.subtitles(t.id);
      // In place: published with the streaming outputs (src/pipeline/placement.ts).
      await putBytes(rt.s3, placeOf(rt.config, m, sidecar), vtt, 'text/vtt');
      const cues = vttCues(vtt);
      const out: SubtitleResult = { ...t, cues: cues.count, sidecar };
      if (cues.count && m.outputs.includes('mp4')) {
        const shifted = path.join(dir, `${t.id}.vtt`);
        const mp4 = path.join(dir, `${t.id}.mp4`);
        await writeFile(shifted, vtt);
        await runProcess(
          ffmpeg,
          buildMovTextArgs({ input: shifted, language: t.language, title: t.title, output: mp4 }),
          { timeoutMs },
        ).catch((e) => classifyEncodeFailure(e, `subtitles ${t.id} (mov_text)`));
        const { init, media } = splitInit(await readFile(mp4));
        // ffmpeg's fragment starts at 0 whatever the first cue's time: place it at that cue.
        const timescale = readInit(init)[0].timescale;
        const baseDecodeTime = Math.round(cues.firstStartSec! * timescale);
        const fragment = placeFragment(media, { baseDecodeTime, sequence: 1 });
        out.movText = {
          init: keys.movText(job.jobId, t.id, 'init.mp4'),
          fragment: keys.movText(job.jobId, t.id, 'seg.m4s'),
          baseDecodeTime,
          bytes: fragment.length,
        };
        await putBytes(rt.s3, { bucket, key: out.movText.init }, init, 'video/mp4');
        await putBytes(rt.s3, { bucket, key: out.movText.fragment }, fragment, 'video/iso.segment');
      }
      return out;
    }),
  );
  await putJson(rt.s3, { bucket, key: keys.subtitles(job.jobId) }, results);
  log.info('subtitles done', {
    tracks: results.map((r) => ({ id: r.id, language: r.language, cues: r.cues })),
    subtitlesMs: Date.now() - started,
  });
  return { tracks: results.length };
}
