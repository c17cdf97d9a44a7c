/**
 * Files joined from the CMAF pieces, for any format: a head (an init) followed by fragments, in
 * place in the output bucket by one multipart upload whose parts (at least MP4_PART_BYTES each,
 * S3's 5 MiB minimum but the last) are joined by the AssemblePart workers in parallel, then
 * completed. A fragment may have its moof rewritten on the way (the progressive MP4's track ids,
 * sequence numbers, unsigned composition offsets: package.ts placedParts); mdat bytes are copied
 * as they are. Nothing is copied between buckets (CopyObject refuses sources over 5 GiB).
 */
import { randomUUID } from 'node:crypto';
import type { Runtime } from '../runtime.js';
import type { Logger } from '../log.js';
import { getBytes, getJson, listKeys, putBytes, putJson, type S3Location } from '../aws/s3.js';
import {
  completeMultipart,
  createMultipart,
  uploadPart,
  type OpenUpload,
  type UploadedPart,
} from '../aws/multipart.js';
import { partRanges, placedParts, type Placement } from '../media/package/package.js';
import { concatBytes } from '../media/package/isobmff.js';
import { EncoderError } from '../errors.js';
import { mapLimit } from '../util/mapLimit.js';
import { keys } from '../pipeline/layout.js';

/** A file a format joins from pieces (what its `assemble` returns). */
export interface JoinPlan {
  format: string;
  /** Its id within the format (the rendition's or track's id). */
  id: string;
  /** The rendition it plays, if it is one (the COMPLETE event gives its size and duration). */
  rendition?: string;
  /** Path under the package. */
  file: string;
  contentType: string;
  /** The bytes before the first fragment (an init segment). */
  head: Uint8Array;
  /** Every fragment in file order, with its size; `placement` rewrites its moof (with `delay`). */
  fragments: { at: S3Location; bytes: number; placement?: Placement }[];
  /** The video composition delay the placements make offsets unsigned with. */
  delay?: number;
}

/** One part of one joined file: what an AssemblePart worker gets (the AssembleParts Map's item). */
export interface JoinPart {
  /** The format the file belongs to (absent: mp4, the items an older Assemble wrote). */
  format?: string;
  /** The file's id within its format. */
  rendition: string;
  /** 1-based part number (part 1 carries the head). */
  part: number;
}

/** A joined file's layout for its part workers (work bucket). */
export interface JoinDoc extends Omit<JoinPlan, 'head' | 'fragments'> {
  /** Where the file is written and its multipart upload. */
  target: S3Location;
  uploadId: string;
  /** Work key of the head. */
  headKey: string;
  fragments: { at: S3Location; placement?: Placement }[];
  /** Each part's [from, to) range of fragments. */
  parts: { from: number; to: number }[];
}

/** A joined file as Assemble records it, and (after completion) its size. */
export interface JoinRecord {
  format: string;
  id: string;
  rendition?: string;
  file: string;
  sizeBytes?: number;
}

/**
 * Stores a file's head and layout and starts its multipart upload (recorded first, so Cleanup
 * can abort it); returns its parts for the AssembleParts Map.
 */
export async function prepareJoin(rt: Runtime, jobId: string, plan: JoinPlan, target: S3Location): Promise<JoinPart[]> {
  const bucket = rt.config.WORK_BUCKET;
  const headKey = keys.joinHead(jobId, plan.format, plan.id);
  await putBytes(rt.s3, { bucket, key: headKey }, plan.head, plan.contentType);
  const uploadId = await createMultipart(rt.s3, target, plan.contentType);
  // Recorded before anything else can fail: Cleanup aborts every upload a failed job started
  // (ListMultipartUploads is not served by every S3 implementation; s3rver answers NotImplemented).
  await putJson(rt.s3, { bucket, key: keys.multipartUpload(jobId, randomUUID()) }, {
    ...target,
    uploadId,
  } satisfies OpenUpload);
  const parts = partRanges(
    plan.fragments.map((f) => f.bytes),
    plan.head.length,
    rt.config.MP4_PART_BYTES,
  );
  const { head: _head, fragments, ...rest } = plan;
  const doc: JoinDoc = {
    ...rest,
    target,
    uploadId,
    headKey,
    fragments: fragments.map((f) => ({ at: f.at, ...(f.placement ? { placement: f.placement } : {}) })),
    parts,
  };
  await putJson(rt.s3, { bucket, key: keys.joinDoc(jobId, plan.format, plan.id) }, doc);
  return parts.map((_, k) => ({ format: plan.format, rendition: plan.id, part: k + 1 }));
}

/**
 * One part of one joined file: its fragments fetched (a few at a time), rewritten where the
 * layout says, joined (part 1 behind the head) and uploaded as that part. Idempotent: a retry
 * uploads the same bytes as the same part number.
 */
export async function joinPart(rt: Runtime, jobId: string, p: JoinPart, log: Logger): Promise<{ bytes: number }> {
  const started = Date.now();
  const bucket = rt.config.WORK_BUCKET;
  const format = p.format ?? 'mp4';
  const doc = await getJson<JoinDoc>(rt.s3, { bucket, key: keys.joinDoc(jobId, format, p.rendition) });
  const range = doc.parts[p.part - 1];
  if (!range)
    throw new EncoderError('SEGMENT_MISMATCH', `${format} ${p.rendition}: part ${p.part} of ${doc.parts.length}`);
  const items = doc.fragments.slice(range.from, range.to);
  const joined = await mapLimit(items, 8, async (x) => {
    const bytes = await getBytes(rt.s3, x.at);
    return x.placement ? placedParts(bytes, x.placement, doc.delay ?? 0) : [bytes];
  });
  const body = concatBytes([
    ...(p.part === 1 ? [await getBytes(rt.s3, { bucket, key: doc.headKey })] : []),
    ...joined.flat(),
  ]);
  const etag = await uploadPart(rt.s3, doc.target, doc.uploadId, p.part, body);
  // The receipt the completion reads (a retry overwrites it with the same part).
  const receipt: UploadedPart = { partNumber: p.part, etag, size: body.length };
  await putJson(rt.s3, { bucket, key: keys.joinPart(jobId, format, p.rendition, p.part) }, receipt);
  log.info(`${format} part uploaded`, {
    format,
    file: doc.file,
    part: p.part,
    of: doc.parts.length,
    fragments: items.length,
    bytes: body.length,
    partMs: Date.now() - started,
  });
  return { bytes: body.length };
}

/** Completes one joined file's upload from its parts' receipts (all must be there); returns its size. */
export async function completeJoin(rt: Runtime, jobId: string, r: JoinRecord, log: Logger): Promise<number> {
  const bucket = rt.config.WORK_BUCKET;
  const doc = await getJson<JoinDoc>(rt.s3, { bucket, key: keys.joinDoc(jobId, r.format, r.id) });
  const receipts = await listKeys(rt.s3, bucket, keys.joinPartsPrefix(jobId, r.format, r.id));
  const uploaded = await mapLimit(receipts, 32, (k) => getJson<UploadedPart>(rt.s3, { bucket, key: k.key }));
  const sizeBytes = await completeMultipart(rt.s3, doc.target, doc.uploadId, uploaded, doc.parts.length);
  log.info(`${r.format} file joined`, {
    format: r.format,
    file: r.file,
    parts: doc.parts.length,
    fragments: doc.fragments.length,
    sizeBytes,
  });
  return sizeBytes;
}
