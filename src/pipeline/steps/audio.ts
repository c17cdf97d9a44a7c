import path from 'node:path';
import type { Runtime } from '../../runtime.js';
import type { Logger } from '../../log.js';
import { presignGet, uploadFile } from '../../aws/s3.js';
import { runProcess, classifyEncodeFailure } from '../../media/runner.js';
import { buildAudioArgs } from '../../media/args.js';
import { keys } from '../job.js';
import { readManifest } from '../manifest.js';
import { withWorkDir } from '../workdir.js';

/** Encodes the audio once, for the whole range (never per segment: no gaps at joins). */
export async function encodeAudioStep(rt: Runtime, job: { jobId: string }, log: Logger): Promise<{ audio: boolean }> {
  const m = await readManifest(rt, job.jobId);
  if (!m.audio) {
    log.info('no audio stream');
    return { audio: false };
  }
  const tick = m.plan.timeBase.num / m.plan.timeBase.den;
  const url = await presignGet(rt.s3, m.source);
  return withWorkDir(rt.config.WORK_DIR, `${job.jobId}-audio`, async (dir) => {
    const out = path.join(dir, 'audio.m4a');
    const args = buildAudioArgs({ input: url, audioStream: m.audio!.index, startSec: m.plan.startPts * tick, endSec: m.plan.endPts * tick, preset: m.preset, output: out });
    const run = await runProcess(rt.binaries.ffmpeg, args, { timeoutMs: rt.config.FFMPEG_TIMEOUT_SECONDS * 1000 }).catch((e) => classifyEncodeFailure(e, 'audio'));
    const size = await uploadFile(rt.s3, { bucket: rt.config.WORK_BUCKET, key: keys.audio(job.jobId) }, out, 'audio/mp4');
    log.info('audio encoded', { bytes: size, audioMs: run.durationMs });
    return { audio: true };
  });
}
