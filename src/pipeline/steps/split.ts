import { readdir } from 'node:fs/promises';
import path from 'node:path';
import type { Runtime } from '../../runtime.js';
import type { Logger } from '../../log.js';
import { presignGet, uploadFile } from '../../aws/s3.js';
import { runProcess, classifyEncodeFailure } from '../../media/ffmpeg/runner.js';
import { buildSplitArgs } from '../../media/encode/args.js';
import { EncoderError } from '../../errors.js';
import { mapLimit } from '../../util/mapLimit.js';
import { keys, type JobInput } from '../job.js';
import { readJobDocument } from '../jobDocument.js';
import { ensureSpace, withWorkDir } from '../workdir.js';

/** Splits the source by stream copy at the planned keyframes and uploads the pieces used. */
export async function splitStep(rt: Runtime, job: Pick<JobInput, 'jobId'>, log: Logger): Promise<{ files: number }> {
  const m = await readJobDocument(rt, job.jobId);
  const url = await presignGet(rt.s3, m.source);
  return withWorkDir(rt.config.WORK_DIR, `${job.jobId}-split`, async (dir) => {
    // The pieces hold the source's video packets: about the source's size.
    await ensureSpace(dir, m.sourceBytes * 1.05, 'the split');
    const args = buildSplitArgs({
      input: url,
      videoStream: m.video.index,
      splitFrames: m.plan.splitFrames,
      pattern: path.join(dir, 'split_%05d.nut'),
      packedSlots: m.video.packedSlots,
    });
    const run = await runProcess(rt.binaries.ffmpeg, args, {
      timeoutMs: rt.config.FFMPEG_TIMEOUT_SECONDS * 1000,
    }).catch((e) => classifyEncodeFailure(e, 'split'));
    const files = (await readdir(dir)).filter((f) => f.startsWith('split_')).sort();
    if (files.length !== m.plan.splitFrames.length + 1) {
      throw new EncoderError(
        'SEGMENT_MISMATCH',
        `split produced ${files.length} files, the plan has ${m.plan.splitFrames.length + 1}`,
      );
    }
    const used = [...new Set(m.plan.segments.map((s) => s.splitFile))];
    const sizes = await mapLimit(used, 8, (f) =>
      uploadFile(rt.s3, { bucket: rt.config.WORK_BUCKET, key: keys.split(job.jobId, f) }, path.join(dir, files[f])),
    );
    const bytes = sizes.reduce((a, b) => a + b, 0);
    log.info('split', { files: used.length, bytes, splitMs: run.durationMs });
    return { files: used.length };
  });
}
