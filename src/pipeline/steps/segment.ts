import path from 'node:path';
import os from 'node:os';
import { readFile } from 'node:fs/promises';
import type { Runtime } from '../../runtime.js';
import type { Logger } from '../../log.js';
import { downloadFile, presignGet, putBytes, putJson } from '../../aws/s3.js';
import { runProcess, classifyEncodeFailure } from '../../media/ffmpeg/runner.js';
import { writeSegmentInput } from './segmentInputPlan.js';
import { buildSegmentCommand, type SegmentRead } from './segmentCommand.js';
import { audioPiece, pieceFacts, videoPiece, type PieceFacts } from '../../media/package/package.js';
import { packageLayout } from '../layout.js';
import { encoderThreads } from '../../media/encode/encoderStats.js';
import { ValidationError } from '../../errors.js';
import { mapLimit } from '../../util/mapLimit.js';
import type { SegmentStills } from '../../media/stills/stills.js';
import { EncoderError } from '../../errors.js';
import { existsSync } from 'node:fs';
import { keys } from '../job.js';
import { readJobDocument, type JobDocument, type SegmentResult } from '../jobDocument.js';
import { ensureSpace, withWorkDir } from '../workdir.js';
import { assertJobAlive } from '../jobAlive.js';
import { placeOf } from '../placement.js';
import { segmentVerify } from '../verify.js';
import type { Piece } from '../../media/package/package.js';
import { currentMeter } from '../../cost/meter.js';

export type { SegmentResult } from '../jobDocument.js';

/**
 * Where a piece goes: in place under the job's output prefix when the job publishes it (the
 * manifests Publish writes last make it reachable), else the work bucket (src/pipeline/placement.ts).
 */
const place = (rt: Runtime, m: JobDocument, rel: string) => placeOf(rt.config, m, rel);

/**
 * Transcodes one segment into every rendition as CMAF fragments (one decode, one encoder per
 * rendition), and encodes the audio chunks assigned to it. The source is read by range through
 * its index (no split pass) when the plan says so, else from the split piece. Each fragment is
 * placed on the track's timeline and checked (frame count, keyframe first, exact span) from its
 * own sample table before it is uploaded; the facts the manifests need go to the result.
 */
export async function transcodeSegmentStep(
  rt: Runtime,
  task: { jobId: string; index: number },
  log: Logger,
  opts: { threads?: number } = {},
): Promise<SegmentResult> {
  const started = Date.now();
  await assertJobAlive(rt, task.jobId, 'before encoding');
  const m = await readJobDocument(rt, task.jobId);
  const seg = m.plan.segments[task.index];
  if (!seg) throw new ValidationError(`segment ${task.index} is not in the plan (${m.plan.segments.length} segments)`);
  const tb = m.plan.timeBase;
  const timeoutMs = rt.config.FFMPEG_TIMEOUT_SECONDS * 1000;
  const threads =
    opts.threads ??
    encoderThreads({
      cores: os.availableParallelism(),
      concurrentWorkers: rt.config.SEGMENT_WORKERS_PER_HOST,
      renditions: m.renditions.length,
    });
  const url = await presignGet(rt.s3, m.source);
  return withWorkDir(rt.config.WORK_DIR, `${task.jobId}-seg${task.index}`, async (dir) => {
    const read = m.segmentReads?.[task.index];
    const ranged = m.plan.read?.mode === 'range' && !!read;
    // Its own bytes: the samples of this segment (video, and audio for its chunks) fetched by
    // range into one small container built from the index; ffmpeg reads no moov of the source.
    const own =
      ranged && read!.input && m.segmentInput && 'init' in m.segmentInput
        ? { objects: m.segmentInput, ref: read!.input, file: path.join(dir, 'in.mp4') }
        : undefined;
    let sourceRead: { bytes: number; requests: number; ranges: number } | undefined;
    let from: SegmentRead;
    if (own) {
      sourceRead = await writeSegmentInput(rt, { ...own, url });
      from = { own: own.file };
      // Its GETs go by presigned URL, past the SDK's metering middleware.
      currentMeter()?.addPresignedGets(sourceRead.requests, sourceRead.bytes);
    } else if (ranged) {
      from = { url };
    } else {
      const input = path.join(dir, 'in.nut');
      await downloadFile(rt.s3, { bucket: rt.config.WORK_BUCKET, key: keys.split(task.jobId, seg.splitFile) }, input);
      from = { piece: input };
    }
    const {
      command,
      outputs,
      chunks: chunkFiles,
      qualityRef: qref,
    } = buildSegmentCommand({ m, index: task.index, dir, read: from, url, threads });
    const stills = m.stills?.[task.index] ?? { tiles: [] };
    // Renditions are smaller than the source's share except for intra-only sources.
    await ensureSpace(
      dir,
      (m.sourceBytes / Math.max(1, m.plan.segments.length)) * 2 * m.renditions.length,
      `segment ${task.index}`,
    );
    const chunks = chunkFiles.map((c) => c.chunk);
    const tick = tb.num / tb.den;
    const chunkTracks = (c: { index: number }) => chunkFiles.find((x) => x.chunk.index === c.index)!.tracks;
    const run = await runProcess(rt.binaries.ffmpeg, command, { timeoutMs }).catch((e) =>
      classifyEncodeFailure(e, `segment ${task.index}`),
    );
    await assertJobAlive(rt, task.jobId, 'before writing');
    const pieces: Record<string, PieceFacts[]> = {};
    const placed: Record<string, Piece> = {};
    for (const o of outputs) {
      const piece = videoPiece(await readFile(o.file), {
        index: task.index,
        startTicks: (seg.startPts - m.plan.startPts) * tb.num,
        spanTicks: (seg.endPts - seg.startPts) * tb.num,
        count: seg.count,
        what: `segment ${task.index} ${o.rendition.name}`,
      });
      await putBytes(
        rt.s3,
        place(rt, m, packageLayout.segment(o.rendition.name, task.index)),
        piece.fragment,
        'video/iso.segment',
      );
      // Every worker writes the same init; the first one's is kept (the package step checks
      // every worker's digest against it).
      if (task.index === 0)
        await putBytes(rt.s3, place(rt, m, packageLayout.init(o.rendition.name)), piece.init, 'video/mp4');
      pieces[o.rendition.name] = [pieceFacts(piece)];
      placed[o.rendition.name] = piece;
    }
    const verify = await segmentVerify({
      run: (a) =>
        runProcess(rt.binaries.ffmpeg, a, { timeoutMs }).catch((e) =>
          classifyEncodeFailure(e, `segment ${task.index} quality`),
        ),
      dir,
      reference: qref,
      outputs,
      pieces: placed,
    });
    await uploadStills(rt, m, stills, dir, task.index);
    for (const a of m.audioOutputs) pieces[a.id] = [];
    await mapLimit(chunks, 2, async (c) => {
      for (const t of chunkTracks(c)) {
        const piece = audioPiece(await readFile(t.output), c);
        await putBytes(rt.s3, place(rt, m, packageLayout.segment(t.id, c.index)), piece.fragment, 'audio/iso.segment');
        if (c.index === 0) await putBytes(rt.s3, place(rt, m, packageLayout.init(t.id)), piece.init, 'audio/mp4');
        pieces[t.id].push({ ...pieceFacts(piece), chunk: c.index });
      }
    });
    for (const a of m.audioOutputs) pieces[a.id].sort((x, y) => x.chunk! - y.chunk!);
    const result: SegmentResult = {
      index: task.index,
      frames: seg.count,
      durationSec: Number(((seg.endPts - seg.startPts) * tick).toFixed(6)),
      pieces,
      encodeMs: run.durationMs,
      totalMs: Date.now() - started,
      verify,
    };
    // A Lambda invocation's meter travels with its result (the PUT below counted in it).
    const meter = currentMeter();
    if (meter?.kind === 'lambda') {
      result.meter = meter.snapshot({ tier1: 1 });
      meter.carried = true;
    }
    await putJson(rt.s3, { bucket: rt.config.WORK_BUCKET, key: keys.segmentResult(task.jobId, task.index) }, result);
    log.info('segment done', {
      index: task.index,
      frames: seg.count,
      read: own ? 'own' : (m.plan.read?.mode ?? 'split'),
      sourceRead,
      audioChunks: chunks.length,
      audioTracks: m.audioOutputs.length,
      encodeMs: run.durationMs,
      totalMs: result.totalMs,
      threads,
      host: os.hostname(),
    });
    return result;
  });
}

/**
 * Uploads the stills this segment's ffmpeg wrote: tile k as the file of its frame (the distinct
 * frames were written in presentation order), the poster as PNG.
 */
async function uploadStills(
  rt: Runtime,
  m: JobDocument,
  stills: SegmentStills,
  dir: string,
  index: number,
): Promise<void> {
  const bucket = rt.config.WORK_BUCKET;
  const distinct = [...new Set(stills.tiles.map((t) => t.pts))];
  const fileOf = (pts: number) => path.join(dir, `tile_${String(distinct.indexOf(pts) + 1).padStart(5, '0')}.jpg`);
  await mapLimit(stills.tiles, 8, async (t) => {
    const f = fileOf(t.pts);
    if (!existsSync(f))
      throw new EncoderError('ENCODER_FAILED', `segment ${index}: sprite tile ${t.k} (frame ${t.pts}) was not written`);
    await putBytes(rt.s3, { bucket, key: keys.stillTile(m.jobId, t.k) }, await readFile(f), 'image/jpeg');
  });
  if (stills.poster) {
    const f = path.join(dir, 'poster.png');
    // ffmpeg exits 0 when a selection finds no frame: say so instead of failing later.
    if (!existsSync(f))
      throw new EncoderError('ENCODER_FAILED', `segment ${index}: no poster frame decoded at ${stills.poster.pts}`);
    await putBytes(rt.s3, { bucket, key: keys.posterFrame(m.jobId) }, await readFile(f), 'image/png');
  }
}
