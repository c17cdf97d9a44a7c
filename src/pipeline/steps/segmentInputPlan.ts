/**
 * The Plan step's part of "a segment worker reads only its own bytes": reads the source's moov
 * once (ranged GETs), builds the fragmented init and every segment's record (segmentInput.ts)
 * and stores them in the work bucket: the init once, the records as one object that each worker
 * GETs its own part of. Sources the records cannot describe keep the URL read, with the reason.
 */
import type { Runtime } from '../../runtime.js';
import { writeFile } from 'node:fs/promises';
import { getBytes, presignGet, putBytes } from '../../aws/s3.js';
import { fetchRanges, type FetchCounts } from '../../media/input/segmentFetch.js';
import { httpRangeSource, locateMoov } from '../../media/probe/indexProbe.js';
import {
  assembleSegmentFile,
  buildSegmentSource,
  coalesce,
  decodeRecord,
  planSegmentInputs,
  readFtyp,
  type RecordRef,
} from '../../media/input/segmentInput.js';
import { audioChunkSpanSec, type AudioChunk } from '../../media/encode/cmaf.js';
import type { IndexedPackets } from '../../media/probe/mp4index.js';
import type { Plan } from '../../media/plan/plan.js';
import type { AudioOutput } from '../../media/plan/tracks.js';
import { keys } from '../job.js';

/**
 * Runs closer than this share one GET. Pessimistic S3 figures (AWS "Performance guidelines for
 * Amazon S3": 100-200 ms first-byte latency for small objects at the tail, 85-90 MB/s per
 * connection): a request costs at least what 64 KiB of transfer (< 1 ms) does, so bridging such
 * gaps saves time; bigger gaps are other tracks' samples (or the previous segment's video
 * around its audio pre-roll) and are left out: the worker reads its own bytes, not the file.
 */
export const COALESCE_GAP_BYTES = 64 * 1024;
/** Largest single GET (spreads a big segment over the concurrent requests). */
export const MAX_GET_BYTES = 8 * 1024 * 1024;

/** Keys of a job's segment input objects (under the job's work prefix: removed with it). */
export const segmentInputKeys = {
  init: (jobId: string) => `${keys.prefix(jobId)}input/init.mp4`,
  records: (jobId: string) => `${keys.prefix(jobId)}input/records.json`,
};

/** What the manifest gets: the objects and each segment's record, or the reason there are none. */
export type SegmentInputOutcome =
  | { ok: true; init: string; records: string; refs: RecordRef[]; bytes: number }
  | { ok: false; reason: string };

export async function planSegmentInput(
  rt: Runtime,
  p: {
    jobId: string;
    source: { bucket: string; key: string };
    sizeBytes: number;
    videoStream: number;
    packets: IndexedPackets;
    plan: Plan;
    audioChunks: (AudioChunk & { segment: number })[];
    audioOutputs: AudioOutput[];
    sampleRate: number;
  },
): Promise<SegmentInputOutcome> {
  if (!Array.isArray(p.packets.offset) || p.packets.offset.length !== p.packets.pts.length)
    return { ok: false, reason: 'the packet index has no byte offsets' };
  const src = httpRangeSource(await presignGet(rt.s3, p.source), p.sizeBytes);
  // A read that fails here (a 503, a denied GET) costs the job only this optimisation: the
  // segments then read by URL, as before, and the reason is recorded.
  let moovBytes: Uint8Array;
  let ftyp: Awaited<ReturnType<typeof readFtyp>>;
  try {
    const moov = await locateMoov(src);
    if (!moov.ok) return { ok: false, reason: moov.reason };
    moovBytes = moov.bytes;
    ftyp = await readFtyp(src);
  } catch (err) {
    return {
      ok: false,
      reason: `the source's moov could not be read by range (${(err as Error).message.slice(0, 200)})`,
    };
  }
  const audioStreams = p.audioChunks.length ? [...new Set(p.audioOutputs.map((a) => a.index))] : [];
  const ss = buildSegmentSource({
    moov: moovBytes,
    ftyp,
    videoStream: p.videoStream,
    packets: p.packets,
    audioStreams,
  });
  if (!ss.ok) return ss;
  const tick = p.plan.timeBase.num / p.plan.timeBase.den;
  const planStartSec = p.plan.startPts * tick;
  const windows: ([number, number] | undefined)[] = p.plan.segments.map(() => undefined);
  for (const c of p.audioChunks) {
    const { start, dur } = audioChunkSpanSec(planStartSec, c, p.sampleRate);
    const w = windows[c.segment];
    windows[c.segment] = w ? [Math.min(w[0], start), Math.max(w[1], start + dur)] : [start, start + dur];
  }
  const { records, refs } = planSegmentInputs(ss.tracks, p.plan.segments, windows);
  const init = segmentInputKeys.init(p.jobId);
  const rec = segmentInputKeys.records(p.jobId);
  await putBytes(rt.s3, { bucket: rt.config.WORK_BUCKET, key: init }, ss.init, 'video/mp4');
  await putBytes(rt.s3, { bucket: rt.config.WORK_BUCKET, key: rec }, records, 'application/json');
  return { ok: true, init, records: rec, refs, bytes: records.length };
}

/**
 * The segment worker's side: GETs the init and its own record, then its own bytes of the source
 * (coalesced ranges, bounded concurrency, retries) and writes the container ffmpeg opens.
 * Returns what was read from the source.
 */
export async function writeSegmentInput(
  rt: Runtime,
  p: { objects: { init: string; records: string }; ref: RecordRef; url: string; file: string },
): Promise<FetchCounts & { ranges: number }> {
  const bucket = rt.config.WORK_BUCKET;
  const [init, record] = await Promise.all([
    getBytes(rt.s3, { bucket, key: p.objects.init }),
    getBytes(rt.s3, { bucket, key: p.objects.records }, { start: p.ref.at, end: p.ref.at + p.ref.length }),
  ]);
  const pieces = decodeRecord(record);
  const ranges = coalesce(
    pieces.flatMap((x) => x.runs),
    COALESCE_GAP_BYTES,
    MAX_GET_BYTES,
  );
  const counts: FetchCounts = { bytes: 0, requests: 0 };
  const fetched = await fetchRanges(p.url, ranges, { counts });
  await writeFile(p.file, assembleSegmentFile(init, pieces, fetched));
  return { ...counts, ranges: ranges.length };
}
