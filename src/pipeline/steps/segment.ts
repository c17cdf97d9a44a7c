import path from 'node:path';
import os from 'node:os';
import type { Runtime } from '../../runtime.js';
import type { Logger } from '../../log.js';
import { downloadFile, putJson, uploadFile } from '../../aws/s3.js';
import { runProcess, classifyEncodeFailure } from '../../media/runner.js';
import { buildSegmentEncodeArgs } from '../../media/args.js';
import { countVideoPackets } from '../../media/inspect.js';
import { EncoderError, ValidationError } from '../../errors.js';
import { keys } from '../job.js';
import { readManifest } from '../manifest.js';
import { ensureSpace, withWorkDir } from '../workdir.js';
import { stat } from 'node:fs/promises';

/** Timing of one segment, written to S3 (the Map returns nothing inline). */
export interface SegmentResult {
  index: number;
  frames: number;
  /** Seconds of media this segment covers. */
  durationSec: number;
  encodeMs: number;
  totalMs: number;
}

/**
 * Transcodes one segment into every rendition: one decode, one encoder per rendition. Each
 * piece is checked to hold exactly the planned number of frames before it is uploaded.
 */
export async function transcodeSegmentStep(rt: Runtime, task: { jobId: string; index: number }, log: Logger, opts: { threads?: number } = {}): Promise<SegmentResult> {
  const started = Date.now();
  const m = await readManifest(rt, task.jobId);
  const seg = m.plan.segments[task.index];
  if (!seg) throw new ValidationError(`segment ${task.index} is not in the plan (${m.plan.segments.length} segments)`);
  return withWorkDir(rt.config.WORK_DIR, `${task.jobId}-seg${task.index}`, async (dir) => {
    const input = path.join(dir, 'in.nut');
    await downloadFile(rt.s3, { bucket: rt.config.WORK_BUCKET, key: keys.split(task.jobId, seg.splitFile) }, input);
    // Renditions are smaller than the source piece except for intra-only sources; allow 2x each.
    await ensureSpace(dir, (await stat(input)).size * 2 * m.renditions.length, `segment ${task.index}`);
    const outputs = m.renditions.map((r) => ({ rendition: r, file: path.join(dir, `${r.name}.nut`) }));
    const args = buildSegmentEncodeArgs({
      input,
      preset: m.preset,
      outputs,
      skip: seg.skip,
      count: seg.count,
      totalFrames: seg.endPacket - seg.startPacket,
      rotation: m.video.rotation,
      threads: opts.threads,
      colour: m.colour,
    });
    const run = await runProcess(rt.binaries.ffmpeg, args, { timeoutMs: rt.config.FFMPEG_TIMEOUT_SECONDS * 1000 }).catch((e) =>
      classifyEncodeFailure(e, `segment ${task.index}`),
    );
    for (const o of outputs) {
      const frames = await countVideoPackets(rt.binaries.ffprobe, o.file);
      if (frames !== seg.count) {
        throw new EncoderError('SEGMENT_MISMATCH', `segment ${task.index} ${o.rendition.name}: ${frames} frames encoded, ${seg.count} planned`);
      }
      await uploadFile(rt.s3, { bucket: rt.config.WORK_BUCKET, key: keys.piece(task.jobId, o.rendition.name, task.index) }, o.file);
    }
    const tick = m.plan.timeBase.num / m.plan.timeBase.den;
    const result: SegmentResult = { index: task.index, frames: seg.count, durationSec: Number(((seg.endPts - seg.startPts) * tick).toFixed(6)), encodeMs: run.durationMs, totalMs: Date.now() - started };
    await putJson(rt.s3, { bucket: rt.config.WORK_BUCKET, key: keys.segmentResult(task.jobId, task.index) }, result);
    log.info('segment done', { ...result, host: os.hostname() });
    return result;
  });
}
